"""The review screen for near-duplicate suggestions, and its JSON API."""

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from archive.catalogue import photos, versions
from archive.dedup import decisions as duplicates
from archive.web import archivist_required, can_see_private, current_username, get_db, get_visible_photo

bp = Blueprint("review", __name__)

# Rows of the metadata comparison: (label, how to read it off a photo).
COMPARED = (
    ("File name", lambda p: p["original_filename"]),
    ("Format", lambda p: p["format"]),
    ("Size", lambda p: f"{p['width']} × {p['height']}"),
    ("File size", lambda p: f"{p['file_size'] / 1e6:.2f} MB"),
    ("Taken", lambda p: (p["taken_at"] or "").replace("T", " ")),
    ("Camera", lambda p: photos.camera_label(p) or ""),
    ("Lens", lambda p: p["lens"] or ""),
    ("Exposure", lambda p: photos.exposure_summary(p) or ""),
    ("Location", lambda p: f"{p['gps_lat']:.5f}, {p['gps_lon']:.5f}" if p["gps_lat"] is not None else ""),
    ("Title", lambda p: p["title"]),
    ("Caption", lambda p: p["caption"]),
    ("Trip", lambda p: p["trip"]),
    ("Photographer", lambda p: p["photographer"]),
    ("Tags", lambda p: ", ".join(f"{t['facet']}:{t['slug']}" for t in p["tags"])),
    ("Added", lambda p: f"{p['uploaded_at'].replace('T', ' ')} via {p['source']}"
                        + (f" by {p['uploaded_by']}" if p["uploaded_by"] else "")),
)
DECISION_LABELS = {
    "duplicate": "the same photograph",
    "related": "another shot of the same poster",
    "unrelated": "not related",
}


@bp.app_context_processor
def review_helpers():
    def review_open_count():
        return duplicates.open_count(get_db(), include_private=can_see_private())

    def photo_versions(photo_id):
        return versions.versions_of(get_db(), photo_id, include_private=can_see_private())

    return {"review_open_count": review_open_count, "photo_versions": photo_versions,
            "decision_labels": DECISION_LABELS}


def metadata_diff(a, b):
    rows = []
    for label, read in COMPARED:
        left, right = read(a), read(b)
        rows.append({"field": label, "a": left, "b": right, "differs": left != right})
    return rows


def _pair_or_404(suggestion_id):
    """The suggestion and its two photos, if this request may see both."""
    # An id past SQLite's integers names nothing (and would overflow the query).
    suggestion = duplicates.get_suggestion(get_db(), suggestion_id) if suggestion_id < 2**63 else None
    if suggestion is None:
        abort(404, description=f"no suggestion {suggestion_id}")
    a, b = get_visible_photo(suggestion["photo_a"]), get_visible_photo(suggestion["photo_b"])
    if a is None or b is None:
        abort(404, description=f"no suggestion {suggestion_id}")
    return suggestion, a, b


def _next_open(after_id=None):
    items = duplicates.queue(get_db(), include_private=can_see_private(), limit=2)
    items = [s for s in items if s["id"] != after_id]
    return items[0]["id"] if items else None


# ------------------------------------------------------------------ pages


@bp.get("/review")
@archivist_required
def queue_page():
    db = get_db()
    items = duplicates.queue(db, include_private=can_see_private(), limit=100)
    pairs = [(s, photos.get_photo(db, s["photo_a"]), photos.get_photo(db, s["photo_b"])) for s in items]
    return render_template("review/queue.html", pairs=pairs,
                           total=duplicates.open_count(db, include_private=can_see_private()),
                           history=_visible_history(db))


@bp.get("/review/<int:suggestion_id>")
@archivist_required
def pair_page(suggestion_id):
    suggestion, a, b = _pair_or_404(suggestion_id)
    db = get_db()
    members = duplicates.group_members(db, a["id"]) | duplicates.group_members(db, b["id"])
    return render_template(
        "review/pair.html", suggestion=suggestion, a=a, b=b, diff=metadata_diff(a, b),
        suggested_primary=duplicates.choose_primary(db, members),
        next_id=_next_open(after_id=suggestion_id),
    )


@bp.post("/review/<int:suggestion_id>/decision")
@archivist_required
def decide_form(suggestion_id):
    _pair_or_404(suggestion_id)
    primary = request.form.get("primary_id", "")
    try:
        duplicates.decide(get_db(), suggestion_id, request.form.get("decision", ""), current_username(),
                          int(primary) if primary.isdigit() else None)
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    following = _next_open(after_id=suggestion_id)
    if following is None:
        return redirect(url_for("review.queue_page"))
    return redirect(url_for("review.pair_page", suggestion_id=following))


