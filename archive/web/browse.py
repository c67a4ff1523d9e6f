"""Browse by subject: every subject of the vocabulary with its count of
photos, and a page of the photos of one subject (sets have theirs in search.py)."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from archive.catalogue import tags
from archive.search import engine as search
from archive.search.query import QueryError
from archive.web import can_see_private, get_db
from archive.web.gallery import page_arg

bp = Blueprint("browse", __name__)


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
    rows = browsable_tags("subject")
    rows.sort(key=lambda row: (-row["count"], row["label"].lower()))
    return render_template("browse/subjects.html", subjects=rows)


@bp.get("/subjects/<path:slug>")
def subject_page(slug):
    db = get_db()
    row = tags.find_tag(db, "subject", slug)
    if row is None:
        abort(404, description=f"no subject called {slug!r}")
    if row["slug"] != slug:  # an old name kept as an alias
        return redirect(url_for("browse.subject_page", slug=row["slug"], **request.args), 301)
    query = f"subject:{row['slug']}"
    try:
        result = search.search(db, query, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                               sort="newest", include_private=can_see_private())
    except QueryError:  # only private photos carry it: for a visitor it does not exist
        abort(404, description=f"no subject called {slug!r}")
    if result.page.page > result.page.pages and result.page.total:
        abort(404)
    return render_template("browse/subject.html", tag=dict(row), result=result, query=query)
