"""IIIF: the Image API 3.0 for every visible photo, and Presentation API 3.0
manifests for a photo, for every shot of one poster and for a set, with a
collection of all sets.

Every route answers 404 for a photo (or a set with no photo) that this
request may not see, exactly as for an unknown one.

Absolute links (ids) are made under ARCHIVE_PUBLIC_URL when it is set.
Without it they come from the request's Host header, and the documents that
carry them are kept out of shared caches: a cache must never hand the next
visitor an id that some other request's Host header chose.
"""

import json

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from archive.catalogue import photos, sets, versions
from archive.iiif import image_api as iiif_image
from archive.iiif import presentation as iiif_presentation
from archive.imaging import decoding as imaging
from archive.search import engine as search
from archive.search.query import quote_value
from archive.web import can_see_private, get_db, get_visible_photo, media, thumbnail_url

bp = Blueprint("iiif", __name__, url_prefix="/iiif")

INFO_MAX_AGE = "public, max-age=3600"
IMAGE_JSONLD = f'application/ld+json;profile="{iiif_image.CONTEXT}"'


@bp.record_once
def _check_settings(state):
    # A wrong rights URI would make every manifest invalid: refuse to start.
    iiif_presentation.check_rights(state.app.config["ARCHIVE_RIGHTS"])


@bp.after_request
def _cors(response):
    # IIIF viewers run on other sites and fetch from here.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- Image API -------------------------------------------------------------


def _visible_photo(identifier):
    if not iiif_image.valid_identifier(identifier):
        abort(404)
    photo = get_visible_photo(int(identifier))
    if photo is None:
        abort(404)
    return photo


@bp.get("/3/<identifier>")
def image_base(identifier):
    _visible_photo(identifier)
    return redirect(url_for("iiif.image_info", identifier=identifier), 303)


@bp.get("/3/<identifier>/info.json")
def image_info(identifier):
    photo = _visible_photo(identifier)
    base = _absolute("iiif.image_base", identifier=identifier)
    document = iiif_image.info(base, photo["width"], photo["height"],
                               rights=_rights_of(photo), max_area=current_app.config["IIIF_MAX_AREA"])
    wants_ld = request.accept_mimetypes["application/ld+json"] > request.accept_mimetypes["application/json"]
    response = _json_response(document, IMAGE_JSONLD if wants_ld else "application/json")
    response.headers["Link"] = f'<{iiif_image.PROFILE_URI}>;rel="profile"'
    response.headers["Vary"] = "Accept"
    shared = photo["is_public"] and current_app.config.get("PUBLIC_URL")
    response.headers["Cache-Control"] = INFO_MAX_AGE if shared else "private, max-age=3600"
    return response


@bp.get("/3/<identifier>/<region>/<size>/<rotation>/<quality_format>")
def image(identifier, region, size, rotation, quality_format):
    photo = _visible_photo(identifier)
    config = current_app.config
    try:
        plan = iiif_image.parse_request(photo["width"], photo["height"], region, size, rotation,
                                        quality_format, max_area=config["IIIF_MAX_AREA"])
    except iiif_image.IIIFError as exc:
        return Response(str(exc) + "\n", status=exc.status, mimetype="text/plain")
    # The image is kept for all comers: its canonical link names no host
    # unless the archive's public address is set.
    base = url_for("iiif.image_base", identifier=identifier)
    if config.get("PUBLIC_URL"):
        base = config["PUBLIC_URL"] + base
    link = f'<{iiif_image.PROFILE_URI}>;rel="profile", <{base}/{plan.canonical_path()}>;rel="canonical"'
    # Made in the orientation the photo is shown in now (an archivist may have turned it).
    name = imaging.oriented_name(plan.cache_name, photo["orientation_override"])
    return media.serve_made(photo, name, plan.media_type, plan.region, plan.size,
                            lambda source: iiif_image.render(source, plan), keep=plan.kept,
                            headers=[("Link", link)])


# --- Presentation API ------------------------------------------------------


def links():
    return iiif_presentation.Links(
        image_service=lambda pid: _absolute("iiif.image_base", identifier=str(pid)),
        photo_manifest=lambda pid: _absolute("iiif.photo_manifest", photo_id=pid),
        canvas=lambda pid: _absolute("iiif.photo_canvas", photo_id=pid),
        thumbnail=lambda photo: _under_public_url(thumbnail_url(photo)) or thumbnail_url(photo, _external=True),
        api_photo=lambda pid: _absolute("api.photo_detail", photo_id=pid),
        page=lambda pid: _absolute("gallery.photo", photo_id=pid),
    )


def _absolute(endpoint, **values):
    """An absolute URL: under ARCHIVE_PUBLIC_URL when set, else the request's."""
    return _under_public_url(url_for(endpoint, **values)) or url_for(endpoint, _external=True, **values)


