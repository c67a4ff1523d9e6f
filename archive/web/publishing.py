"""Publishing, unpublishing and (for admins) deleting a photo: forms on the
photo page and the same as JSON."""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for

from archive.catalogue import deletion, settings
from archive.web import admin_required, archivist_required, get_db, get_visible_photo

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


@bp.post("/photos/<int:photo_id>/delete")
@admin_required
def delete_form(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        abort(400, description="tick the box to confirm the deletion")
    deletion.delete_photos(get_db(), current_app.config["DATA_DIR"], [photo_id])
    flash(f"Deleted photo {photo_id} and its files.")
    return redirect(url_for("gallery.index"), 303)


@bp.delete("/api/photos/<int:photo_id>")
@admin_required
def delete_api(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    deletion.delete_photos(get_db(), current_app.config["DATA_DIR"], [photo_id])
    return jsonify({"deleted": [photo_id]})
