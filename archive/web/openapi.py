"""The OpenAPI 3 description of the JSON API under /api/, written by hand.

Objects allow keys beyond those listed (other parts of the archive add
fields); every listed key is promised. Keep this in step with the /api/ routes
in web/ (api, upload, accounts, publishing, search, tagging, review,
standards_api; transcription describes its own route): tests check the
running server against it.
"""

import copy

from archive.web import transcription

OPENAPI_VERSION = "3.0.3"


def _nullable(kind, **extra):
    return {"type": kind, "nullable": True, **extra}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"application/json": {"schema": schema}}


def _error(description):
    return {"description": description, "content": _json(_ref("Error"))}


_STRING = {"type": "string"}
_URL = {"type": "string", "format": "uri"}

PHOTO_SUMMARY = {
    "type": "object",
    "required": ["id", "url", "title", "original_filename", "sha256", "width", "height",
                 "taken_at", "thumbnail_url"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": _URL,
        "title": _STRING,
        "original_filename": _STRING,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "taken_at": _nullable("string", description="ISO 8601 camera time, no zone"),
        "thumbnail_url": _URL,
    },
}

PHOTO = {
    "allOf": [
        _ref("PhotoSummary"),
        {
            "type": "object",
            "required": ["caption", "transcription", "camera", "tags", "display_url", "original_url",
                         "gps", "is_public", "iiif_image", "iiif_manifest", "rights", "provenance",
                         "warnings"],
            "properties": {
                "caption": _STRING,
                "transcription": _STRING,
                "camera": _nullable("string"),
                "camera_make": _nullable("string"),
                "camera_model": _nullable("string"),
                "lens": _nullable("string"),
                "exposure_time": _nullable("string"),
                "f_number": _nullable("number"),
                "iso": _nullable("integer"),
                "focal_length": _nullable("number"),
                "format": _STRING,
                "file_size": {"type": "integer", "minimum": 1},
                "tags": {
                    "type": "object",
                    "description": "Tag slugs by facet (set, subject, film, trip, place, keyword).",
                    "additionalProperties": {"type": "array", "items": _STRING},
                },
                "display_url": _URL,
                "original_url": {**_URL, "nullable": True,
                                 "description": "The file as uploaded; null unless the request may see "
                                                "exact locations (archivists, or a trip an admin opened)"},
                "gps": {"type": "object", "nullable": True, "required": ["lat", "lon"],
                        "description": "Exact location; null when unknown or not allowed (as original_url)",
                        "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                       "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
                "is_public": {"type": "boolean", "description": "False: only archivists see it"},
                "iiif_image": {**_URL, "description": "IIIF Image API 3.0 base URI (add /info.json)"},
                "iiif_manifest": {**_URL, "description": "IIIF Presentation API 3.0 manifest"},
                "rights": _STRING,
                "provenance": {
                    "type": "object",
                    "required": ["original_filename", "trip", "photographer", "source",
                                 "uploaded_by", "uploaded_at"],
                    "properties": {
                        "original_filename": _STRING,
                        "trip": _STRING,
                        "photographer": _STRING,
                        "source": {"type": "string", "enum": ["web", "cli"]},
                        "uploaded_by": _STRING,
                        "uploaded_at": _STRING,
                    },
                },
                "warnings": {"type": "array", "items": _STRING},
            },
        },
    ]
}

OUTCOME = {
    "type": "object",
    "required": ["path", "status", "photo_id", "duplicate_of", "reason", "warnings", "matches"],
    "properties": {
        "path": _STRING,
        "status": {"type": "string", "enum": ["imported", "duplicate", "rejected"]},
        "photo_id": _nullable("integer"),
        "duplicate_of": _nullable("integer"),
        "reason": _nullable("string"),
        "warnings": {"type": "array", "items": _STRING},
        "matches": {"type": "array", "description": "Stored photos this one nearly duplicates, best first",
                    "items": {"type": "object", "required": ["photo_id", "kind"],
                              "properties": {"photo_id": {"type": "integer"},
                                             "kind": {"type": "string", "enum": ["duplicate", "related"]}}}},
    },
}

EXPORT_RECORD = {
    "type": "object",
    "required": ["id", "sha256", "original_filename", "width", "height", "title", "caption",
                 "rights", "is_public", "tags"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "sha256": _STRING,
        "original_filename": _STRING,
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "title": _STRING,
        "caption": _STRING,
        "rights": _STRING,
        "taken_at": _nullable("string"),
        "gps_lat": _nullable("number", description="Only for archivists"),
        "gps_lon": _nullable("number", description="Only for archivists"),
        "is_public": {"type": "boolean"},
        "tags": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "object", "required": ["slug", "label"],
                          "properties": {"slug": _STRING, "label": _STRING}},
            },
        },
    },
}

