"""IIIF: the Image API 3.0 for every visible photo, and Presentation API 3.0
manifests for a photo, for every shot of one poster and for a set, with a
collection of all sets.

Every route answers 404 for a photo (or a set with no photo) that this
request may not see, exactly as for an unknown one.
"""

import json

from flask import Blueprint, Response, abort, current_app, redirect, request, send_file, url_for

from archive.catalogue import photos, sets, versions
from archive.iiif import image_api as iiif_image
from archive.iiif import presentation as iiif_presentation
from archive.imaging import decoding as imaging
from archive.search import engine as search
from archive.search.query import quote_value
from archive.storage import Storage, write_atomically
from archive.web import can_see_private, get_db, get_visible_photo, thumbnail_url

bp = Blueprint("iiif", __name__, url_prefix="/iiif")

IMMUTABLE_PUBLIC = "public, max-age=31536000, immutable"
# A private photo's pixels must not sit in a shared cache.
IMMUTABLE_PRIVATE = "private, max-age=31536000, immutable"
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
    base = url_for("iiif.image_base", identifier=identifier, _external=True)
    document = iiif_image.info(base, photo["width"], photo["height"],
                               rights=_rights_of(photo), max_area=current_app.config["IIIF_MAX_AREA"])
    wants_ld = request.accept_mimetypes["application/ld+json"] > request.accept_mimetypes["application/json"]
    response = _json_response(document, IMAGE_JSONLD if wants_ld else "application/json")
    response.headers["Link"] = f'<{iiif_image.PROFILE_URI}>;rel="profile"'
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = INFO_MAX_AGE if photo["is_public"] else "private, max-age=3600"
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
    storage = Storage(config["DATA_DIR"])
    # Made in the orientation the photo is shown in now (an archivist may have turned it).
    name = imaging.oriented_name(plan.cache_name, photo["orientation_override"])
    path = storage.derivative_path(photo["sha256"], name)
    if not path.exists():
        data = iiif_image.render(storage.original_path(photo["sha256"], photo["ext"]), plan,
                                 config["MAX_IMAGE_PIXELS"], photo["orientation_override"])
        write_atomically(path, lambda out: out.write(data), durable=False)
    response = send_file(path, mimetype=plan.media_type, etag=f"{photo['sha256']}-{name}",
                         conditional=True)
    response.headers["Cache-Control"] = IMMUTABLE_PUBLIC if photo["is_public"] else IMMUTABLE_PRIVATE
    base = url_for("iiif.image_base", identifier=identifier, _external=True)
    response.headers["Link"] = (f'<{iiif_image.PROFILE_URI}>;rel="profile", '
                                f'<{base}/{plan.canonical_path()}>;rel="canonical"')
    return response


# --- Presentation API ------------------------------------------------------


def links():
    return iiif_presentation.Links(
        image_service=lambda pid: url_for("iiif.image_base", identifier=str(pid), _external=True),
        photo_manifest=lambda pid: url_for("iiif.photo_manifest", photo_id=pid, _external=True),
        canvas=lambda pid: url_for("iiif.photo_canvas", photo_id=pid, _external=True),
        thumbnail=lambda photo: thumbnail_url(photo, _external=True),
        api_photo=lambda pid: url_for("api.photo_detail", photo_id=pid, _external=True),
        page=lambda pid: url_for("gallery.photo", photo_id=pid, _external=True),
    )


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
        members, label, url_for("iiif.poster_manifest", photo_id=photo_id, _external=True),
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
        members, _set_label(tag), url_for("iiif.set_manifest", slug=slug, _external=True),
        links(), rights, attribution, summary=tag["description"] or None,
    )
    return _presentation(manifest)


@bp.get("/sets/collection.json")
def sets_collection():
    db = get_db()
    entries = _set_entries(db, sets.top_level(db))
    return _presentation(iiif_presentation.collection(
        url_for("iiif.sets_collection", _external=True), "Backlot street sets", entries,
        summary="Every street set of the Korean Art Film Studio's backlot with photos in the archive.",
    ))


@bp.get("/sets/<slug>/collection.json")
def set_collection(slug):
    """A set that holds smaller sets: its own manifest, then theirs."""
    db = get_db()
    tag = sets.find_set(db, slug)
    if tag is None or not sets.children(db, tag["id"]) or not _has_photos(db, tag):
        abort(404)
    entries = [("Manifest", url_for("iiif.set_manifest", slug=slug, _external=True), _set_label(tag))]
    entries += _set_entries(db, sets.children(db, tag["id"]))
    return _presentation(iiif_presentation.collection(
        url_for("iiif.set_collection", slug=slug, _external=True), _set_label(tag), entries))


def _set_entries(db, tags):
    entries = []
    for tag in tags:
        if not _has_photos(db, tag):
            continue
        if sets.children(db, tag["id"]):
            entries.append(("Collection", url_for("iiif.set_collection", slug=tag["slug"], _external=True),
                            _set_label(tag)))
        else:
            entries.append(("Manifest", url_for("iiif.set_manifest", slug=tag["slug"], _external=True),
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
