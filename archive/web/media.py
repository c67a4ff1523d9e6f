"""Originals and derivatives, served by content address."""

from flask import Blueprint, abort, current_app, make_response, send_file

from archive.imaging import decoding as imaging
from archive.storage import Storage, write_atomically
from archive.web import can_see_exact, can_see_private, get_db, get_visible_photo

bp = Blueprint("media", __name__)

# Derivatives are named by the original's SHA-256 and the request that made
# them: the same URL always means the same bytes.
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE_IMMUTABLE = "private, max-age=31536000, immutable"
@bp.get("/media/<sha256>/<name>")
def derivative(sha256, name):
    photo = _photo_by_sha(sha256)
    if photo is None or (not photo["is_public"] and not can_see_private()):
        abort(404)
    # Only the sizes served by name, in the photo's orientation now: a name
    # of another orientation (the photo was turned since) is gone.
    edge = imaging.edge_of(name)
    if edge not in (*imaging.SERVED_EDGES, photo["display_edge"]) or \
            name != imaging.derivative_name(edge, photo["orientation_override"]):
        abort(404)
    storage = Storage(current_app.config["DATA_DIR"])
    path = storage.derivative_path(sha256, name)
    if not path.exists():
        # Sizes beyond the two made at ingest are made on first request, and
        # any derivative may be deleted at any time: the original rebuilds it.
        data = imaging.render_fit(
            storage.original_path(sha256, photo["ext"]), edge, current_app.config["MAX_IMAGE_PIXELS"],
            photo["display_edge"], photo["orientation_override"],
        )
        write_atomically(path, lambda out: out.write(data), durable=False)
    # A shared cache must never keep a private photo for the next visitor.
    return send_media(path, mimetype="image/jpeg", etag=f"{sha256}-{name}", public=bool(photo["is_public"]))


@bp.get("/photos/<int:photo_id>/original")
def original(photo_id):
    row = get_visible_photo(photo_id)
    if row is None:
        abort(404)
    if not can_see_exact(row):
        # The original keeps its GPS and every other tag: archivists only,
        # unless an admin opened this photo's trip.
        abort(404, description="The original file of this photo is for archivists.")
    path = Storage(current_app.config["DATA_DIR"]).original_path(row["sha256"], row["ext"])
    return send_media(
        path,
        mimetype=row["mime_type"],
        etag=row["sha256"],
        download_name=f"photo-{photo_id}.{row['ext']}",
        public=False,  # it keeps its metadata: never for a shared cache
    )


def send_media(path, mimetype, etag, download_name=None, public=False):
    """A file under the data directory, by this process or by the proxy.

    With MEDIA_ACCEL_PREFIX set (nginx's X-Accel-Redirect, see docs/nginx.conf)
    the view only decides access and headers and nginx sends the bytes."""
    prefix = current_app.config.get("MEDIA_ACCEL_PREFIX")
    if prefix:
        response = make_response("")
        relative = path.relative_to(current_app.config["DATA_DIR"]).as_posix()
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + relative
        response.headers["Content-Type"] = mimetype
        response.set_etag(etag)
        if download_name:
            response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    else:
        response = send_file(
            path,
            mimetype=mimetype,
            as_attachment=download_name is not None,
            download_name=download_name,
            etag=etag,
            conditional=True,
        )
    response.headers["Cache-Control"] = IMMUTABLE if public else PRIVATE_IMMUTABLE
    return response


def _photo_by_sha(sha256):
    if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        return None
    return next(iter(get_db().query("SELECT * FROM photos WHERE sha256 = ?", [sha256])), None)