IDS_PARAMETER = {
    "name": "ids",
    "in": "query",
    "required": False,
    "description": "Only these photos: ids separated by commas, e.g. 3,5,8. All visible photos when absent.",
    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*$"},
}

EXPORT_QUERY_PARAMETER = {
    "name": "q",
    "in": "query",
    "required": False,
    "description": "Only the photos this search finds (the query language of /api/search); "
                   "not together with ids.",
    "schema": {"type": "string", "maxLength": 2000},
}

PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "required": False,
     "description": "Page number, from 1 (anything else is page 1).",
     "schema": {"type": "integer", "minimum": 1, "maximum": 999999}},
    {"name": "per_page", "in": "query", "required": False,
     "description": "Photos a page, at most 200.",
     "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]

PHOTO_ID = {"name": "photo_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}

# Who may call what. A cookie session (log in at /login) carries the account;
# a state-changing call also sends the session's CSRF token (GET /api/session)
# in X-CSRFToken. Reading needs no account: visitors see public photos only.
ARCHIVIST = [{"session": []}]
ARCHIVIST_WRITE = [{"session": [], "csrf": []}]


def _archivist(operation, write=False, admin=False):
    """Mark an operation as for archivists (or admins): its security, its 401
    (not logged in), for admin-only calls its 403 (an archivist), and for
    writes the CSRF 400."""
    who = "an admin" if admin else "an archivist or admin"
    operation["description"] = (operation.get("description", "") + f" Needs {who}"
                                + (" and the X-CSRFToken header." if write else ".")).strip()
    operation["security"] = ARCHIVIST_WRITE if write else ARCHIVIST
    if write:
        # CSRFProtect refuses a state-changing call without the session's token.
        refused = operation["responses"].get("400", {}).get("description")
        operation["responses"]["400"] = _error(
            (f"{refused}; or " if refused else "") + "the X-CSRFToken header is missing or wrong")
    operation["responses"]["401"] = _error(
        "Not logged in, or the session ended (a new password, a disabled account)")
    if admin:  # every account is at least an archivist, so only admin-only calls refuse one
        operation["responses"]["403"] = _error("The account is an archivist, not an admin")
    return operation


def _page_schema(item):
    return {"type": "object", "required": ["total", "page", "per_page", "results"],
            "properties": {"total": {"type": "integer", "minimum": 0},
                           "page": {"type": "integer", "minimum": 1},
                           "per_page": {"type": "integer", "minimum": 1},
                           "results": {"type": "array", "items": item}}}


SEARCH_QUERY = {"name": "q", "in": "query", "required": False,
                "description": "Words and FACET:VALUE terms, e.g. `subject:film-poster taken:1987`; "
                               "empty finds every visible photo",
                "schema": {"type": "string", "maxLength": 500}}
SEARCH_SORT = {"name": "sort", "in": "query", "required": False,
               "schema": {"type": "string", "default": "relevance",
                          "enum": ["relevance", "newest", "oldest", "taken", "taken-desc"]}}

SEARCH_RESULT = {
    "allOf": [
        _ref("PhotoSummary"),
        {"type": "object", "required": ["permalink", "camera", "uploaded_at", "tags"],
         "properties": {"permalink": _URL, "camera": _nullable("string"), "uploaded_at": _STRING,
                        "tags": {"type": "object",
                                 "additionalProperties": {"type": "array", "items": _STRING}}}},
    ]
}

FACET_ENTRY = {
    "type": "object",
    "required": ["value", "label", "count", "query"],
    "properties": {
        "value": _STRING,
        "label": _STRING,
        "label_ko": _nullable("string"),
        "count": {"type": "integer", "minimum": 1},
        "query": {**_STRING, "description": "The query narrowed to this value"},
    },
}

SEARCH = {
    "type": "object",
    "required": ["query", "sort", "total", "page", "per_page", "pages", "results", "facets"],
    "properties": {
        "query": _STRING,
        "sort": SEARCH_SORT["schema"],
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "results": {"type": "array", "items": _ref("SearchResult")},
        "facets": {
            "type": "object",
            "description": "Counts over every matching photo, by facet "
                           "(set, subject, film, trip, year, camera)",
            "additionalProperties": {"type": "array", "items": _ref("FacetEntry")},
        },
    },
}

TAG_SLUGS = {"type": "object", "description": "Tag slugs by facet",
             "additionalProperties": {"type": "array", "items": _STRING}}

TAG = {
    "type": "object",
    "required": ["facet", "slug", "spec", "label", "label_ko", "aliases", "photos"],
    "properties": {
        "facet": {"type": "string", "enum": ["set", "subject", "film", "trip", "place", "keyword"]},
        "slug": _STRING,
        "spec": {**_STRING, "description": "FACET:SLUG, as uploads and tag changes name it"},
        "label": _STRING,
        "label_ko": _nullable("string"),
        "aliases": {"type": "array", "items": _STRING},
        "photos": {"type": "integer", "minimum": 0},
    },
}

SUGGESTION = {
    "type": "object",
    "required": ["id", "photo_a", "photo_b", "kind", "phash_distance", "dhash_distance", "created_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "photo_a": {"type": "integer", "description": "The lower photo id"},
        "photo_b": {"type": "integer"},
        "kind": {"type": "string", "enum": ["duplicate", "related"]},
        "phash_distance": {"type": "integer", "minimum": 0},
        "dhash_distance": {"type": "integer", "minimum": 0},
        "alignment": _STRING,
        "created_at": _STRING,
    },
}

DECISION = {
    "type": "object",
    "required": ["id", "photo_a", "photo_b", "decision", "primary_id", "decided_by", "decided_at",
                 "undone_by", "undone_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "photo_a": {"type": "integer"},
        "photo_b": {"type": "integer"},
        "decision": {"type": "string", "enum": ["duplicate", "related", "unrelated"]},
        "primary_id": _nullable("integer", description="The photo to keep; duplicates only"),
        "decided_by": _STRING,
        "decided_at": _STRING,
        "undone_by": _nullable("string"),
        "undone_at": _nullable("string", description="Set once the decision is undone"),
    },
}

GROUP = {
    "type": "object",
    "required": ["kind", "state", "primary", "photos"],
    "properties": {
        "kind": {"type": "string", "enum": ["duplicate", "related"]},
        "state": {"type": "string", "enum": ["confirmed", "suggested"]},
        "primary": {"type": "integer"},
        "photos": {"type": "array", "minItems": 2, "items": {
            "type": "object", "required": ["id", "original_filename", "sha256"],
            "properties": {"id": {"type": "integer"}, "original_filename": _STRING, "sha256": _STRING}}},
    },
}

VERSIONS = {
    "type": "object",
    "required": ["primary", "versions", "other_shots", "tags", "captions", "provenance"],
    "properties": {
        "primary": {"type": "integer", "description": "The group's chosen photo, the first of versions "
                                                      "(the first visible one if the chosen one is private)"},
        "versions": {"type": "array", "minItems": 1, "items": _ref("PhotoSummary"),
                     "description": "The photo and its duplicates, the primary first"},
        "other_shots": {"type": "array", "items": _ref("PhotoSummary"),
                        "description": "Other shots of the same poster (decided related)"},
        "tags": TAG_SLUGS,
        "captions": {"type": "array", "items": _STRING},
        "provenance": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "original_filename", "trip", "photographer", "source", "uploaded_by",
                         "uploaded_at", "width", "height"],
            "properties": {"id": {"type": "integer"}, "original_filename": _STRING, "trip": _STRING,
                           "photographer": _STRING, "source": _STRING, "uploaded_by": _STRING,
                           "uploaded_at": _STRING, "width": {"type": "integer"},
                           "height": {"type": "integer"}}}},
    },
}

