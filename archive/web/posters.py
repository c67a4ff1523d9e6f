"""Posters on the web: the /posters browse page with its facets, one
poster's page (its photo shown large, the timeline of its photos by trip,
the painted text, the edit form and history for archivists), making a
poster from a photo, a group or a review cluster, linking photos with
their regions, confirming machine drafts into a photo's transcription; and
the same as JSON under /api/posters."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from archive.catalogue import editing, history, poster_browse, poster_growth, posters
from archive.contract import editing as edit_shapes
from archive.contract import posters as shapes
from archive.contract import review as review_shapes
from archive.dedup import clusters
from archive.transcription import drafts
from archive.web import (
    archivist_required,
    can_see_private,
    current_username,
    get_db,
    get_visible_photo,
    local_path,
    words,
)
from archive.web.contract import Refused, body, links, operation, query
from archive.web.gallery import page_arg

bp = Blueprint("posters", __name__)

NO_POSTER = "No such poster, or one none of whose photos this request may see"


def _poster_or_404(poster_id):
    shown = poster_browse.get(get_db(), poster_id, include_private=can_see_private())
    if shown is None:
        abort(404, description=f"no poster {poster_id}")
    return shown


def _back(default):
    return local_path(request.form.get("next")) or default


# -- pages -----------------------------------------------------------------------------


@bp.get("/posters")
def browse():
    chosen = {facet: request.args.get(facet, "") for facet in poster_browse.FACETS}
    found = poster_browse.listing(get_db(), chosen, page=page_arg(), per_page=24,
                                  include_private=can_see_private(), text=request.args.get("q", "")[:200])
    return render_template("posters/browse.html", found=found, labels=words.poster_facets(),
                           text=request.args.get("q", "")[:200])


@bp.get("/posters/<int:poster_id>")
def page(poster_id):
    return render_template("posters/page.html", **_page_context(_poster_or_404(poster_id)))


def _page_context(poster, edit_values=None, edit_errors=None):
    archivist = can_see_private()
    db = get_db()
    reading = None
    if archivist and poster["photos"]:
        chosen = request.args.get("read", "")
        by_id = {p["id"]: p for p in poster["photos"]}
        photo = by_id.get(int(chosen)) if chosen.isascii() and chosen.isdigit() and len(chosen) < 19 else None
        photo = photo or poster["best"]
        reading = {"photo": photo, "drafts": drafts.for_photo(db, photo["id"])}
    return {
        "poster": poster,
        "may_edit": archivist,
        "kinds": {kind: words.poster_kinds().get(kind, label) for kind, label in posters.KINDS.items()},
        "statuses": {status: words.poster_statuses().get(status, label) for status, label in posters.STATUSES.items()},
        "fields": posters.TEXT_FIELDS,
        "history": words.history_values(posters.poster_history(db, poster["id"]), words.poster_fields(),
                                        words.poster_history_value) if archivist else [],
        "reading": reading,
        "edit_values": edit_values or {},
        "edit_errors": edit_errors or {},
        "sets": [dict(r) for r in db.query("SELECT slug, label, label_ko FROM tags WHERE facet = 'set'"
                                           " ORDER BY slug")],
        "films": [dict(r) for r in db.query("SELECT slug, label, label_ko FROM tags WHERE facet = 'film'"
                                            " ORDER BY label")],
    }


FORM_FIELDS = ("title", "title_ko", "slug", "kind", "status", "set", "place", "film", "product", "depicts",
               "painted_text", "translation", "notes")


@bp.post("/posters/<int:poster_id>/edit")
@archivist_required
def edit_form(poster_id):
    poster = _poster_or_404(poster_id)
    values = {name: request.form[name] for name in FORM_FIELDS if name in request.form}
    if request.form.get("best_photo", "").isdigit():
        values["best_photo"] = int(request.form["best_photo"])
    try:
        change_id = posters.edit(get_db(), poster_id, values, current_username())
    except posters.PosterError as exc:
        context = _page_context(poster, values, exc.fields or {"": [str(exc)]})
        return render_template("posters/page.html", **context, edit_open=True), 400
    flash(_saved(change_id))
    return redirect(url_for("posters.page", poster_id=poster_id), 303)


def _saved(change_id):
    if change_id is None:
        return gettext("Nothing changed.")
    change = history.get_change(get_db(), change_id)
    fields = words.poster_fields()
    return gettext("Saved: %(fields)s.", fields=", ".join(dict.fromkeys(words.field_label(fields, e["field"])
                                                                      for e in change["entries"])))


@bp.post("/posters/<int:poster_id>/history/<int:change_id>/revert")
@archivist_required
def revert_form(poster_id, change_id):
    _poster_or_404(poster_id)
    try:
        posters.revert(get_db(), change_id, current_username(), poster_id=poster_id)
    except history.HistoryError as exc:
        flash(str(exc), "error")
    except posters.PosterError as exc:
        flash(gettext("That change cannot be put back: %(reason)s", reason=exc), "error")
    else:
        flash(gettext("Change %(id)s reverted.", id=change_id))
    return redirect(url_for("posters.page", poster_id=poster_id) + "#history", 303)


def _region_from_form():
    values = [request.form.get(key, "").strip() for key in "xywh"]
    if not any(values):
        return None
    if not all(v.isascii() and v.isdigit() and len(v) < 10 for v in values):
        raise posters.PosterError("the region is four whole numbers of pixels: x, y, width and height")
    return dict(zip("xywh", map(int, values)))


@bp.post("/posters/new")
@archivist_required
def make_form():
    """A poster from one photo, from a photo's confirmed group, or from the
    photos ticked on a review screen."""
    db = get_db()
    back = _back(url_for("posters.browse"))
    title = request.form.get("title", "").strip()
    values = {"title": title} if title else {}
    ids = sorted({int(v) for v in request.form.getlist("photo_ids") if v.isascii() and v.isdigit() and len(v) < 19})
    try:
        if request.form.get("group", "").isdigit() and len(request.form["group"]) < 19:
            poster_id = poster_growth.from_group(db, int(request.form["group"]), current_username(), values)
        elif ids:
            region = _region_from_form() if len(ids) == 1 else None
            poster_id = poster_growth.from_photos(db, ids, current_username(), values)
            if region:
                posters.link(db, poster_id, ids[0], region, current_username())
        else:
            raise posters.PosterError("choose the photos to make the poster from")
    except posters.PosterError as exc:
        flash(str(exc), "error")
        return redirect(back, 303)
    flash(gettext("Poster made. Give it its title, set and painted text below."))
    return redirect(url_for("posters.page", poster_id=poster_id), 303)


@bp.post("/review/clusters/<int:key>/poster")
@archivist_required
def cluster_form(key):
    """From the review screen of a cluster (its decision form, sent here by
    the "make a poster" button): a poster of the photos marked the same
    photograph or another shot, as the marks stand on the screen."""
    form = request.form
    marks = {int(name[5:]): form[name] for name in form
             if name.startswith("mark-") and name[5:].isascii() and name[5:].isdigit() and len(name) < 24}
    primary = form.get("primary_id", "")
    primary = int(primary) if primary.isascii() and primary.isdigit() and len(primary) < 19 else None
    seen = [int(p) for p in form.get("photo_ids", "").split(",") if p.strip().isascii() and p.strip().isdigit()
            and len(p.strip()) < 19]
    try:
        poster_id = poster_growth.from_cluster(get_db(), key, current_username(), marks, primary,
                                               expected=seen or None, include_private=can_see_private())
    except (posters.PosterError, clusters.ClusterChanged) as exc:
        flash(gettext("No poster was made: %(reason)s.", reason=exc), "error")
        return redirect(url_for("review.photo_review", key=key), 303)
    flash(gettext("Poster made from the photos marked as the same photograph or another shot. "
                  "Give it its title, set and painted text below."))
    return redirect(url_for("posters.page", poster_id=poster_id), 303)


@bp.post("/posters/<int:poster_id>/delete")
@archivist_required
def delete_form(poster_id):
    """Delete the poster record (its photos stay), once the box is ticked."""
    poster = _poster_or_404(poster_id)
    if request.form.get("confirm") != "yes":
        flash(gettext("Nothing was deleted: tick the box to confirm."), "error")
        return redirect(url_for("posters.page", poster_id=poster_id) + "#delete", 303)
    change_id = posters.delete(get_db(), poster_id, current_username())
    name = poster["title"] or poster["title_ko"] or poster["slug"]
    flash(gettext("Poster “%(name)s” deleted; its photos are untouched. Its fields and links stay in change %(id)s "
                  "of its history, and reverting that change restores it.", name=name, id=change_id))
    return redirect(url_for("posters.browse"), 303)


@bp.post("/posters/<int:poster_id>/link")
@archivist_required
def link_form(poster_id):
    _poster_or_404(poster_id)
    back = _back(url_for("posters.page", poster_id=poster_id))
    photo = request.form.get("photo_id", "")
    try:
        if not (photo.isascii() and photo.isdigit() and len(photo) < 19):
            raise posters.PosterError("give the id of the photo to link")
        change_id = posters.link(get_db(), poster_id, int(photo), _region_from_form(), current_username())
    except posters.PosterError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Photo %(id)s linked.", id=photo) if change_id else gettext("Nothing changed."))
    return redirect(back, 303)


@bp.post("/posters/<int:poster_id>/unlink")
@archivist_required
def unlink_form(poster_id):
    _poster_or_404(poster_id)
    back = _back(url_for("posters.page", poster_id=poster_id))
    photo = request.form.get("photo_id", "")
    if photo.isascii() and photo.isdigit() and len(photo) < 19:
        change_id = posters.unlink(get_db(), poster_id, int(photo), current_username())
        flash(gettext("Photo %(id)s taken off the poster.", id=photo) if change_id
              else gettext("Photo %(id)s was not linked.", id=photo))
    else:
        flash(gettext("Give the id of the photo to take off."), "error")
    return redirect(back, 303)


@bp.post("/posters/<int:poster_id>/suggestions/<int:photo_id>")
@archivist_required
def suggestion_form(poster_id, photo_id):
    _poster_or_404(poster_id)
    db = get_db()
    try:
        if request.form.get("decision") == "link":
            poster_growth.confirm_suggestion(db, poster_id, photo_id, current_username())
            flash(gettext("Photo %(id)s linked.", id=photo_id))
        elif request.form.get("decision") == "dismiss":
            poster_growth.dismiss_suggestion(db, poster_id, photo_id)
            flash(gettext("Photo %(id)s is not of this poster: suggestion dismissed.", id=photo_id))
        else:
            raise posters.PosterError("choose to link the photo or dismiss the suggestion")
    except posters.PosterError as exc:
        flash(str(exc), "error")
    return redirect(_back(url_for("posters.page", poster_id=poster_id)), 303)


@bp.post("/photos/<int:photo_id>/transcription/confirm")
@archivist_required
def confirm_draft(photo_id):
    """The draft lines, confirmed or corrected, become the photo's own
    transcription: one change in the photo's history."""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    back = _back(url_for("gallery.photo", photo_id=photo_id))
    lines = request.form.getlist("line") if "line" in request.form else request.form.get("text", "").split("\n")
    keep = set(request.form.getlist("keep")) if "line" in request.form else None
    chosen = [text.strip() for n, text in enumerate(lines) if text.strip() and (keep is None or str(n) in keep)]
    try:
        change_id = editing.edit_photo(get_db(), photo_id, {"transcription": "\n".join(chosen)}, current_username())
    except editing.EditError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Transcription saved from the draft.") if change_id
              else gettext("The transcription already reads so."))
    return redirect(back, 303)


