"""Browsing by set and by subject: every tag of the facet with its count of
photos, and a page of the photos of one tag. Sets and subjects share these
views and their two templates; the set routes are search.py's (/sets), the
subject routes are here (/subjects)."""

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from archive.catalogue import tags, tree
from archive.search import engine as search
from archive.search.query import QueryError
from archive.web import can_see_private, get_db
from archive.web.gallery import page_arg

bp = Blueprint("browse", __name__)


@dataclass(frozen=True)
class Browsed:
    """How one facet is browsed: its pages' endpoints and words."""

    facet: str
    name: str  # "Sets": the list's short name
    title: str
    help: str
    index: str  # endpoint of the list of tags
    page: str  # endpoint of one tag's photos
    empty: str
    by_count: bool  # the list by count of photos, not by slug (the tree's order)


FACETS = {
    "set": Browsed("set", "Sets", "Sets of the backlot",
                   "The studio's permanent street sets. Each page shows the photos taken there, its smaller sets "
                   "included.", "search.sets", "search.set_page", "No photos of this set yet.", by_count=False),
    "subject": Browsed("subject", "Subjects", "Subjects",
                       "What the photos show: posters, adverts, signs, statues and more.",
                       "browse.subjects", "browse.subject_page", "No photos of this subject yet.", by_count=True),
}


def index_page(facet):
    """Every tag of a facet with its count of photos (the counts the search facets show)."""
    browsed = FACETS[facet]
    rows = browsable_tags(facet)
    for row in rows:
        row["depth"] = tree.depth(row["slug"])
    if browsed.by_count:
        rows.sort(key=lambda row: (-row["count"], row["label"].lower()))
    others = [FACETS[other] for other in FACETS if other != facet]
    return render_template("browse/index.html", browsed=browsed, rows=rows, others=others)


def tag_page(facet, slug):
    """The photos of one tag (and of the tags below it), with facets to narrow them."""
    browsed = FACETS[facet]
    db = get_db()
    row = tags.find_tag(db, facet, slug)
    if row is None:
        abort(404, description=f"no {facet} called {slug!r}")
    if row["slug"] != slug:  # an old name, kept as an alias after a rename or merge
        return redirect(url_for(browsed.page, slug=row["slug"], **request.args), 301)
    query, sort = f"{facet}:{row['slug']}", request.args.get("sort", "newest")
    try:
        result = search.search(db, query, page=page_arg(), per_page=current_app.config["PER_PAGE"], sort=sort,
                               include_private=can_see_private())
    except QueryError as exc:
        if sort not in search.SORTS:
            abort(400, description=str(exc))
        # Only private photos carry it: for a visitor it does not exist.
        abort(404, description=f"no {facet} called {slug!r}")
    if result.page.page > result.page.pages and result.page.total:
        abort(404)
    counts = {entry["value"]: entry["count"] for entry in result.facets.get(facet, [])}
    visible = {child["slug"] for child in browsable_tags(facet)}
    children = [{**child, "count": counts.get(child["slug"], 0)} for child in tree.children(db, row["id"])
                if child["slug"] in visible]
    return render_template("browse/tag.html", browsed=browsed, tag=row, parent=tree.parent(db, row),
                           children=children, result=result, query=query, sort=sort, sorts=search.SORTS,
                           may_edit=can_see_private())


def browsable_tags(facet):
    """The tags of a facet with their counts of photos this person may see.

    A visitor is not shown a tag that only private photos carry (its name
    may be private too: a trip's, a place's); one no photo carries yet is
    the vocabulary's, and shown."""
    db = get_db()
    rows = search.tags_with_counts(db, facet, include_private=can_see_private())
    if can_see_private():
        return rows
    carried = {row["slug"] for row in search.tags_with_counts(db, facet, include_private=True) if row["count"]}
    return [row for row in rows if row["count"] or row["slug"] not in carried]


@bp.get("/subjects")
def subjects():
    return index_page("subject")


@bp.get("/subjects/<path:slug>")
def subject_page(slug):
    return tag_page("subject", slug)