@bp.post("/review/decisions/<int:decision_id>/undo")
@archivist_required
def undo_form(decision_id):
    suggestion_id = _undo_visible(decision_id)
    return redirect(url_for("review.pair_page", suggestion_id=suggestion_id) if suggestion_id
                    else url_for("review.queue_page"))


def _undo_visible(decision_id):
    db = get_db()
    row = (next(iter(db.query("SELECT * FROM match_decisions WHERE id = ?", [decision_id])), None)
           if decision_id < 2**63 else None)  # past SQLite's integers: no such decision
    if row is None or get_visible_photo(row["photo_a"]) is None or get_visible_photo(row["photo_b"]) is None:
        abort(404, description=f"no decision {decision_id}")
    try:
        duplicates.undo(db, decision_id, current_username())
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    found = next(iter(db.query("SELECT id FROM match_suggestions WHERE photo_a = ? AND photo_b = ?",
                               [row["photo_a"], row["photo_b"]])), None)
    return found["id"] if found else None


def _visible_history(db, limit=20):
    if can_see_private():
        return duplicates.history(db, limit)
    return [d for d in duplicates.history(db, limit)
            if get_visible_photo(d["photo_a"]) and get_visible_photo(d["photo_b"])]


# ------------------------------------------------------------------- JSON


@bp.get("/api/review")
@archivist_required
def queue_api():
    db = get_db()
    limit = request.args.get("limit", "50")
    # isdigit() alone also passes "²", which int() refuses.
    limit = min(int(limit), 500) if limit.isascii() and limit.isdigit() and int(limit) > 0 else 50
    return jsonify({"total": duplicates.open_count(db, include_private=can_see_private()),
                    "suggestions": duplicates.queue(db, include_private=can_see_private(), limit=limit)})


@bp.get("/api/review/<int:suggestion_id>")
@archivist_required
def pair_api(suggestion_id):
    from archive.web.api import photo_summary

    suggestion, a, b = _pair_or_404(suggestion_id)
    return jsonify({**suggestion, "photos": [photo_summary(a), photo_summary(b)],
                    "metadata_diff": metadata_diff(a, b)})


@bp.post("/api/review/<int:suggestion_id>/decision")
@archivist_required
def decide_api(suggestion_id):
    _pair_or_404(suggestion_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description='send JSON like {"decision": "duplicate", "primary_id": 12}')
    primary = body.get("primary_id")
    if primary is not None and (not isinstance(primary, int) or isinstance(primary, bool)):
        abort(400, description="primary_id must be a photo id")
    decision = body.get("decision")
    if not isinstance(decision, str):
        abort(400, description=f"decision must be one of {', '.join(duplicates.DECISIONS)}")
    try:
        row = duplicates.decide(get_db(), suggestion_id, decision, current_username(), primary)
    except duplicates.DecisionError as exc:
        abort(409 if "already decided" in str(exc) else 400, description=str(exc))
    return jsonify(row), 201


@bp.post("/api/review/decisions/<int:decision_id>/undo")
@archivist_required
def undo_api(decision_id):
    _undo_visible(decision_id)
    row = next(iter(get_db().query("SELECT * FROM match_decisions WHERE id = ?", [decision_id])))
    return jsonify(dict(row))


@bp.get("/api/duplicates")
@archivist_required
def duplicates_api():
    groups = duplicates.all_groups(get_db())
    if not can_see_private():
        visible = {r["id"] for r in get_db().query("SELECT id FROM photos WHERE is_public = 1")}
        groups = [g for g in groups if all(p["id"] in visible for p in g["photos"])]
    return jsonify({"groups": groups})


@bp.get("/api/photos/<int:photo_id>/versions")
def versions_api(photo_id):
    from archive.web.api import photo_summary

    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    group = versions.versions_of(get_db(), photo_id, include_private=can_see_private())
    # A primary this request may not see is not named: the first visible version stands in.
    return jsonify({
        "primary": group["versions"][0]["id"],
        "versions": [photo_summary(r) for r in group["versions"]],
        "other_shots": [photo_summary(r) for r in group["other_shots"]],
        "tags": {facet: [t["slug"] for t in group["tags"] if t["facet"] == facet]
                 for facet in dict.fromkeys(t["facet"] for t in group["tags"])},
        "captions": group["captions"],
        "provenance": group["provenance"],
    })
