"""The review screen for near-duplicate suggestions, and its JSON API."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from archive.catalogue import photos, poster_growth, versions
from archive.contract import review as shapes
from archive.contract.queries import ReviewQuery
from archive.dedup import clusters, reasons
from archive.dedup import decisions as duplicates
from archive.web import (
    archivist_required,
    byte_size,
    can_see_private,
    current_username,
    get_db,
    get_visible_photo,
    words,
)
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


QUEUE_PAGE = 60  # clusters on the queue page


@bp.get("/review")
@archivist_required
def queue_page():
    db, private = get_db(), can_see_private()
    found = clusters.open_clusters(db, include_private=private)
    cards = [_card(db, clusters.proposal(db, c)) for c in found[:QUEUE_PAGE]]
    return render_template(
        "review/queue.html", cards=cards, total=len(found), poster_suggestions=poster_growth.waiting(db, private),
        open_suggestions=duplicates.open_count(db, include_private=private),
        plain_count=len(clusters.plain_copies(db, include_private=private)),
        batches=_recent_batches(db), history=_visible_history(db, 10), decision_labels=words.decisions())


def _card(db, cluster):
    """A cluster as the queue shows it: a few thumbnails, what it holds, why."""
    rows = {r["id"]: r for r in photos.get_photos(db, cluster.photo_ids)}
    marks = [m.mark for m in cluster.members]
    phrases = []
    for member in cluster.members[1:]:
        for phrase in (member.reason.phrases if member.reason else []):
            general = _general(phrase)
            if general not in phrases:
                phrases.append(general)
    return {
        "key": cluster.key, "size": cluster.size, "kind": cluster.kind, "primary": rows[cluster.primary],
        "others": [rows[m.photo_id] for m in cluster.members[1:4]], "more": max(0, cluster.size - 4),
        "same": marks.count("same"), "other": marks.count("other"),
        "confidence": words.confidence(reasons.confidence_words(cluster.confidence)),
        "confidence_class": reasons.confidence_words(cluster.confidence).replace(" ", "-"),  # in the CSS
        "confidence_value": cluster.confidence, "phrases": [words.reason(phrase) for phrase in phrases[:6]],
    }


def _general(phrase):
    """A member's phrase as a cluster card says it: "smaller copy (50 %)" is
    "smaller copies", "cropped by about 8 % on the left" is "cropped"."""
    for start, general in (("smaller copy", "smaller copies"), ("larger copy", "larger copies"),
                           ("cropped", "cropped"), ("shows about", "cropped"), ("saved as", "other formats"),
                           ("turned by about", "straightened"), ("same size", "recompressed"),
                           ("mirrored", "mirrored"), ("turned", "turned"), ("greyscale", "greyscale"),
                           ("in colour", "greyscale")):
        if phrase.startswith(start):
            return general
    return phrase


def _recent_batches(db):
    return [b for b in (clusters.batch_json(db, row["id"]) for row in clusters.recent_batches(db, 5)) if b]


@bp.get("/review/photos/<int:key>")
@archivist_required
def photo_review(key):
    """Where an upload's "review" link goes: the open cluster holding photo `key`."""
    found = clusters.cluster_of(get_db(), key, include_private=can_see_private()) if key < 2**63 else None
    if found is None:
        flash(gettext("Photo %(id)s has nothing left to review.", id=key))
        return redirect(url_for("review.queue_page"))
    return redirect(url_for("review.cluster_page", key=found.key))


@bp.get("/review/clusters/<int:key>")
@archivist_required
def cluster_page(key):
    db = get_db()
    cluster = _cluster_or_404(key)
    chosen = request.args.get("primary", "")
    clusters.proposal(db, cluster, int(chosen) if chosen.isascii() and chosen.isdigit() else None)
    rows = {r["id"]: r for r in photos.get_photos(db, cluster.photo_ids)}
    members = [{
        "photo": rows[m.photo_id], "mark": m.mark, "reason": words.reasons(m.reason.text) if m.reason else "",
        "like": m.like, "confidence": words.confidence(reasons.confidence_words(m.confidence)),
        "confirmed_with": m.confirmed_with,
        "primary": m.photo_id == cluster.primary,
    } for m in cluster.members]
    following = [c.key for c in clusters.open_clusters(db, include_private=can_see_private()) if c.key != cluster.key]
    last = next((b for b in _recent_batches(db) if b["kind"] == "cluster" and not b["undone_at"]
                 and b["decided_by"] == current_username()), None)
    return render_template(
        "review/cluster.html", cluster=cluster, members=members, mark_labels=words.marks(),
        confidence=words.confidence(reasons.confidence_words(cluster.confidence)),
        next_key=following[0] if following else None,
        photo_ids=",".join(map(str, cluster.photo_ids)), last_batch=last)


