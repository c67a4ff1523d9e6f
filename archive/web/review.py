"""The review screen for near-duplicate suggestions, and its JSON API."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from archive.catalogue import photos, versions
from archive.contract import review as shapes
from archive.contract.queries import ReviewQuery
from archive.dedup import decisions as duplicates
from archive.web import archivist_required, byte_size, can_see_private, current_username, get_db, get_visible_photo
from archive.web.contract import body, links, operation, query

bp = Blueprint("review", __name__)

# Rows of the metadata comparison: (label, how to read it off a photo).
COMPARED = (
    ("File name", lambda p: p["original_filename"]),
    ("Format", lambda p: p["format"]),
    ("Size", lambda p: f"{p['width']} × {p['height']}"),
    ("File size", lambda p: byte_size(p["file_size"])),
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
                           history=_visible_history(db), decision_labels=DECISION_LABELS)


@bp.get("/review/<int:suggestion_id>")
@archivist_required
def pair_page(suggestion_id):
    suggestion, a, b = _pair_or_404(suggestion_id)
    db = get_db()
    members = duplicates.group_members(db, a["id"]) | duplicates.group_members(db, b["id"])
    return render_template(
        "review/pair.html", suggestion=suggestion, a=a, b=b, diff=metadata_diff(a, b),
        suggested_primary=duplicates.choose_primary(db, members),
        next_id=_next_open(after_id=suggestion_id), decision_labels=DECISION_LABELS,
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
    _, suggestion_id = _undo_visible(decision_id)
    return redirect(url_for("review.pair_page", suggestion_id=suggestion_id) if suggestion_id
                    else url_for("review.queue_page"))


def _undo_visible(decision_id):
    """Undo a decision on two photos this request may see; returns the
    decision and the id of its pair's suggestion."""
    db = get_db()
    row = duplicates.get_decision(db, decision_id)
    if row is None or get_visible_photo(row["photo_a"]) is None or get_visible_photo(row["photo_b"]) is None:
        abort(404, description=f"no decision {decision_id}")
    try:
        undone = duplicates.undo(db, decision_id, current_username())
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    return undone, duplicates.suggestion_of(db, row["photo_a"], row["photo_b"])


def _visible_history(db, limit=20):
    if can_see_private():
        return duplicates.history(db, limit)
    return [d for d in duplicates.history(db, limit)
            if get_visible_photo(d["photo_a"]) and get_visible_photo(d["photo_b"])]


# ------------------------------------------------------------------- JSON

NO_PAIR = "No such suggestion, or one of its photos is not visible"


@bp.get("/api/review")
@operation("reviewQueue", (shapes.ReviewQueue, "The queue"), query=ReviewQuery, who="archivist")
def queue_api():
    """Open near-duplicate suggestions, duplicates first, closest first"""
    db, private = get_db(), can_see_private()
    return shapes.review_queue(duplicates.open_count(db, include_private=private),
                               duplicates.queue(db, include_private=private, limit=query(ReviewQuery).limit))


@bp.get("/api/review/<int:suggestion_id>")
@operation("reviewPair", (shapes.ReviewPair, "The pair"), errors={404: NO_PAIR}, who="archivist")
def pair_api(suggestion_id):
    """One suggestion: its two photos, their metadata side by side, and any decision"""
    suggestion, a, b = _pair_or_404(suggestion_id)
    return shapes.review_pair(suggestion, a, b, metadata_diff(a, b), links())


@bp.post("/api/review/<int:suggestion_id>/decision")
@operation("decide", (shapes.Decision, "The decision recorded"), status=201, json=shapes.DecisionBody,
           errors={400: "The body is not a decision, or primary_id is not in the group", 404: NO_PAIR,
                   409: "The suggestion was already decided; undo that decision first"},
           who="archivist", write=True)
def decide_api(suggestion_id):
    """Decide a suggestion: the same photograph, another shot, or unrelated"""
    _pair_or_404(suggestion_id)
    asked = body(shapes.DecisionBody)
    try:
        row = duplicates.decide(get_db(), suggestion_id, asked.decision, current_username(), asked.primary_id)
    except duplicates.DecisionError as exc:
        abort(409 if "already decided" in str(exc) else 400, description=str(exc))
    return shapes.Decision.model_validate(row), 201


@bp.post("/api/review/decisions/<int:decision_id>/undo")
@operation("undoDecision", (shapes.Decision, "The decision, now undone"),
           errors={400: "The decision was already undone",
                   404: "No such decision, or one of its photos is not visible"},
           who="archivist", write=True)
def undo_api(decision_id):
    """Withdraw a decision: its suggestion comes back to the queue"""
    undone, _ = _undo_visible(decision_id)
    return shapes.Decision.model_validate(undone)


@bp.get("/api/duplicates")
@operation("duplicateGroups", (shapes.Groups, "The groups"), who="archivist")
def duplicates_api():
    """Every group of duplicates or related shots, confirmed and suggested"""
    groups = duplicates.all_groups(get_db())
    if not can_see_private():
        groups = [g for g in groups if all(get_visible_photo(p["id"]) for p in g["photos"])]
    return shapes.groups(groups)


@bp.get("/api/photos/<int:photo_id>/versions")
@operation("photoVersions", (shapes.Versions, "The group (just the photo when it has no duplicates)"),
           errors={404: "No such photo, or one this request may not see"})
def versions_api(photo_id):
    """The photo's duplicate group: its versions, their merged tags, captions and provenance, and other shots of
    the same poster"""
    if get_visible_photo(photo_id) is None:
        abort(404, description=f"no photo {photo_id}")
    return shapes.versions(versions.versions_of(get_db(), photo_id, include_private=can_see_private()), links())
