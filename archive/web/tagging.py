"""Tagging through the web: on a photo's page, in bulk from search results,
the vocabulary pages for archivists, and the JSON endpoints behind them."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from archive.catalogue import tagging, tags, tree, vocabulary
from archive.contract import tags as shapes
from archive.contract.queries import TagCheckQuery, TagQuery
from archive.search import engine as search
from archive.search.query import QueryError
from archive.web import (
    archivist_required,
    can_see_private,
    current_username,
    get_db,
    get_visible_photo,
    local_path,
    words,
)
from archive.web.contract import body, operation, query

bp = Blueprint("tagging", __name__)

AUTOCOMPLETE_LIMIT = 20
MAX_CHECKED = 50


# -- tags on photos -------------------------------------------------------------


@bp.post("/photos/<int:photo_id>/tags")
@archivist_required
def photo_tags(photo_id):
    if get_visible_photo(photo_id) is None:
        abort(404)
    add = tags.split_specs(request.form.get("add", ""))
    remove = tags.split_specs(request.form.get("remove", ""))
    back = url_for("gallery.photo", photo_id=photo_id) + "#tags"
    try:
        counts = tagging.change_tags(get_db(), [photo_id], add=add, remove=remove,
                                     username=current_username())
    except tagging.TaggingError as exc:
        flash(str(exc), "tags-error")
        _offer_creation(add, [photo_id], back)
    else:
        flash(_summary(counts), "tags")
    return redirect(back)


def _offer_creation(specs, photo_ids, back):
    """After a tag box named a set, subject or film the vocabulary lacks: a
    button (in the flashed message) that creates it and applies the tags."""
    for entry in tagging.check_specs(get_db(), specs):
        if entry["status"] == "unknown":
            flash({**entry["create"], "add": ", ".join(specs), "photo_ids": photo_ids, "next": back},
                  "tags-create")


@bp.post("/api/photos/<int:photo_id>/tags")
@operation("changeTags", (shapes.TagChange, "Links changed, and the photo's tags now"), json=shapes.TagChangeBody,
           errors={400: "The body is not lists of FACET:VALUE, or names an unknown tag", 404: "No such photo"},
           who="archivist", write=True)
def api_photo_tags(photo_id):
    """Add and remove tags on a photo

    Controlled facets (set, subject, film) take only tags in the vocabulary (see /api/tags); free facets (trip,
    place, keyword) create them."""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    asked = body(shapes.TagChangeBody)
    try:
        counts = tagging.change_tags(get_db(), [photo_id], add=asked.add, remove=asked.remove,
                                     username=current_username())
    except tagging.TaggingError as exc:
        abort(400, description=str(exc))
    record = get_visible_photo(photo_id)
    return shapes.TagChange(**counts, tags=tags.slugs_by_facet(record["tags"]))


@bp.post("/tags/bulk")
@archivist_required
def bulk():
    """Add or remove tags on the chosen photos, or on every photo a query finds."""
    db = get_db()
    back = local_path(request.form.get("next")) or url_for("search.results")
    specs = tags.split_specs(request.form.get("tags", ""))
    action = request.form.get("action")
    try:
        if action not in ("add", "remove"):
            raise tagging.TaggingError("choose whether to add or remove the tags")
        if request.form.get("scope") == "query":
            ids = [int(i) for i in search.search_ids(db, request.form.get("q", ""),
                                                     include_private=can_see_private())]
        else:
            ids = [int(v) for v in request.form.getlist("photo_ids") if v.isdigit()]
            visible = set(int(i) for i in search.search_ids(db, "", include_private=can_see_private(),
                                                            stacked=False))
            if any(i not in visible for i in ids):
                raise tagging.TaggingError("some of the chosen photos are not in the archive")
        counts = tagging.change_tags(db, ids, add=specs if action == "add" else [],
                                     remove=specs if action == "remove" else [],
                                     username=current_username())
    except (tagging.TaggingError, QueryError) as exc:
        flash(str(exc), "tags-error")
        if action == "add":
            # Ticked photos are few enough to carry in the button; a whole query is tagged again by hand.
            chosen = ids if request.form.get("scope") != "query" and len(ids) <= 200 else []
            _offer_creation(specs, chosen, back)
        return redirect(back)
    flash(ngettext("%(summary)s across %(num)s photo.", "%(summary)s across %(num)s photos.", len(set(ids)),
                   summary=_summary(counts)), "tags")
    return redirect(back)


def _summary(counts):
    return ngettext("%(num)s tag added, %(removed)s removed", "%(num)s tags added, %(removed)s removed",
                    counts["added"], removed=counts["removed"])


# -- the vocabulary -------------------------------------------------------------


@bp.get("/api/tags")
@operation("listTags", (shapes.TagList, "Matching tags"), query=TagQuery, errors={400: "Unknown facet"},
           who="archivist")
def api_tags():
    """Tags whose slug, alias or label starts with q (autocomplete), at most 20

    For archivists: the counts include private photos, and a free keyword can name what only a private photo
    shows."""
    asked = query(TagQuery)
    return shapes.tag_list(vocabulary.list_tags(get_db(), facet=asked.facet, query=asked.q[:100] or None,
                                                limit=AUTOCOMPLETE_LIMIT))


@bp.get("/api/tags/check")
@operation("checkTags", (shapes.TagChecks, "What each tag would do"), query=TagCheckQuery, who="archivist")
def api_check_tags():
    """Check tags before using them: known, new (a free tag made when first used), unknown (a set, subject or
    film not in the vocabulary yet, which POST /api/tags can create) or invalid"""
    asked = query(TagCheckQuery)
    return shapes.tag_checks(tagging.check_specs(get_db(), tags.split_specs(asked.tags)[:MAX_CHECKED]))


@bp.post("/api/tags")
@operation("createTag", (shapes.Tag, "The new tag"), status=201, json=shapes.TagCreateBody,
           errors={400: "The facet or name cannot be used, or the tag exists already"}, who="archivist", write=True)
def api_create_tag():
    """Create a tag: a set, subject or film in the vocabulary (from any tag box), or a free tag"""
    asked = body(shapes.TagCreateBody)
    try:
        tag_id = vocabulary.create_tag(get_db(), asked.facet, asked.name, label=asked.label,
                                       label_ko=asked.label_ko, username=current_username())
    except vocabulary.VocabularyError as exc:
        abort(400, description=str(exc))
    return shapes.tag(tags.get_tag(get_db(), tag_id)), 201


@bp.post("/tags/create-and-apply")
@archivist_required
def create_and_apply():
    """The button in a tag box's message without JavaScript: create the set,
    subject or film it named, then apply the tags that were asked for."""
    form, db = request.form, get_db()
    back = local_path(form.get("next")) or url_for("search.results")
    try:
        vocabulary.create_tag(db, form.get("facet", ""), form.get("name", ""), username=current_username())
    except vocabulary.VocabularyError as exc:
        flash(str(exc), "tags-error")
        return redirect(back, 303)
    photo_ids = [int(v) for v in form.getlist("photo_ids") if v.isascii() and v.isdigit() and 0 < int(v) < 2**63]
    facet = words.facets().get(form["facet"], form["facet"])  # as tagging.js says it
    flash(gettext("Created %(facet)s “%(name)s”.", facet=facet, name=form["name"]), "tags")
    if photo_ids and form.get("add"):
        try:
            counts = tagging.change_tags(db, [i for i in photo_ids if get_visible_photo(i) is not None],
                                         add=tags.split_specs(form["add"]), username=current_username())
        except tagging.TaggingError as exc:
            flash(str(exc), "tags-error")
        else:
            flash(gettext("%(summary)s.", summary=_summary(counts)), "tags")
    return redirect(back, 303)


@bp.get("/tags")
@archivist_required
def vocabulary_page():
    facet = request.args.get("facet") or None
    if facet and facet not in tags.FACETS:
        abort(404)
    rows = vocabulary.list_tags(get_db(), facet=facet)
    return render_template("tagging/vocabulary.html", rows=rows, facet=facet, facets=tags.FACETS,
                           hierarchical=tree.HIERARCHICAL_FACETS)


@bp.post("/tags")
@archivist_required
def create():
    form = request.form
    try:
        tag_id = vocabulary.create_tag(
            get_db(), form.get("facet", ""), form.get("slug", "").strip(), label=form.get("label"),
            label_ko=form.get("label_ko", ""), description=form.get("description", ""),
            parent=form.get("parent") or None, aliases=tags.split_specs(form.get("aliases", "")),
            username=current_username())
    except vocabulary.VocabularyError as exc:
        flash(str(exc), "tags-error")
        return redirect(url_for("tagging.vocabulary_page"))
    row = tags.get_tag(get_db(), tag_id)
    flash(gettext("Created %(tag)s.", tag=f"{row['facet']}:{row['slug']}"), "tags")
    return redirect(url_for("tagging.tag_page", facet=row["facet"], slug=row["slug"]))


def _tag_or_404(facet, slug):
    if facet not in tags.FACETS:
        abort(404)
    row = tags.find_tag(get_db(), facet, slug)
    if row is None:
        abort(404, description=f"no {facet} tag called {slug!r}")
    return dict(row)


@bp.get("/tags/<facet>/<path:slug>")
@archivist_required
def tag_page(facet, slug):
    tag = _tag_or_404(facet, slug)
    if tag["slug"] != slug:
        return redirect(url_for("tagging.tag_page", facet=facet, slug=tag["slug"]), 301)
    db = get_db()
    tag["aliases"] = vocabulary.aliases_of(db, tag["id"])
    return render_template("tagging/tag.html", tag=tag, photo_count=vocabulary.photo_count(db, tag["id"]),
                           history=vocabulary.tag_history(db, tag["id"], limit=30),
                           children=tree.children(db, tag["id"]), hierarchical=facet in tree.HIERARCHICAL_FACETS)


@bp.post("/tags/<facet>/<path:slug>/<any(edit, rename, merge, delete):action>")
@archivist_required
def change(facet, slug, action):
    tag = _tag_or_404(facet, slug)
    db, form, who = get_db(), request.form, current_username()
    try:
        if action == "edit":
            vocabulary.edit_tag(db, tag["id"], label=form.get("label"), label_ko=form.get("label_ko"),
                                description=form.get("description"), description_ko=form.get("description_ko"),
                                aliases=tags.split_specs(form.get("aliases", "")), username=who)
            message, slug = gettext("Saved."), tag["slug"]
        elif action == "rename":
            slug = vocabulary.rename_tag(db, tag["id"], form.get("slug", ""), username=who)
            message = gettext("Renamed to %(tag)s; %(old)s still finds it.", tag=f"{facet}:{slug}", old=tag["slug"])
        elif action == "merge":
            target = vocabulary.get_tag(db, facet, form.get("target", ""))
            vocabulary.merge_tags(db, tag["id"], target["id"], username=who)
            slug = target["slug"]
            message = gettext("Merged %(old)s into %(tag)s; the old slug still finds it.", old=f"{facet}:{tag['slug']}",
                              tag=f"{facet}:{slug}")
        else:
            count = vocabulary.delete_tag(db, tag["id"], confirm=form.get("confirm") == "yes", username=who)
            name = f"{facet}:{tag['slug']}"
            flash(ngettext("Deleted %(tag)s from %(num)s photo.", "Deleted %(tag)s from %(num)s photos.", count,
                           tag=name) if count else gettext("Deleted %(tag)s.", tag=name), "tags")
            return redirect(url_for("tagging.vocabulary_page", facet=facet))
    except vocabulary.VocabularyError as exc:
        flash(str(exc), "tags-error")
        return redirect(url_for("tagging.tag_page", facet=facet, slug=tag["slug"]))
    flash(message, "tags")
    return redirect(url_for("tagging.tag_page", facet=facet, slug=slug))