# -- JSON ----------------------------------------------------------------------------------


@bp.get("/api/posters")
@operation("listPosters", (shapes.PosterPage, "A page of posters, first seen first, with facet counts"),
           query=shapes.PosterQuery, errors={400: "A page number, a page size or a word that is not allowed"})
def list_api():
    """Posters, narrowed by set, kind, film, decade first seen, status and words"""
    asked = query(shapes.PosterQuery)
    found = poster_browse.listing(get_db(), asked.chosen(), page=asked.page, per_page=asked.per_page,
                                  include_private=can_see_private(), text=asked.q)
    return shapes.poster_page(found, links())


def _poster_json(poster_id):
    return shapes.poster(_poster_or_404(poster_id), links())


@bp.get("/api/posters/<int:poster_id>")
@operation("getPoster", (shapes.Poster, "The poster with its photos, first and last seen"),
           errors={404: NO_POSTER})
def detail_api(poster_id):
    """One poster: what is painted, where it stands, every photo of it by date taken"""
    return _poster_json(poster_id)


@bp.post("/api/posters")
@operation("createPoster", (shapes.Poster, "The new poster"), status=201, json=shapes.NewPosterBody,
           errors={400: "A field's value is not allowed, a photo does not exist, or a region is outside its photo"},
           who="archivist", write=True)
