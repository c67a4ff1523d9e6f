"""Browsing by set, film, trip and subject: every tag of the facet as a card
(a cover photo, its count of photos, its description), and a page of the
photos of one tag. The four facets share these views and their two
templates; the set routes are search.py's (/sets), the others are here."""

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from archive.catalogue import tags, tree
from archive.search import engine as search
from archive.search.query import QueryError, quote_value
from archive.web import can_see_private, get_db, language, page_arg

bp = Blueprint("browse", __name__)


@dataclass(frozen=True)
class Browsed:
    """How one facet is browsed: its pages' endpoints, order and words."""

    facet: str
    name: object  # "Sets": the list's short name (lazy: translated when shown)
    title: object
    help: object
    index: str  # endpoint of the list of tags
    page: str  # endpoint of one tag's photos
    empty: object
    order: str  # "tree" (by slug, the hierarchy's order), "count", or "latest" (newest name first)
    sort: str  # the default order of one tag's photos


FACETS = {
    "set": Browsed("set", _l("Sets"), _l("Sets of the backlot"),
                   _l("The studio's permanent street sets. Each page shows the photos taken there, its smaller "
                      "sets included."), "search.sets", "search.set_page", _l("No photos of this set yet."),
                   order="tree", sort="newest"),
    "film": Browsed("film", _l("Films"), _l("Films"),
                    _l("The films whose posters and sets the photos show."), "browse.films", "browse.film_page",
                    _l("No photos of this film yet."), order="count", sort="newest"),
    "trip": Browsed("trip", _l("Trips"), _l("Trips to the studio"),
                    _l("Each visit to the backlot, its photos in the order they were taken."), "browse.trips",
                    "browse.trip_page", _l("No photos from this trip yet."), order="latest", sort="taken"),
    "subject": Browsed("subject", _l("Subjects"), _l("Subjects"),
                       _l("What the photos show: posters, adverts, signs, statues and more."),
                       "browse.subjects", "browse.subject_page", _l("No photos of this subject yet."),
                       order="count", sort="newest"),
}


def index_page(facet):
    """Every tag of a facet as a card: a cover photo, the count of photos, a description."""
    browsed = FACETS[facet]
    rows = browsable_tags(facet)
    if facet == "trip":  # a trip nobody can see photos of is not a trip to show
        rows = [row for row in rows if row["count"]]
    for row in rows:
        row["depth"] = tree.depth(row["slug"])
        row["description_shown"] = description(row)
    if browsed.order == "count":
        rows.sort(key=lambda row: (-row["count"], row["label"].lower()))
    elif browsed.order == "latest":
        rows.sort(key=lambda row: row["slug"], reverse=True)
    covers = cover_photos(facet, [row for row in rows if row["count"]])
    others = [FACETS[other] for other in FACETS if other != facet]
    return render_template("browse/index.html", browsed=browsed, rows=rows, covers=covers, others=others)


def cover_photos(facet, rows):
    """{slug: photo row}: each tag's cover, the newest photo this person may see."""
    db, private = get_db(), can_see_private()
    covers = {}
    for row in rows:
        found = search.search(db, f"{facet}:{quote_value(row['slug'])}", per_page=1, sort="newest",
                              include_private=private, with_facets=False).page.items
        if found:
            covers[row["slug"]] = found[0]
    return covers


def description(tag):
    """A tag's description in the page's language first."""
    first, second = ("description_ko", "description") if language() == "ko" else ("description", "description_ko")
    return tag.get(first) or tag.get(second) or ""


def tag_page(facet, slug):
    """The photos of one tag (and of the tags below it), with facets to narrow them."""
    browsed = FACETS[facet]
    db = get_db()
    row = tags.find_tag(db, facet, slug)
    if row is None:
        abort(404, description=f"no {facet} called {slug!r}")
    if row["slug"] != slug:  # an old name, kept as an alias after a rename or merge
        return redirect(url_for(browsed.page, slug=row["slug"], **request.args), 301)
    query, sort = f"{facet}:{quote_value(row['slug'])}", request.args.get("sort", browsed.sort)
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
    viewer = result.page.items[:100]
    return render_template("browse/tag.html", browsed=browsed, tag=row, parent=tree.parent(db, row),
                           description=description(row), children=children, result=result, query=query,
                           sort=sort, sorts=search.SORTS, default_sort=browsed.sort, may_edit=can_see_private(),
                           viewer_images=[url_for("iiif.image_info", identifier=str(p["id"])) for p in viewer],
                           # The IIIF route names a set by one path segment: top-level sets have one.
                           viewer_manifest=url_for("iiif.set_manifest", slug=row["slug"])
                           if facet == "set" and "/" not in row["slug"] else None)


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


@bp.get("/films")
def films():
    return index_page("film")


@bp.get("/films/<path:slug>")
def film_page(slug):
    return tag_page("film", slug)


@bp.get("/trips")
def trips():
    return index_page("trip")


@bp.get("/trips/<path:slug>")
def trip_page(slug):
    return tag_page("trip", slug)