@bp.post("/review/clusters/<int:key>/decision")
@archivist_required
def cluster_decision_form(key):
    cluster = _cluster_or_404(key)
    form = request.form
    seen = _id_list(form.get("photo_ids", ""))
    marks = {}
    for photo_id in seen if seen is not None else cluster.photo_ids:
        mark = form.get(f"mark-{photo_id}")
        if mark is not None:
            marks[photo_id] = mark
    primary = form.get("primary_id", "")
    primary = int(primary) if primary.isascii() and primary.isdigit() and len(primary) < 19 else None
    if primary in marks:
        marks[primary] = "same"  # keeping a photo as the primary says it is the photograph
    try:
        batch = clusters.decide_cluster(get_db(), key, current_username(), primary, marks, expected=seen,
                                        include_private=can_see_private())
    except clusters.ClusterChanged as exc:
        flash(gettext("Nothing was saved: %(reason)s.", reason=exc))
        return redirect(url_for("review.photo_review", key=key))
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    flash(_saved_message(batch))
    return redirect(_next_cluster_url())


def _saved_message(batch):
    counted = {mark: sum(1 for m in batch["marks"].values() if m == mark) for mark in clusters.MARKS}
    parts = [gettext("%(num)s the same photograph", num=counted["same"])]
    if counted["other"]:
        parts.append(ngettext("%(num)s other shot", "%(num)s other shots", counted["other"]))
    if counted["unrelated"]:
        parts.append(gettext("%(num)s not related", num=counted["unrelated"]))
    return gettext("Saved: %(marks)s (primary photo %(id)s).", marks=", ".join(parts), id=batch["primary_id"])


def _next_cluster_url():
    found = clusters.open_clusters(get_db(), include_private=can_see_private())
    return url_for("review.cluster_page", key=found[0].key) if found else url_for("review.queue_page")


@bp.post("/review/batches/<int:batch_id>/undo")
@archivist_required
def batch_undo_form(batch_id):
    undone = _undo_batch(batch_id)
    flash(ngettext("Undone: the decision taken with it is open for review again.",
                   "Undone: the %(num)s decisions taken together are open for review again.",
                   len(undone["decisions"])))
    target = undone["primary_id"] or next((d["photo_a"] for d in undone["decisions"]), None)
    return redirect(url_for("review.photo_review", key=target) if target else url_for("review.queue_page"))


def _undo_batch(batch_id):
    db = get_db()
    if not 0 < batch_id < 2**63 or clusters.batch_json(db, batch_id) is None:
        abort(404, description=f"no batch {batch_id}")
    try:
        return clusters.undo_batch(db, batch_id, current_username())
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))


@bp.get("/review/plain")
@archivist_required
def plain_page():
    db = get_db()
    found = clusters.plain_copies(db, include_private=can_see_private())
    rows = {r["id"]: r for r in photos.get_photos(db, clusters.photo_ids_of(found))}
    items = [{**s, "copy_photo": rows[s["copy_id"]], "original_photo": rows[s["original_id"]]} for s in found]
    return render_template("review/plain.html", items=items)


@bp.post("/review/plain")
@archivist_required
def plain_accept_form():
    chosen = [int(v) for v in request.form.getlist("suggestion_id") if v.isascii() and v.isdigit() and len(v) < 19]
    if not chosen:
        flash(gettext("Nothing was accepted: no copy was ticked."))
        return redirect(url_for("review.plain_page"))
    try:
        batch = clusters.accept_plain(get_db(), current_username(), chosen, include_private=can_see_private())
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    flash(ngettext("Accepted %(num)s plain copy as the same photograph.",
                   "Accepted %(num)s plain copies as the same photograph.", len(batch["decisions"])))
    return redirect(url_for("review.queue_page"))


def _cluster_or_404(key):
    found = clusters.cluster_of(get_db(), key, include_private=can_see_private()) if key < 2**63 else None
    if found is None:
        abort(404, description=f"no open cluster holds photo {key}")
    return found