def _under_public_url(path):
    public = current_app.config.get("PUBLIC_URL")
    return public + path if public else None


def _settings():
    config = current_app.config
    return config["ARCHIVE_RIGHTS"], config["ARCHIVE_ATTRIBUTION"]


@bp.get("/photos/<int:photo_id>/manifest.json")
def photo_manifest(photo_id):
    photo = get_visible_photo(photo_id)
    if photo is None:
        abort(404)
    rights, attribution = _settings()
    return _presentation(iiif_presentation.photo_manifest(photo, links(), rights, attribution))


@bp.get("/photos/<int:photo_id>/canvas")
def photo_canvas(photo_id):
    photo = get_visible_photo(photo_id)
    if photo is None:
        abort(404)
    canvas = iiif_presentation.canvas(photo, links(), _settings()[0])
    return _presentation({"@context": iiif_presentation.CONTEXT, **canvas})


@bp.get("/photos/<int:photo_id>/poster.json")
def poster_manifest(photo_id):
    """Every shot of the poster this photo shows: the copies of this photograph
    (its duplicate group, the primary first) and the other shots an archivist
    confirmed."""
    photo = get_visible_photo(photo_id)
    if photo is None:
        abort(404)
    group = versions.versions_of(get_db(), photo_id, include_private=can_see_private())
    ordered = [row["id"] for row in group["versions"]] + [row["id"] for row in group["other_shots"]]
    members = [p for p in (get_visible_photo(i) for i in ordered) if p is not None]
    rights, attribution = _settings()
    label = f"{members[0]['title'] or members[0]['original_filename']}: {len(members)} shot" + \
        ("s" if len(members) != 1 else "")
    manifest = iiif_presentation.group_manifest(
        members, label, _absolute("iiif.poster_manifest", photo_id=photo_id),
        links(), rights, attribution,
        summary="Copies of one photograph and other shots of the same poster, the best copy first.",
    )
    return _presentation(manifest)


@bp.get("/sets/<slug>/manifest.json")
def set_manifest(slug):
    db = get_db()
    tag = sets.find_set(db, slug)
    if tag is None:
        abort(404)
    # As the set's page shows them: each stack of confirmed copies once.
    try:
        ids = search.search_ids(db, f"set:{quote_value(tag['slug'])}", include_private=can_see_private())
    except search.QueryError:  # only private photos carry it: no such set for this request
        abort(404)
    members = sorted(photos.get_photos(db, ids), key=lambda row: (row["taken_at"] or row["uploaded_at"], row["id"]))
    if not members:  # a manifest must paint at least one canvas
        abort(404)
    rights, attribution = _settings()
    manifest = iiif_presentation.group_manifest(
        members, _set_label(tag), _absolute("iiif.set_manifest", slug=slug),
        links(), rights, attribution, summary=tag["description"] or None,
    )
    return _presentation(manifest)


@bp.get("/sets/collection.json")
def sets_collection():
    db = get_db()
    entries = _set_entries(db, sets.top_level(db))
    return _presentation(iiif_presentation.collection(
        _absolute("iiif.sets_collection"), "Backlot street sets", entries,
        summary="Every street set of the Korean Art Film Studio's backlot with photos in the archive.",
    ))


@bp.get("/sets/<slug>/collection.json")
def set_collection(slug):
    """A set that holds smaller sets: its own manifest, then theirs."""
    db = get_db()
    tag = sets.find_set(db, slug)
    if tag is None or not sets.children(db, tag["id"]) or not _has_photos(db, tag):
        abort(404)
    entries = [("Manifest", _absolute("iiif.set_manifest", slug=slug), _set_label(tag))]
    entries += _set_entries(db, sets.children(db, tag["id"]))
    return _presentation(iiif_presentation.collection(
        _absolute("iiif.set_collection", slug=slug), _set_label(tag), entries))


def _set_entries(db, tags):
    entries = []
    for tag in tags:
        if not _has_photos(db, tag):
            continue
        if sets.children(db, tag["id"]):
            entries.append(("Collection", _absolute("iiif.set_collection", slug=tag["slug"]),
                            _set_label(tag)))
        else:
            entries.append(("Manifest", _absolute("iiif.set_manifest", slug=tag["slug"]),
                            _set_label(tag)))
    return entries


def _has_photos(db, tag):
    return sets.count_in_set(db, tag["id"], include_private=can_see_private()) > 0


def _set_label(tag):
    return f"{tag['label']} ({tag['label_ko']})" if tag.get("label_ko") else tag["label"]


def _rights_of(photo):
    if iiif_presentation.is_rights_uri(photo.get("rights")):
        return photo["rights"]
    return current_app.config["ARCHIVE_RIGHTS"]


def _presentation(document):
    response = _json_response(document, iiif_presentation.MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _json_response(document, mimetype):
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype=mimetype)
