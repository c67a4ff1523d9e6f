"""The OpenAPI 3 description of the JSON API under /api/, written by hand.

Objects allow keys beyond those listed (other parts of the archive add
fields); every listed key is promised. Keep this in step with web/api.py,
web/upload.py and web/standards_api.py: tests check the running server
against it.
"""

import copy

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
                         "iiif_image", "iiif_manifest", "rights", "provenance", "warnings"],
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
                "original_url": _URL,
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
        "matches": {"type": "array", "items": {"type": "object"}},
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

PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "required": False,
     "description": "Page number, from 1 (anything else is page 1).",
     "schema": {"type": "integer", "minimum": 1, "maximum": 999999}},
    {"name": "per_page", "in": "query", "required": False,
     "description": "Photos a page, at most 200.",
     "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]

SPEC = {
    "openapi": OPENAPI_VERSION,
    "info": {
        "title": "Backlot poster archive",
        "version": "1",
        "description": "Photographs of the hand-painted posters, adverts and signs on the street sets "
                       "of the Korean Art Film Studio. Errors are JSON objects with an `error` message. "
                       "Images are also served through the IIIF Image API 3.0 (`/iiif/3/{id}/info.json`) "
                       "and described by IIIF Presentation 3.0 manifests (`/iiif/photos/{id}/manifest.json`, "
                       "`/iiif/sets/collection.json`).",
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
                "parameters": [{"name": "photo_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {
                    "200": {"description": "The photo", "content": _json(_ref("Photo"))},
                    "404": _error("No such photo, or one this request may not see"),
                },
            }
        },
        "/api/uploads": {
            "post": {
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
            }
        },
        "/api/export.json": {
            "get": {
                "operationId": "exportJson",
                "summary": "Metadata of the visible photos (or of ?ids) as JSON",
                "parameters": [IDS_PARAMETER],
                "responses": {
                    "200": {"description": "The photos' metadata", "content": _json({
                        "type": "object", "required": ["photos", "count"],
                        "properties": {"photos": {"type": "array", "items": _ref("ExportRecord")},
                                       "count": {"type": "integer", "minimum": 0}}})},
                    "400": _error("ids is not a list of photo ids"),
                    "404": _error("One of the ids names no visible photo"),
                },
            }
        },
        "/api/export.csv": {
            "get": {
                "operationId": "exportCsv",
                "summary": "Metadata of the visible photos (or of ?ids) as CSV, one row a photo",
                "parameters": [IDS_PARAMETER],
                "responses": {
                    "200": {"description": "CSV with a header row",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": _error("ids is not a list of photo ids"),
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
    },
    "components": {
        "schemas": {
            "PhotoSummary": PHOTO_SUMMARY,
            "Photo": PHOTO,
            "Outcome": OUTCOME,
            "ExportRecord": EXPORT_RECORD,
            "Error": {"type": "object", "required": ["error"], "properties": {"error": _STRING}},
        }
    },
}


def spec():
    """A fresh copy, so no caller can change the one the server serves."""
    return copy.deepcopy(SPEC)
