"""Publishing, unpublishing and (for admins) deleting a photo: forms on the
photo page and the same as JSON."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext

from archive.catalogue import deletion, settings
from archive.contract import publishing as shapes
from archive.web import admin_required, archivist_required, current_username, get_db, get_visible_photo
from archive.web.contract import body, operation

bp = Blueprint("publishing", __name__)


@bp.post("/photos/<int:photo_id>/visibility")
@archivist_required
def visibility_form(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404)
    choice = request.form.get("public")
    if choice not in ("0", "1"):
        abort(400, description=gettext("Choose public or private."))
    settings.set_visibility(get_db(), [photo_id], choice == "1", username=current_username())
    flash(gettext("The photo is now public: visitors can see it.") if choice == "1"
          else gettext("The photo is now private: only archivists can see it."))
    return redirect(url_for("gallery.photo", photo_id=photo_id), 303)


@bp.post("/api/photos/<int:photo_id>/visibility")
@operation("setVisibility", (shapes.Visibility, "The photo's visibility now"), json=shapes.VisibilityBody,
           errors={400: 'The body is not {"public": true|false}', 404: "No such photo"}, who="archivist", write=True)
def visibility_api(photo_id):
    """Publish a photo, or make it private (only archivists see it)"""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    public = body(shapes.VisibilityBody).public
    settings.set_visibility(get_db(), [photo_id], public, username=current_username())
    return shapes.Visibility(id=photo_id, is_public=public)


@bp.post("/photos/<int:photo_id>/delete")
@admin_required
def delete_form(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        abort(400, description=gettext("Tick the box to confirm the deletion."))
    deletion.delete_photos(get_db(), current_app.config["DATA_DIR"], [photo_id])
    flash(gettext("Deleted photo %(id)s and its files.", id=photo_id))
    return redirect(url_for("gallery.index"), 303)


@bp.delete("/api/photos/<int:photo_id>")
@operation("deletePhoto", (shapes.Deleted, "Deleted"), errors={404: "No such photo"}, who="admin", write=True)
def delete_api(photo_id):
    """Delete a photo, its files, tags and match records, for good"""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    deletion.delete_photos(get_db(), current_app.config["DATA_DIR"], [photo_id])
    return shapes.Deleted(deleted=[photo_id])