def _id_list(text):
    """Photo ids from "14,15,16", or None when there are none or one is not a number."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() and len(p) < 19 for p in parts):
        return None
    return [int(p) for p in parts]


@bp.get("/review/<int:suggestion_id>")
@archivist_required
def pair_page(suggestion_id):
    suggestion, a, b = _pair_or_404(suggestion_id)
    db = get_db()
    members = duplicates.group_members(db, a["id"]) | duplicates.group_members(db, b["id"])
    described = clusters.with_reasons(db, [suggestion])[0]
    return render_template(
        "review/pair.html", suggestion=suggestion, a=a, b=b, diff=words.compared_rows(metadata_diff(a, b)),
        reason=words.reasons(described["reason"]["text"]), copy=described["copy_id"],
        original=described["original_id"],
        confidence=words.confidence(reasons.confidence_words(described["confidence"])),
        suggested_primary=duplicates.choose_primary(db, members),
        next_id=_next_open(after_id=suggestion_id), decision_labels=words.decisions(),
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
    """Open near-duplicate suggestions, duplicates first, closest first; and photos suggested for posters"""
    db, private = get_db(), can_see_private()
    return shapes.review_queue(duplicates.open_count(db, include_private=private), clusters.with_reasons(
        db, duplicates.queue(db, include_private=private, limit=query(ReviewQuery).limit)),
        poster_growth.waiting(db, private), links())


@bp.get("/api/review/<int:suggestion_id>")
@operation("reviewPair", (shapes.ReviewPair, "The pair"), errors={404: NO_PAIR}, who="archivist")
def pair_api(suggestion_id):
    """One suggestion: its two photos, their metadata side by side, and any decision"""
    suggestion, a, b = _pair_or_404(suggestion_id)
    described = clusters.with_reasons(get_db(), [suggestion])[0]
    return shapes.review_pair(described, a, b, metadata_diff(a, b), links())


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


NO_CLUSTER = "No open cluster holds this photo"


@bp.get("/api/review/clusters")
@operation("reviewClusters", (shapes.Clusters, "The open clusters"), query=ReviewQuery, who="archivist")
def clusters_api():
    """Open clusters: photos the matcher linked, to be decided together, most confident first"""
    db, private = get_db(), can_see_private()
    found = clusters.open_clusters(db, include_private=private)
    return shapes.clusters(found[: query(ReviewQuery).limit], duplicates.open_count(db, include_private=private),
                           len(clusters.plain_copies(db, include_private=private)))


@bp.get("/api/review/clusters/<int:key>")
@operation("reviewCluster", (shapes.Cluster, "The cluster, with a proposal for each photo"),
           errors={404: NO_CLUSTER}, who="archivist")
def cluster_api(key):
    """The open cluster holding photo `key` (any of its photos): its photos, the proposed primary, a proposed
    mark for each photo and the reason it was linked, said the way a person would"""
    db = get_db()
    cluster = clusters.proposal(db, _cluster_or_404(key))
    return shapes.cluster(cluster, {r["id"]: r for r in photos.get_photos(db, cluster.photo_ids)}, links())


@bp.post("/api/review/clusters/<int:key>/decision")
@operation("decideCluster", (shapes.Batch, "The decisions recorded, as one batch"), status=201,
           json=shapes.ClusterDecisionBody,
           errors={400: "The body is not a decision, a photo is not in the cluster, or the marks contradict a "
                        "standing decision", 404: NO_CLUSTER,
                   409: "The cluster holds other photos than photo_ids: look at it again"},
           who="archivist", write=True)
def decide_cluster_api(key):
    """Decide a whole cluster at once: which photos are the same photograph as the primary, which are other
    shots, which are unrelated (photos left out keep the proposal). Recorded pair by pair, as one batch"""
    _cluster_or_404(key)
    asked = body(shapes.ClusterDecisionBody)
    try:
        marks = asked.marks()
        batch = clusters.decide_cluster(get_db(), key, current_username(), asked.primary_id, marks,
                                        expected=asked.photo_ids, include_private=can_see_private())
    except clusters.ClusterChanged as exc:
        abort(409, description=str(exc))
    except (duplicates.DecisionError, ValueError) as exc:
        abort(400, description=str(exc))
    return shapes.batch(batch), 201


@bp.post("/api/review/batches/<int:batch_id>/undo")
@operation("undoBatch", (shapes.Batch, "The batch, now undone"),
           errors={400: "The batch was already undone", 404: "No such batch"}, who="archivist", write=True)
def undo_batch_api(batch_id):
    """Undo every decision of a batch (a cluster decided at once, or plain copies accepted at once)"""
    return shapes.batch(_undo_batch(batch_id))


@bp.get("/api/review/plain")
@operation("plainCopies", (shapes.PlainCopies, "What accepting all plain copies would confirm"),
           who="archivist")
def plain_api():
    """The open suggestions that are plain resizes or recompressions: the preview of accepting them all"""
    db = get_db()
    found = clusters.plain_copies(db, include_private=can_see_private())
    rows = {r["id"]: r for r in photos.get_photos(db, clusters.photo_ids_of(found))}
    return shapes.plain_copies(found, rows, links())


@bp.post("/api/review/plain/accept")
@operation("acceptPlainCopies", (shapes.Batch, "The copies confirmed, as one batch"), status=201,
           json=shapes.AcceptPlainBody,
           errors={400: "The body is not a list of suggestion ids, or none of them is an open plain copy"},
           who="archivist", write=True)
def accept_plain_api():
    """Confirm the listed plain copies (as previewed by GET /api/review/plain) as the same photograph, in one
    batch; listed suggestions no longer open or plain are skipped"""
    asked = body(shapes.AcceptPlainBody)
    try:
        batch = clusters.accept_plain(get_db(), current_username(), asked.suggestion_ids,
                                      include_private=can_see_private())
    except duplicates.DecisionError as exc:
        abort(400, description=str(exc))
    return shapes.batch(batch), 201


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
