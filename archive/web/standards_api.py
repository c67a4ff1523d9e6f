"""JSON API routes for researchers' tools: the OpenAPI description and exports."""

import re

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from archive.catalogue import sets
from archive.preservation import export
from archive.search import engine as search
from archive.web import can_see_private, get_db, openapi

bp = Blueprint("standards_api", __name__)

IDS = re.compile(r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,999}$")


@bp.get("/api/openapi.json")
def openapi_json():
    response = jsonify(openapi.spec())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/export.json")
def export_json():
    records = _records()
    return Response(export.to_json(records), mimetype="application/json")


@bp.get("/api/export.csv")
def export_csv():
    response = Response(export.to_csv(_records()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="photos.csv"'
    return response


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
    where = "" if private else " WHERE is_public = 1"
    count = db.execute("SELECT count(*) FROM photos" + where).fetchone()[0]
    return render_template("standards/data.html", sets=set_rows, count=count,
                           rights=current_app.config["ARCHIVE_RIGHTS"],
                           attribution=current_app.config["ARCHIVE_ATTRIBUTION"])


def _records():
    """The visible photos, those a search finds (?q=), or those named by ?ids=3,5,8."""
    text = request.args.get("ids")
    query = request.args.get("q")
    private = can_see_private()
    ids = None
    if text is not None and query is not None:
        abort(400, description="choose photos by q or by ids, not both")
    if text is not None:
        if not IDS.match(text):
            abort(400, description="ids must be photo ids separated by commas, e.g. 3,5,8")
        ids = [int(part) for part in text.split(",")]
    if query is not None:
        try:
            ids = [int(i) for i in search.search_ids(get_db(), query, sort="oldest", include_private=private)]
        except search.QueryError as exc:
            abort(400, description=str(exc))
    try:
        photos = export.select_photos(get_db(), ids, include_private=private)
    except export.ExportError as exc:
        abort(404, description=str(exc))
    return [export.photo_record(photo, include_gps=private) for photo in photos]
