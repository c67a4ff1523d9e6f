"""Originals and derivatives, served by content address.

Derivative sizes and IIIF images that are not on disk are made through one
path, serve_made(): the cache first; then the photo's source (its original,
or a large photo's tile pyramid); a slot if the work is heavy; then the file
is kept (if the cache keeps such images) and sent, by nginx when
ARCHIVE_MEDIA_ACCEL_PREFIX is set. An image that cannot be made now is a
503 with Retry-After, never a wait.
"""

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, send_file
from werkzeug.exceptions import ServiceUnavailable

from archive.iiif import rendering
from archive.imaging import decoding as imaging
from archive.storage import Storage, cache, write_atomically
from archive.web import can_see_exact, can_see_private, fit_size, get_db, get_visible_photo

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
    # Sizes beyond the two made at ingest are made on first request, and
    # any derivative may be deleted at any time: the source rebuilds it.
    full = (0, 0, photo["width"], photo["height"])
    return serve_made(photo, name, "image/jpeg", full, fit_size(photo, edge),
                      lambda source: imaging.encode_fit(source, edge, photo["display_edge"]))


def serve_made(photo, name, mimetype, box, size, make, keep=True, headers=()):
    """The derivative called name: from the cache, or made now by
    make(source) for region box at size. keep: store it (when the cache
    keeps such images); otherwise it is made for this request only."""
    config = current_app.config
    storage = Storage(config["DATA_DIR"])
    path = storage.derivative_path(photo["sha256"], name)
    etag, public = f"{photo['sha256']}-{name}", bool(photo["is_public"])
    if path.is_file():
        cache.used(path)
        return send_media(path, mimetype=mimetype, etag=etag, public=public, headers=headers)
    try:
        source = rendering.source_for(storage, photo, config)
        try:
            with rendering.slot_for(rendering.work(source, box, size), config["DATA_DIR"], config["RENDER_SLOTS"]):
                data = make(source)
        finally:
            source.close()
    except rendering.Busy as exc:
        return _busy(exc)
    on_request = cache.made_on_request(name)
    if keep and (not on_request or config["CACHE_MAX_BYTES"] > 0):
        write_atomically(path, lambda out: out.write(data), durable=False)
        if on_request:
            cache.written(storage.derivatives, len(data), config["CACHE_MAX_BYTES"])
        return send_media(path, mimetype=mimetype, etag=etag, public=public, headers=headers)
    response = Response(data, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if public else PRIVATE_IMMUTABLE
    response.headers.extend(headers)
    return response.make_conditional(request)


def _busy(exc):
    """503 with Retry-After: plain text for an image viewer, a page otherwise."""
    if request.blueprint == "iiif":
        response = Response(str(exc) + "\n", status=503, mimetype="text/plain")
    else:
        response = make_response(render_template("error.html", error=ServiceUnavailable(str(exc))), 503)
    response.headers["Retry-After"] = str(exc.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


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


def send_media(path, mimetype, etag, download_name=None, public=False, headers=()):
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
    response.headers.extend(headers)
    return response


def _photo_by_sha(sha256):
    if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        return None
    return next(iter(get_db().query("SELECT * FROM photos WHERE sha256 = ?", [sha256])), None)