def create_api():
    """Make a poster record, with its photos

    One change in the poster's history (GET /api/posters/{id}/history)."""
    asked = body(shapes.NewPosterBody)
    try:
        poster_id = posters.create(get_db(), asked.values(), current_username(),
                                   photos=shapes.link_values(asked.photos))
    except posters.PosterError as exc:
        raise Refused(str(exc), exc.fields or None) from None
    return _poster_json(poster_id), 201


@bp.patch("/api/posters/<int:poster_id>")
@operation("editPoster", (shapes.Poster, "The poster as GET returns it, changed"), json=shapes.PosterEditBody,
           errors={400: "A field cannot be edited or its value is not allowed", 404: NO_POSTER},
           who="archivist", write=True)
def edit_api(poster_id):
    """Edit a poster's fields

    Only the fields sent change; each save is one change in the poster's history, which can be reverted."""
    _poster_or_404(poster_id)
    asked = body(shapes.PosterEditBody)
    try:
        posters.edit(get_db(), poster_id, asked.values(), current_username())
    except posters.PosterError as exc:
        raise Refused(str(exc), exc.fields or None) from None
    return _poster_json(poster_id)


@bp.post("/api/posters/<int:poster_id>/photos")
@operation("linkPosterPhoto", (shapes.Poster, "The poster with the photo linked"), json=shapes.PosterLinkBody,
           errors={400: "No such photo, or the region is outside it", 404: NO_POSTER}, who="archivist", write=True)
