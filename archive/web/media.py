"""Originals and derivatives, served by content address.

Derivative sizes and IIIF images that are not stored yet are made through one
path, serve_made(): the cache first; then the photo's source (its original,
or a large photo's tile pyramid); a slot if the work is heavy; then the file
is kept (if the cache keeps such images) and sent, by nginx when
ARCHIVE_MEDIA_ACCEL_PREFIX is set. An image that cannot be made now is a
503 with Retry-After, never a wait.

Where the files are kept is the storage's business (archive.storage): a
file on the local disk is sent as a file; one in an object store is
streamed, or, for a public image when ARCHIVE_S3_PRESIGN_SECONDS is set,
answered with a redirect to a presigned URL of the store that expires
soon. A private image is always checked here first and never redirected.
"""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, make_response, redirect, request, send_file

from archive.iiif import rendering
from archive.imaging import decoding as imaging
from archive.storage import cache, open_storage
from archive.web import can_see_exact, can_see_private, fit_size, get_db, get_visible_photo
from archive.web.errors import try_again_later

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
    storage = open_storage(config["DATA_DIR"])
    etag, public = f"{photo['sha256']}-{name}", bool(photo["is_public"])
    if public and config.get("S3_PRESIGN_SECONDS"):
        url = storage.derivative_url(photo["sha256"], name, config["S3_PRESIGN_SECONDS"])
        if url is not None:
            return _to_store(url, config["S3_PRESIGN_SECONDS"], headers)
    stored = storage.get_derivative(photo["sha256"], name)
    if stored is not None:
        cache.used(storage, stored)
        return send_stored(stored, mimetype=mimetype, etag=etag, public=public, headers=headers)
    try:
        source = rendering.source_for(storage, photo, config)
        try:
            with rendering.slot_for(rendering.work(source, box, size), config["DATA_DIR"], config["RENDER_SLOTS"]):
                data = make(source)
        finally:
            source.close()
    except rendering.Busy as exc:
        return try_again_later(exc.retry_after, str(exc))
    on_request = cache.made_on_request(name)
    if keep and (not on_request or config["CACHE_MAX_BYTES"] > 0):
        stored = storage.put_derivative(photo["sha256"], name, data)
        if on_request:
            cache.written(storage, len(data), config["CACHE_MAX_BYTES"])
        if stored.path is not None:
            return send_media(stored.path, mimetype=mimetype, etag=etag, public=public, headers=headers)
    response = Response(data, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if public else PRIVATE_IMMUTABLE
    response.headers.extend(headers)
    return response.make_conditional(request)


def _to_store(url, seconds, headers):
    """A redirect to the store's presigned URL, kept by caches for less
    than the URL lives."""
    response = redirect(url, 302)
    response.headers["Cache-Control"] = f"public, max-age={max(0, int(seconds) // 2)}"
    response.headers.extend(headers)
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
    storage = open_storage(current_app.config["DATA_DIR"])
    try:
        original = storage.fetch_original(row["sha256"], row["ext"])
    except FileNotFoundError:
        abort(404, description="The original file of this photo is missing from the archive; "
                               "an administrator can run verify.")
    source = original.path
    if original.temporary:
        # A copy from an object store: open, then unlinked at once, so it is
        # gone when the response closes its file, however the request ends.
        source = open(original.path, "rb")
        original.close()
    return send_media(
        source,
        mimetype=row["mime_type"],
        etag=row["sha256"],
        download_name=f"photo-{photo_id}.{row['ext']}",
        public=False,  # it keeps its metadata: never for a shared cache
    )


def send_stored(stored, mimetype, etag, public, headers=()):
    """A derivative found in the store: a local file as send_media sends
    it, or the object streamed from the store."""
    if stored.path is not None:
        return send_media(stored.path, mimetype=mimetype, etag=etag, public=public, headers=headers)
    response = Response(stored.chunks(), mimetype=mimetype)
    response.content_length = stored.size
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if public else PRIVATE_IMMUTABLE
    response.headers.extend(headers)
    return response.make_conditional(request)


def send_media(path, mimetype, etag, download_name=None, public=False, headers=()):
    """A file under the data directory, by this process or by the proxy (or
    an open file, by this process).

    With MEDIA_ACCEL_PREFIX set (nginx's X-Accel-Redirect, see docs/nginx.conf)
    the view only decides access and headers and nginx sends the bytes."""
    prefix = current_app.config.get("MEDIA_ACCEL_PREFIX")
    if prefix and isinstance(path, Path):
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
