"""Originals and derivatives, served by content address."""

from flask import Blueprint, abort, current_app, make_response, send_file

from archive import imaging
from archive.storage import Storage, write_atomically
from archive.web import can_see_exact, can_see_private, get_db, get_visible_photo

bp = Blueprint("media", __name__)

# Derivatives are named by the original's SHA-256 and the request that made
# them: the same URL always means the same bytes.
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE_IMMUTABLE = "private, max-age=31536000, immutable"
STANDARD_NAMES = {imaging.derivative_name(edge): edge for edge in imaging.STANDARD_EDGES.values()}


@bp.get("/media/<sha256>/<name>")
def derivative(sha256, name):
    edge = STANDARD_NAMES.get(name)
    photo = _photo_by_sha(sha256)
    if edge is None or photo is None or (not photo["is_public"] and not can_see_private()):
        abort(404)
    storage = Storage(current_app.config["DATA_DIR"])
    path = storage.derivative_path(sha256, name)
    if not path.exists():
        # Derivatives may be deleted at any time; the original rebuilds them.
        data = imaging.render_fit(
            storage.original_path(sha256, photo["ext"]), edge, current_app.config["MAX_IMAGE_PIXELS"]
        )
        write_atomically(path, lambda out: out.write(data))
    response = send_file(path, mimetype="image/jpeg", etag=f"{sha256}-{name}", conditional=True)
    # A shared cache must never keep a private photo for the next visitor.
    response.headers["Cache-Control"] = IMMUTABLE if photo["is_public"] else PRIVATE_IMMUTABLE
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
    response = make_response(
        send_file(
            path,
            mimetype=row["mime_type"],
            as_attachment=True,
            download_name=f"photo-{photo_id}.{row['ext']}",
            etag=row["sha256"],
            conditional=True,
        )
    )
    response.headers["Cache-Control"] = PRIVATE_IMMUTABLE
    return response


def _photo_by_sha(sha256):
    if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        return None
    return next(iter(get_db().query("SELECT * FROM photos WHERE sha256 = ?", [sha256])), None)
