"""Browse by subject: every subject of the vocabulary with its count of
photos, and a page of the photos of one subject (sets have theirs in search.py)."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from archive.catalogue import tags
from archive.search import engine as search
from archive.web import can_see_private, get_db
from archive.web.gallery import page_arg

bp = Blueprint("browse", __name__)


@bp.get("/subjects")
def subjects():
    rows = search.tags_with_counts(get_db(), "subject", include_private=can_see_private())
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
    result = search.search(db, query, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                           sort="newest", include_private=can_see_private())
    if result.page.page > result.page.pages and result.page.total:
        abort(404)
    return render_template("browse/subject.html", tag=dict(row), result=result, query=query)
