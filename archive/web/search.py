"""The search page, its JSON and CSV forms, and the routes of the set pages (browse.py)."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)

from archive import db as archive_db
from archive.contract import search as shapes
from archive.contract.queries import SearchCsvQuery, SearchQuery
from archive.preservation import export
from archive.search import engine as search
from archive.search.query import QueryError
from archive.web import browse, can_see_private, get_db
from archive.web.contract import links, operation, query
from archive.web.gallery import page_arg

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    query, sort = request.args.get("q", ""), request.args.get("sort", "relevance")
    # Each stack of confirmed copies once, unless every copy is asked for.
    stacked = request.args.get("stacked", "true").lower() not in ("false", "0", "no")
    try:
        result = search.search(get_db(), query, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                               sort=sort, include_private=can_see_private(), stacked=stacked)
    except QueryError as exc:
        return render_template("search/results.html", query=query, sort=sort, result=None, stacked=stacked,
                               error=str(exc), sorts=search.SORTS, may_edit=False), 400
    return render_template("search/results.html", query=query, sort=sort, result=result, error=None,
                           stacked=stacked, sorts=search.SORTS, may_edit=can_see_private())


@bp.get("/api/search")
@operation("search", (shapes.SearchPage, "A page of results"), query=SearchQuery,
           errors={400: "The query or sort cannot be read (the message says why)"})
def api_search():
    """Search the visible photos, with facet counts"""
    asked = query(SearchQuery)
    try:
        result = search.search(get_db(), asked.q, page=asked.page, per_page=asked.size(current_app.config["PER_PAGE"]),
                               sort=asked.sort, include_private=can_see_private(), stacked=asked.stacked)
    except QueryError as exc:
        abort(400, description=str(exc))
    return shapes.search_page(result, links())


@bp.get("/search.csv")
@bp.get("/api/search.csv")
@operation("searchCsv", (None, "CSV with a header row, one row a photo"), query=SearchCsvQuery,
           errors={400: "The query or sort cannot be read (the message says why)"}, media_type="text/csv")
def export_csv():
    """Every photo a search finds, as CSV, one row a photo"""
    asked = query(SearchCsvQuery)
    private = can_see_private()
    try:
        ids = search.search_ids(get_db(), asked.q, sort=asked.sort, include_private=private, stacked=asked.stacked)
    except QueryError as exc:
        abort(400, description=str(exc))
    response = Response(stream_with_context(_csv_body([int(i) for i in ids], links(), private)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="poster-archive-search.csv"'
    return response


def _csv_body(ids, links_, private):
    # Its own connection: the request's is closed at teardown, which may come
    # before a long export has been sent.
    db = archive_db.connect(current_app.config["DATA_DIR"])
    try:
        yield from export.csv_chunks(db, ids, links_, include_gps=private)
    finally:
        db.close()


@bp.get("/sets")
def sets():
    return browse.index_page("set")


@bp.get("/sets/<path:slug>")
def set_page(slug):
    return browse.tag_page("set", slug)
