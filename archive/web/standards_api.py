"""JSON API routes for researchers' tools: the OpenAPI description and exports."""

from flask import Blueprint, Response, abort, current_app, render_template, stream_with_context

from archive import db as archive_db
from archive.catalogue import photos, sets
from archive.contract import exports as shapes
from archive.contract.queries import ExportQuery
from archive.preservation import export
from archive.search import engine as search
from archive.web import can_see_private, get_db
from archive.web.contract import document, links, operation, query

bp = Blueprint("standards_api", __name__)

EXPORT_ERRORS = {400: "ids is not a list of photo ids, q is not a query, or both were given",
                 404: "One of the ids names no visible photo"}


@bp.get("/api/openapi.json")
@operation("openapi", (None, "OpenAPI 3 document"), media_type="application/json",
           media_schema={"type": "object"})
def openapi_json():
    """This description"""
    response = current_app.json.response(document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/export.json")
@operation("exportJson", (shapes.ExportList, "The photos' metadata"), query=ExportQuery, errors=EXPORT_ERRORS)
def export_json():
    """Metadata of the visible photos (or of ?ids, or of what ?q finds) as JSON"""
    private = can_see_private()
    rows = photos.get_photos(get_db(), _chosen_ids(private))
    return shapes.export_list([export.photo_record(row, include_gps=private) for row in rows])


@bp.get("/api/export.csv")
@operation("exportCsv", (None, "CSV with a header row, one row a photo"), query=ExportQuery, errors=EXPORT_ERRORS,
           media_type="text/csv")
def export_csv():
    """Metadata of the visible photos (or of ?ids, or of what ?q finds) as CSV, one row a photo"""
    private = can_see_private()
    ids = _chosen_ids(private)
    response = Response(stream_with_context(_csv_body(ids, links(), private)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="photos.csv"'
    return response


def _csv_body(ids, links_, private):
    # Its own connection: the request's is closed at teardown, which may come
    # before a long export has been sent.
    db = archive_db.connect(current_app.config["DATA_DIR"])
    try:
        yield from export.csv_chunks(db, ids, links_, include_gps=private)
    finally:
        db.close()


@bp.get("/data")
def data_page():
    """Where researchers find the exports, the IIIF resources and the API."""
    db = get_db()
    private = can_see_private()
    set_rows = []
    for tag in sets.all_sets(db):
        count = sets.count_in_set(db, tag["id"], include_private=private)
        if count:
            set_rows.append({**tag, "count": count})
    return render_template("standards/data.html", sets=set_rows, count=photos.count(db, private),
                           rights=current_app.config["ARCHIVE_RIGHTS"],
                           attribution=current_app.config["ARCHIVE_ATTRIBUTION"])


def _chosen_ids(private):
    """The visible photos, those a search finds (?q=), or those named by ?ids=3,5,8."""
    asked = query(ExportQuery)
    if asked.ids is not None and asked.q is not None:
        abort(400, description="choose photos by q or by ids, not both")
    ids = asked.photo_ids()
    if asked.q is not None:
        try:
            ids = [int(i) for i in search.search_ids(get_db(), asked.q, sort="oldest", include_private=private)]
        except search.QueryError as exc:
            abort(400, description=str(exc))
    try:
        return export.select_ids(get_db(), ids, include_private=private)
    except export.ExportError as exc:
        abort(404, description=str(exc))