def link_api(poster_id):
    """Link a photo to a poster, with the poster's region on it or not

    Linking a linked photo again moves its region. One change in the poster's history."""
    _poster_or_404(poster_id)
    asked = body(shapes.PosterLinkBody)
    [(photo_id, region)] = shapes.link_values([asked])
    try:
        posters.link(get_db(), poster_id, photo_id, region, current_username())
    except posters.PosterError as exc:
        raise Refused(str(exc)) from None
    return _poster_json(poster_id)


@bp.delete("/api/posters/<int:poster_id>/photos/<int:photo_id>")
@operation("unlinkPosterPhoto", (shapes.Poster, "The poster without the photo"),
           errors={404: "No such poster, or the photo is not linked to it"}, who="archivist", write=True)
def unlink_api(poster_id, photo_id):
    """Take a photo off a poster"""
    _poster_or_404(poster_id)
    if posters.unlink(get_db(), poster_id, photo_id, current_username()) is None:
        abort(404, description=f"photo {photo_id} is not linked to poster {poster_id}")
    return _poster_json(poster_id)


@bp.post("/api/posters/<int:poster_id>/suggestions/<int:photo_id>")
@operation("decidePosterSuggestion", (shapes.Poster, "The poster, the photo linked to it or not"),
           json=shapes.SuggestionDecisionBody,
           errors={400: "The body is not a decision", 404: "No such poster, or the photo is not suggested for it"},
           who="archivist", write=True)
