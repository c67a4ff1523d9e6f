"""Publishing and unpublishing a photo: a form on the photo page and the same as JSON."""

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from archive import settings
from archive.web import archivist_required, get_db, get_visible_photo

bp = Blueprint("publishing", __name__)


@bp.post("/photos/<int:photo_id>/visibility")
@archivist_required
def visibility_form(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404)
    choice = request.form.get("public")
    if choice not in ("0", "1"):
        abort(400, description="choose public or private")
    settings.set_visibility(get_db(), [photo_id], choice == "1")
    flash("The photo is now " + ("public: visitors can see it." if choice == "1"
                                 else "private: only archivists can see it."))
    return redirect(url_for("gallery.photo", photo_id=photo_id), 303)


@bp.post("/api/photos/<int:photo_id>/visibility")
@archivist_required
def visibility_api(photo_id):
    """Body {"public": true|false}; answers {"id", "is_public"}."""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("public"), bool):
        abort(400, description='send JSON {"public": true} or {"public": false}')
    settings.set_visibility(get_db(), [photo_id], body["public"])
    return jsonify({"id": photo_id, "is_public": body["public"]})