SUGGESTION_ID = {"name": "suggestion_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}
DECISION_ID = {"name": "decision_id", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}}


def _json_body(schema, example):
    return {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}

SPEC = {
    "openapi": OPENAPI_VERSION,
    "info": {
        "title": "Backlot poster archive",
        "version": "1",
        "description": "Photographs of the hand-painted posters, adverts and signs on the street sets "
                       "of the Korean Art Film Studio. Errors are JSON objects with an `error` message. "
                       "Images are also served through the IIIF Image API 3.0 (`/iiif/3/{id}/info.json`) "
                       "and described by IIIF Presentation 3.0 manifests (`/iiif/photos/{id}/manifest.json`, "
                       "`/iiif/sets/collection.json`). Reading needs no account (visitors see public "
                       "photos only); operations marked with security need the `session` cookie of an "
                       "archivist or admin (log in at `/login`), and those that change something also "
                       "send the session's CSRF token (`GET /api/session`) in the `X-CSRFToken` header.",
    },
    "paths": {
        "/api/photos": {
            "get": {
                "operationId": "listPhotos",
                "summary": "Photos, newest uploads first, a page at a time",
                "parameters": PAGE_PARAMETERS,
                "responses": {
                    "200": {
                        "description": "A page of photos",
                        "content": _json({
                            "type": "object",
                            "required": ["total", "page", "per_page", "results"],
                            "properties": {
                                "total": {"type": "integer", "minimum": 0},
                                "page": {"type": "integer", "minimum": 1},
                                "per_page": {"type": "integer", "minimum": 1},
                                "results": {"type": "array", "items": _ref("PhotoSummary")},
                            },
                        }),
                    }
                },
            }
        },
        "/api/photos/{photo_id}": {
            "get": {
                "operationId": "getPhoto",
                "summary": "One photo with its metadata, tags and links",
                "parameters": [PHOTO_ID],
                "responses": {
                    "200": {"description": "The photo", "content": _json(_ref("Photo"))},
                    "404": _error("No such photo, or one this request may not see"),
                },
            },
            "delete": _archivist({
                "operationId": "deletePhoto",
                "summary": "Delete a photo, its files, tags and match records, for good",
                "parameters": [PHOTO_ID],
                "responses": {
                    "200": {"description": "Deleted", "content": _json({
                        "type": "object", "required": ["deleted"],
                        "properties": {"deleted": {"type": "array", "items": {"type": "integer"}}}})},
                    "404": _error("No such photo"),
                },
            }, write=True, admin=True),
        },
        "/api/photos/{photo_id}/visibility": {
            "post": _archivist({
                "operationId": "setVisibility",
                "summary": "Publish a photo, or make it private (only archivists see it)",
                "parameters": [PHOTO_ID],
                "requestBody": _json_body({"type": "object", "required": ["public"],
                                           "properties": {"public": {"type": "boolean"}}},
                                          {"public": True}),
                "responses": {
                    "200": {"description": "The photo's visibility now", "content": _json({
                        "type": "object", "required": ["id", "is_public"],
                        "properties": {"id": {"type": "integer"}, "is_public": {"type": "boolean"}}})},
                    "400": _error('The body is not {"public": true|false}'),
                    "404": _error("No such photo"),
                },
            }, write=True),
        },
        "/api/photos/{photo_id}/tags": {
            "post": _archivist({
                "operationId": "changeTags",
                "summary": "Add and remove tags on a photo",
                "description": "Controlled facets (set, subject, film) take only tags in the vocabulary "
                               "(see /api/tags); free facets (trip, place, keyword) create them.",
                "parameters": [PHOTO_ID],
                "requestBody": _json_body({
                    "type": "object",
                    "properties": {
                        "add": {"type": "array", "items": {**_STRING, "description": "FACET:VALUE"}},
                        "remove": {"type": "array", "items": {**_STRING, "description": "FACET:VALUE"}},
                    },
                }, {"add": ["subject:film-poster"], "remove": ["keyword:blurred"]}),
                "responses": {
                    "200": {"description": "Links changed, and the photo's tags now", "content": _json({
                        "type": "object", "required": ["added", "removed", "tags"],
                        "properties": {"added": {"type": "integer", "minimum": 0},
                                       "removed": {"type": "integer", "minimum": 0},
                                       "tags": TAG_SLUGS}})},
                    "400": _error("The body is not lists of FACET:VALUE, or names an unknown tag"),
                    "404": _error("No such photo"),
                },
            }, write=True),
        },
        "/api/photos/{photo_id}/versions": {
            "get": {
                "operationId": "photoVersions",
                "summary": "The photo's duplicate group: its versions, their merged tags, captions and "
                           "provenance, and other shots of the same poster",
                "parameters": [PHOTO_ID],
                "responses": {
                    "200": {"description": "The group (just the photo when it has no duplicates)",
                            "content": _json(_ref("Versions"))},
                    "404": _error("No such photo, or one this request may not see"),
                },
            }
        },
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the visible photos, with facet counts",
                "parameters": [SEARCH_QUERY, SEARCH_SORT, *PAGE_PARAMETERS],
                "responses": {
                    "200": {"description": "A page of results", "content": _json(_ref("Search"))},
                    "400": _error("The query or sort cannot be read (the message says why)"),
                },
            }
        },
        "/api/search.csv": {
            "get": {
                "operationId": "searchCsv",
                "summary": "Every photo a search finds, as CSV, one row a photo",
                "parameters": [SEARCH_QUERY, SEARCH_SORT],
                "responses": {
                    "200": {"description": "CSV with a header row",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": _error("The query or sort cannot be read (the message says why)"),
                },
            }
        },
        "/api/tags": {
            "get": _archivist({
                "operationId": "listTags",
                "summary": "Tags whose slug, alias or label starts with q (autocomplete), at most 20",
                "parameters": [
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "facet", "in": "query", "required": False,
                     "schema": {"type": "string",
                                "enum": ["set", "subject", "film", "trip", "place", "keyword"]}},
                ],
                "responses": {
                    "200": {"description": "Matching tags", "content": _json({
                        "type": "object", "required": ["results"],
                        "properties": {"results": {"type": "array", "maxItems": 20,
                                                   "items": _ref("Tag")}}})},
                    "400": _error("Unknown facet"),
                },
            })
        },
        "/api/review": {
            "get": _archivist({
                "operationId": "reviewQueue",
                "summary": "Open near-duplicate suggestions, duplicates first, closest first",
                "parameters": [{"name": "limit", "in": "query", "required": False,
                                "description": "At most this many, up to 500 (anything else is 50)",
                                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}],
                "responses": {
                    "200": {"description": "The queue", "content": _json({
                        "type": "object", "required": ["total", "suggestions"],
                        "properties": {"total": {"type": "integer", "minimum": 0},
                                       "suggestions": {"type": "array", "items": _ref("Suggestion")}}})},
                },
            }),
        },
        "/api/review/{suggestion_id}": {
            "get": _archivist({
                "operationId": "reviewPair",
                "summary": "One suggestion: its two photos, their metadata side by side, and any decision",
                "parameters": [SUGGESTION_ID],
                "responses": {
                    "200": {"description": "The pair", "content": _json({
                        "allOf": [_ref("Suggestion"), {
                            "type": "object", "required": ["decision", "photos", "metadata_diff"],
                            "properties": {
                                "decision": {"allOf": [_ref("Decision")], "nullable": True},
                                "photos": {"type": "array", "minItems": 2, "maxItems": 2,
                                           "items": _ref("PhotoSummary")},
                                "metadata_diff": {"type": "array", "items": {
                                    "type": "object", "required": ["field", "a", "b", "differs"],
                                    "properties": {"field": _STRING, "a": _nullable("string"),
                                                   "b": _nullable("string"),
                                                   "differs": {"type": "boolean"}}}},
                            }}]})},
                    "404": _error("No such suggestion, or one of its photos is not visible"),
                },
            }),
        },
        "/api/review/{suggestion_id}/decision": {
            "post": _archivist({
                "operationId": "decide",
                "summary": "Decide a suggestion: the same photograph, another shot, or unrelated",
                "parameters": [SUGGESTION_ID],
                "requestBody": _json_body({
                    "type": "object", "required": ["decision"],
                    "properties": {
                        "decision": {"type": "string", "enum": ["duplicate", "related", "unrelated"]},
                        "primary_id": {"type": "integer", "description":
                                       "For a duplicate: the photo to keep, one of the group; "
                                       "chosen by size and metadata when left out"},
                    },
                }, {"decision": "duplicate", "primary_id": 12}),
                "responses": {
                    "201": {"description": "The decision recorded", "content": _json(_ref("Decision"))},
                    "400": _error("The body is not a decision, or primary_id is not in the group"),
                    "404": _error("No such suggestion, or one of its photos is not visible"),
                    "409": _error("The suggestion was already decided; undo that decision first"),
                },
            }, write=True),
        },
        "/api/review/decisions/{decision_id}/undo": {
            "post": _archivist({
                "operationId": "undoDecision",
                "summary": "Withdraw a decision: its suggestion comes back to the queue",
                "parameters": [DECISION_ID],
                "responses": {
                    "200": {"description": "The decision, now undone", "content": _json(_ref("Decision"))},
                    "400": _error("The decision was already undone"),
                    "404": _error("No such decision, or one of its photos is not visible"),
                },
            }, write=True),
        },
        "/api/duplicates": {
            "get": _archivist({
                "operationId": "duplicateGroups",
                "summary": "Every group of duplicates or related shots, confirmed and suggested",
                "responses": {
                    "200": {"description": "The groups", "content": _json({
                        "type": "object", "required": ["groups"],
                        "properties": {"groups": {"type": "array", "items": _ref("Group")}}})},
                },
            }),
        },
        "/api/session": {
            "get": {
                "operationId": "session",
                "summary": "Who is logged in on this session, and the CSRF token to send as X-CSRFToken",
                "responses": {
                    "200": {"description": "The session", "content": _json({
                        "type": "object", "required": ["username", "role", "csrf_token"],
                        "properties": {"username": _nullable("string", description="null for a visitor"),
                                       "role": {"type": "string", "enum": ["visitor", "archivist", "admin"]},
                                       "csrf_token": _STRING}})},
                },
            }
        },
        "/api/uploads": {
            "post": _archivist({
                "operationId": "uploadPhotos",
                "summary": "Upload photos; each file is imported, found a duplicate or rejected",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["photos"],
                                "properties": {
                                    "photos": {"type": "array", "minItems": 1,
                                               "items": {"type": "string", "format": "binary"}},
                                    "trip": {"type": "string", "maxLength": 200},
                                    "photographer": {"type": "string", "maxLength": 200},
                                    "tags": {"type": "string", "maxLength": 2000,
                                             "description": "FACET:VALUE, comma or line separated"},
                                    "csrf_token": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "One outcome per file",
                        "content": _json({"type": "object", "required": ["results"],
                                          "properties": {"results": {"type": "array",
                                                                     "items": _ref("Outcome")}}}),
                    },
                    "400": _error("The form is incomplete or invalid (with per-field messages)"),
                    "413": _error("The request is larger than the archive accepts"),
                },
            }, write=True),
        },
        "/api/export.json": {
            "get": {
                "operationId": "exportJson",
                "summary": "Metadata of the visible photos (or of ?ids) as JSON",
                "parameters": [IDS_PARAMETER, EXPORT_QUERY_PARAMETER],
                "responses": {
                    "200": {"description": "The photos' metadata", "content": _json({
                        "type": "object", "required": ["photos", "count"],
                        "properties": {"photos": {"type": "array", "items": _ref("ExportRecord")},
                                       "count": {"type": "integer", "minimum": 0}}})},
                    "400": _error("ids is not a list of photo ids, q is not a query, or both were given"),
                    "404": _error("One of the ids names no visible photo"),
                },
            }
        },
        "/api/export.csv": {
            "get": {
                "operationId": "exportCsv",
                "summary": "Metadata of the visible photos (or of ?ids) as CSV, one row a photo",
                "parameters": [IDS_PARAMETER, EXPORT_QUERY_PARAMETER],
                "responses": {
                    "200": {"description": "CSV with a header row",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": _error("ids is not a list of photo ids, q is not a query, or both were given"),
                    "404": _error("One of the ids names no visible photo"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": _json({"type": "object"})}},
            }
        },
        **transcription.OPENAPI_PATHS,
    },
    "components": {
        "schemas": {
            "PhotoSummary": PHOTO_SUMMARY,
            "Photo": PHOTO,
            "Outcome": OUTCOME,
            "ExportRecord": EXPORT_RECORD,
            "Search": SEARCH,
            "SearchResult": SEARCH_RESULT,
            "FacetEntry": FACET_ENTRY,
            "Tag": TAG,
            "Suggestion": SUGGESTION,
            "Decision": DECISION,
            "Group": GROUP,
            "Versions": VERSIONS,
            **transcription.OPENAPI_SCHEMAS,
            "Error": {"type": "object", "required": ["error"], "properties": {"error": _STRING}},
        },
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "The session cookie set by logging in at /login"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                     "description": "The session's token from GET /api/session; every POST and DELETE "
                                    "on a session sends it"},
        },
    },
}


def spec():
    """A fresh copy, so no caller can change the one the server serves."""
    return copy.deepcopy(SPEC)