def suggestion_api(poster_id, photo_id):
    """Decide a photo suggested for a poster (GET /api/review lists them): link it, or dismiss the suggestion

    A link is one change in the poster's history."""
    _poster_or_404(poster_id)
    asked = body(shapes.SuggestionDecisionBody)
    db = get_db()
    try:
        if asked.decision == "link":
            poster_growth.confirm_suggestion(db, poster_id, photo_id, current_username())
        else:
            poster_growth.dismiss_suggestion(db, poster_id, photo_id)
    except posters.PosterError as exc:
        abort(404, description=str(exc))
    return _poster_json(poster_id)


@bp.post("/api/review/clusters/<int:key>/poster")
@operation("posterFromCluster", (shapes.Poster, "The new poster"), status=201, json=review_shapes.ClusterPosterBody,
           errors={400: "A photo is not in the cluster, or a mark is not allowed",
                   404: "No open cluster holds this photo",
                   409: "The cluster holds other photos than photo_ids: look at it again"},
           who="archivist", write=True)
def cluster_api(key):
    """Make a poster from an open review cluster: the primary and the photos marked the same photograph or another
    shot, not those marked unrelated (photos left out keep the proposal). The cluster stays open"""
    asked = body(review_shapes.ClusterPosterBody)
    db = get_db()
    if clusters.cluster_of(db, key, include_private=can_see_private()) is None:
        abort(404, description=f"no open cluster holds photo {key}")
    try:
        poster_id = poster_growth.from_cluster(db, key, current_username(), asked.marks(), asked.primary_id,
                                               asked.values(), expected=asked.photo_ids,
                                               include_private=can_see_private())
    except clusters.ClusterChanged as exc:
        abort(409, description=str(exc))
    except (posters.PosterError, ValueError) as exc:
        raise Refused(str(exc), getattr(exc, "fields", None) or None) from None
    return _poster_json(poster_id), 201


@bp.delete("/api/posters/<int:poster_id>")
@operation("deletePoster", (shapes.PosterDeleted, "Deleted; its photos are untouched"), errors={404: NO_POSTER},
           who="archivist", write=True)
def delete_api(poster_id):
    """Delete a poster record; its photos stay

    Every field and link it had stays in its history (GET /api/posters/{id}/history), as one change; reverting that
    change (POST /api/posters/{id}/history/{change_id}/revert) restores the poster under the same id."""
    _poster_or_404(poster_id)
    db = get_db()
    change_id = posters.delete(db, poster_id, current_username())
    return shapes.PosterDeleted(deleted=poster_id,
                                change=edit_shapes.change(history.get_change(db, change_id, record_id=poster_id)))


@bp.get("/api/posters/<int:poster_id>/history")
@operation("posterHistory", (shapes.PosterHistory, "The changes, newest first"), errors={404: NO_POSTER},
           who="archivist")
def history_api(poster_id):
    """Every change to a poster: who, when, each field and link before and after

    A deleted poster keeps its history here, its deletion last."""
    if posters.deleted_change(get_db(), poster_id) is None:
        _poster_or_404(poster_id)
    return shapes.history(posters.poster_history(get_db(), poster_id, limit=200))


@bp.post("/api/posters/<int:poster_id>/history/<int:change_id>/revert")
@operation("revertPosterChange", (shapes.PosterChange, "The change that put the values back, and the poster"),
           errors={404: "No such poster, or no such change to it",
                   409: "The change was already reverted, or a field was changed again since (revert that first)"},
           who="archivist", write=True)
def revert_api(poster_id, change_id):
    """Revert one change to a poster: each field and link it changed goes back to before

    Reverting its deletion restores a deleted poster, under the same id."""
    db = get_db()
    if posters.deleted_change(db, poster_id) is None:
        _poster_or_404(poster_id)
    try:
        new_change = posters.revert(db, change_id, current_username(), poster_id=poster_id)
    except history.HistoryError as exc:
        abort(404 if str(exc).startswith("no change") else 409, description=str(exc))
    except posters.PosterError as exc:
        abort(409, description=str(exc))
    return shapes.PosterChange(change=edit_shapes.change(history.get_change(db, new_change, record_id=poster_id)),
                               poster=_poster_json(poster_id))
