"""Editing photos through the web: the form an archivist opens in place on a
photo's page, its history with a revert for each change, turning and
mirroring, bulk changes from search results (a field set or cleared,
published or made private), and the same as JSON."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from archive.catalogue import editing, history, settings
from archive.contract import editing as shapes
from archive.contract import photos as photo_shapes
from archive.search import engine as search
from archive.search.query import QueryError
from archive.web import archivist_required, can_see_exact, can_see_private, current_username, get_db, local_path, words
from archive.web import get_visible_photo as visible_photo
from archive.web.contract import Refused, body, links, operation
from archive.web.gallery import photo_context

bp = Blueprint("editing", __name__)

NO_PHOTO = "No such photo, or one this request may not see"


def _photo_or_404(photo_id):
    record = visible_photo(photo_id)
    if record is None:
        abort(404, description=f"no photo {photo_id}")
    return record


def _saved(change_id):
    """What a save changed, for the message after it."""
    if change_id is None:
        return gettext("Nothing changed.")
    change = history.get_change(get_db(), change_id)
    fields = words.photo_fields()
    labels = list(dict.fromkeys(words.field_label(fields, e["field"]) for e in change["entries"]))
    return gettext("Saved: %(fields)s.", fields=", ".join(labels))


# -- one photo, as a page ----------------------------------------------------------


@bp.post("/photos/<int:photo_id>/edit")
@archivist_required
def edit_form(photo_id):
    record = _photo_or_404(photo_id)
    values = {name: request.form.get(name, "") for name in editing.EDITABLE if name in request.form}
    try:
        change_id = editing.edit_photo(get_db(), photo_id, values, current_username())
    except editing.EditError as exc:
        # The form again, open, with what was typed and what is wrong with it.
        context = photo_context(record)
        return render_template("gallery/photo.html", **context, edit_open=True, edit_values=values,
                               edit_errors=exc.fields or {"": [str(exc)]}), 400
    flash(_saved(change_id))
    return redirect(url_for("gallery.photo", photo_id=photo_id), 303)


@bp.post("/photos/<int:photo_id>/history/<int:change_id>/revert")
@archivist_required
def revert_form(photo_id, change_id):
    _photo_or_404(photo_id)
    try:
        editing.revert(get_db(), change_id, current_username(), photo_id=photo_id)
    except history.HistoryError as exc:
        flash(str(exc), "error")
    except editing.EditError as exc:
        flash(gettext("That change cannot be put back: %(reason)s", reason=exc), "error")
    else:
        flash(gettext("Change %(id)s reverted.", id=change_id))
    return redirect(url_for("gallery.photo", photo_id=photo_id) + "#history", 303)


@bp.post("/photos/<int:photo_id>/turn")
@archivist_required
def turn_form(photo_id):
    _photo_or_404(photo_id)
    try:
        editing.turn_photo(get_db(), photo_id, request.form.get("turn", ""), current_username())
    except editing.EditError as exc:
        flash(str(exc), "error")
    else:
        flash({"cw": gettext("Turned 90° clockwise. The original file is unchanged."),
               "ccw": gettext("Turned 90° anticlockwise. The original file is unchanged."),
               "half": gettext("Turned 180°. The original file is unchanged."),
               "mirror": gettext("Mirrored. The original file is unchanged.")}[request.form["turn"]])
    return redirect(url_for("gallery.photo", photo_id=photo_id), 303)


# -- many photos, from search results ---------------------------------------------------


def _chosen_ids():
    """The ticked photos, or every photo the query finds (scope=query), that
    this archivist may see. Raises ValueError with a message."""
    db = get_db()
    if request.form.get("scope") == "query":
        return [int(i) for i in search.search_ids(db, request.form.get("q", ""), include_private=can_see_private())]
    ids = sorted({int(v) for v in request.form.getlist("photo_ids") if v.isascii() and v.isdigit()
                  and 0 < int(v) < 2**63})
    if not ids:
        raise ValueError(gettext("Tick at least one photo, or choose all the photos the search finds."))
    return ids


@bp.post("/photos/bulk/edit")
@archivist_required
def bulk_edit():
    back = local_path(request.form.get("next")) or url_for("search.results")
    field = request.form.get("field", "")
    action = request.form.get("action")
    try:
        if field not in editing.EDITABLE or field == "taken_precision":
            raise ValueError(gettext("Choose a field to change."))
        if action not in ("set", "clear"):
            raise ValueError(gettext("Choose whether to set or clear the field."))
        value = request.form.get("value", "") if action == "set" else ""
        if action == "set" and not value.strip():
            raise ValueError(gettext("Type the %(field)s to set, or clear it.", field=words.photo_fields()[field]))
        values = {field: value if field != "taken_at" or value else None}
        change_id, changed = editing.edit_photos(get_db(), _chosen_ids(), values, current_username())
    except (ValueError, QueryError) as exc:  # EditError is a ValueError
        flash(str(exc), "error")
        return redirect(back, 303)
    label = words.photo_fields()[field]
    if action == "set":
        done = ngettext("%(field)s set on %(num)s photo.", "%(field)s set on %(num)s photos.", changed, field=label)
    else:
        done = ngettext("%(field)s cleared on %(num)s photo.", "%(field)s cleared on %(num)s photos.", changed,
                        field=label)
    if change_id:
        done += " " + gettext("Change %(id)s; each photo's history can revert it.", id=change_id)
    flash(done[:1].upper() + done[1:])
    return redirect(back, 303)


@bp.post("/photos/bulk/visibility")
@archivist_required
def bulk_visibility():
    back = local_path(request.form.get("next")) or url_for("search.results")
    choice = request.form.get("public")
    try:
        if choice not in ("0", "1"):
            raise ValueError(gettext("Choose whether to publish or make private."))
        ids = settings.set_visibility(get_db(), _chosen_ids(), choice == "1", username=current_username())
    except (ValueError, QueryError) as exc:  # SettingError is a ValueError
        flash(str(exc), "error")
        return redirect(back, 303)
    if choice == "1":
        flash(ngettext("%(num)s photo now public: visitors can see it.",
                       "%(num)s photos now public: visitors can see them.", len(ids)))
    else:
        flash(ngettext("%(num)s photo now private: only archivists can see it.",
                       "%(num)s photos now private: only archivists can see them.", len(ids)))
    return redirect(back, 303)


# -- JSON ----------------------------------------------------------------------------------


def _photo_json(photo_id):
    record = visible_photo(photo_id)
    return photo_shapes.photo(record, links(), exact=can_see_exact(record))


@bp.patch("/api/photos/<int:photo_id>")
@operation("editPhoto", (photo_shapes.Photo, "The photo as GET returns it, changed"), json=shapes.PhotoEditBody,
           errors={400: "A field cannot be edited or its value is not allowed (the message and `fields` say why)",
                   404: NO_PHOTO}, who="archivist", write=True)
def edit_api(photo_id):
    """Edit a photo's description

    Only the fields sent change; each save is one change in the photo's history (GET /api/photos/{id}/history),
    which can be reverted. Search, IIIF manifests, exports and citations follow at once."""
    _photo_or_404(photo_id)
    asked = body(shapes.PhotoEditBody)
    try:
        editing.edit_photo(get_db(), photo_id, asked.values(), current_username())
    except editing.EditError as exc:
        raise Refused(str(exc), exc.fields or None) from None
    return _photo_json(photo_id)


@bp.post("/api/photos/<int:photo_id>/turn")
@operation("turnPhoto", (photo_shapes.Photo, "The photo as GET returns it, turned"), json=shapes.TurnBody,
           errors={400: "Not a turn, or the original cannot be read", 404: NO_PHOTO}, who="archivist", write=True)
def turn_api(photo_id):
    """Turn a photo by 90° or 180°, or mirror it

    The original file is never rewritten: the archive keeps an orientation of its own for the photo and makes
    its images, size and fingerprints again from the original."""
    _photo_or_404(photo_id)
    asked = body(shapes.TurnBody)
    try:
        editing.turn_photo(get_db(), photo_id, asked.turn, current_username())
    except editing.EditError as exc:
        raise Refused(str(exc)) from None
    return _photo_json(photo_id)


@bp.get("/api/photos/<int:photo_id>/history")
@operation("photoHistory", (shapes.History, "The changes, newest first"), errors={404: NO_PHOTO},
           who="archivist")
def history_api(photo_id):
    """Every change to a photo: who, when, each field before and after"""
    _photo_or_404(photo_id)
    return shapes.photo_history(editing.photo_history(get_db(), photo_id, limit=200))


@bp.post("/api/photos/<int:photo_id>/history/<int:change_id>/revert")
@operation("revertChange", (shapes.Reverted, "The change that put the values back, and the photo"),
           errors={404: "No such photo, or no such change to it",
                   409: "The change was already reverted, or a field was changed again since (revert that first)"},
           who="archivist", write=True)
def revert_api(photo_id, change_id):
    """Revert one change to a photo: each field it changed goes back to its value before"""
    _photo_or_404(photo_id)
    db = get_db()
    try:
        new_change = editing.revert(db, change_id, current_username(), photo_id=photo_id)
    except history.HistoryError as exc:
        abort(404 if str(exc).startswith("no change") else 409, description=str(exc))
    except editing.EditError as exc:
        abort(409, description=str(exc))
    return shapes.Reverted(change=shapes.change(history.get_change(db, new_change, record_id=photo_id)),
                           photo=_photo_json(photo_id))
