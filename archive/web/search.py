"""Search pages, browse pages per set, and their JSON and CSV forms."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from archive import db as archive_db
from archive.catalogue import photos, tags
from archive.search import engine as search
from archive.search import results_csv as search_export
from archive.search.query import QueryError
from archive.web import can_see_private, get_db
from archive.web.api import MAX_PER_PAGE, photo_summary
from archive.web.browse import browsable_tags
from archive.web.gallery import page_arg

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    query, sort = request.args.get("q", ""), request.args.get("sort", "relevance")
    try:
        result = search.search(get_db(), query, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                               sort=sort, include_private=can_see_private())
    except QueryError as exc:
        return render_template("search/results.html", query=query, sort=sort, result=None,
                               error=str(exc), sorts=search.SORTS), 400
    return render_template("search/results.html", query=query, sort=sort, result=result, error=None,
                           sorts=search.SORTS)


@bp.get("/api/search")
def api_search():
    per_page = page_arg("per_page") if "per_page" in request.args else current_app.config["PER_PAGE"]
    try:
        result = search.search(get_db(), request.args.get("q", ""), page=page_arg(),
                               per_page=min(per_page, MAX_PER_PAGE),
                               sort=request.args.get("sort", "relevance"),
                               include_private=can_see_private())
    except QueryError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(result_json(result))


@bp.get("/search.csv")
@bp.get("/api/search.csv")
def export_csv():
    query = request.args.get("q", "")
    try:
        ids = search.search_ids(get_db(), query, sort=request.args.get("sort", "relevance"),
                                include_private=can_see_private())
    except QueryError as exc:
        if request.path.startswith("/api/"):
            return jsonify({"error": str(exc)}), 400
        abort(400, description=str(exc))
    response = Response(stream_with_context(_csv_body(ids)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="poster-archive-search.csv"'
    return response


def _csv_body(ids):
    # Its own connection: the request's is closed at teardown, which may come
    # before a long export has been sent.
    db = archive_db.connect(current_app.config["DATA_DIR"])
    try:
        yield from search_export.csv_chunks(db, ids, permalink)
    finally:
        db.close()


@bp.get("/sets")
def sets():
    rows = browsable_tags("set")
    for row in rows:
        row["depth"] = row["slug"].count("/")
    return render_template("search/sets.html", sets=rows)


@bp.get("/sets/<path:slug>")
def set_page(slug):
    db = get_db()
    row = tags.find_tag(db, "set", slug)
    if row is None:
        abort(404, description=f"no set called {slug!r}")
    if row["slug"] != slug:  # an old name, kept as an alias after a rename or merge
        return redirect(url_for("search.set_page", slug=row["slug"], **request.args), 301)
    query = f"set:{row['slug']}"
    sort = request.args.get("sort", "newest")
    try:
        result = search.search(db, query, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                               sort=sort, include_private=can_see_private())
    except QueryError as exc:
        if sort not in search.SORTS:
            abort(400, description=str(exc))
        abort(404, description=f"no set called {slug!r}")  # a visitor's, when only private photos carry it
    visible = {child["slug"] for child in browsable_tags("set")}
    children = [dict(r) for r in db.query("SELECT * FROM tags WHERE parent_id = ? ORDER BY slug", [row["id"]])
                if r["slug"] in visible]
    counts = {entry["value"]: entry["count"] for entry in result.facets["set"]}
    for child in children:
        child["count"] = counts.get(child["slug"], 0)
    parent = db["tags"].get(row["parent_id"]) if row["parent_id"] else None
    return render_template("search/set.html", tag=dict(row), parent=parent, children=children,
                           result=result, query=query, sort=sort, sorts=search.SORTS)


def permalink(photo_id):
    return url_for("gallery.photo", photo_id=photo_id, _external=True)


def result_json(result):
    """The JSON form of a search, as GET /api/search returns it and `search --json` prints it."""
    page = result.page
    return {
        "query": result.query,
        "sort": result.sort,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "results": [photo_result(row) for row in page.items],
        "facets": result.facets,
    }


def photo_result(row):
    return {
        **photo_summary(row),
        "permalink": permalink(row["id"]),
        "camera": photos.camera_label(row),
        "uploaded_at": row["uploaded_at"],
        "tags": {facet: [t["slug"] for t in items] for facet, items in row["tags"].items()},
    }
