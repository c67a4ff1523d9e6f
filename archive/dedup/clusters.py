"""The review queue by group: clusters of photos the matcher linked, decided
in one go.

A cluster is a connected set of photos joined by open suggestions (pairs the
matcher found and nobody has decided). Sixteen photos of two scenes make two
clusters of eight, not 56 pairs. A cluster is named by its lowest photo id
(its key), so any member's id finds it.

For each cluster the archive proposes a primary (the best copy) and a mark
for every photo: the same photograph as the primary, another shot of the same
subject, or not related. The archivist changes what is wrong and decides the
whole cluster at once. The decision is still recorded pair by pair in
match_decisions (who, when), as the pair screen records it, so groups,
`duplicates --json` and per-pair undo keep working; the pairs of one cluster
decision share a batch, which can be undone as one.

"Accept all plain copies" is a batch too: every open suggestion that is a
plain resize or recompression (nothing turned, cropped or recoloured, the
hashes nearly equal) confirmed at once, after a preview.
"""

from dataclasses import dataclass, field

from archive import clock
from archive.db import one, write_transaction
from archive.dedup import decisions, generation, matching, reasons
from archive.dedup import lookup as dedup

MARKS = ("same", "other", "unrelated")
MARK_DECISIONS = {("same", "same"): "duplicate", ("other", "same"): "related", ("same", "other"): "related"}


class ClusterChanged(decisions.DecisionError):
    """The cluster is not what the archivist saw: someone decided part of it,
    or a new photo joined it. Nothing was recorded."""


@dataclass
class Member:
    photo_id: int
    mark: str  # the archive's proposal: same | other | unrelated
    reason: reasons.Reason | None  # against the primary, or against `like`
    like: int | None  # the photo the reason compares with, when not the primary
    confidence: float  # the strongest open suggestion linking it, 0-1
    confirmed_with: list = field(default_factory=list)  # already one photograph with these

    def to_json(self):
        return {"photo_id": self.photo_id, "proposed": self.mark, "confidence": self.confidence,
                "reason": self.reason.to_json() if self.reason else None, "compared_with": self.like,
                "confirmed_with": self.confirmed_with}


@dataclass
class Cluster:
    key: int  # the lowest photo id
    photo_ids: list  # sorted
    primary: int  # the proposed primary
    kind: str  # "duplicate" when any open suggestion in it is, else "related"
    confidence: float  # the mean confidence of its open suggestions
    suggestions: list  # the open suggestion rows inside it
    members: list = field(default_factory=list)  # Member, the primary first; filled by proposal()

    @property
    def size(self):
        return len(self.photo_ids)

    def to_json(self):
        return {
            "key": self.key, "photo_ids": self.photo_ids, "primary": self.primary, "kind": self.kind,
            "confidence": self.confidence, "size": self.size,
            "suggestion_ids": [s["id"] for s in self.suggestions],
            "members": [m.to_json() for m in self.members],
        }


# ----------------------------------------------------------------- reading


def open_clusters(db, include_private=True):
    """Every cluster with an open suggestion, most confident first."""
    rows = decisions.open_suggestions(db, include_private)
    groups = decisions.components((r["photo_a"], r["photo_b"]) for r in rows)
    found = [_cluster(db, members, [r for r in rows if r["photo_a"] in members]) for members in groups]
    found.sort(key=lambda c: (-c.confidence, c.key))
    return found


def cluster_of(db, photo_id, include_private=True):
    """The open cluster holding photo_id, or None."""
    for cluster in open_clusters(db, include_private):
        if photo_id in cluster.photo_ids:
            return cluster
    return None


def _cluster(db, members, rows):
    primary = decisions.choose_primary(db, members)
    confidences = [reasons_confidence(r) for r in rows]
    return Cluster(
        key=min(members), photo_ids=sorted(members), primary=primary,
        kind="duplicate" if any(r["kind"] == "duplicate" for r in rows) else "related",
        confidence=round(sum(confidences) / len(confidences), 3), suggestions=rows,
    )


def reasons_confidence(suggestion):
    return matching.confidence(suggestion["kind"], suggestion["phash_distance"], suggestion["dhash_distance"])


def proposal(db, cluster, primary=None):
    """Fill cluster.members: each photo's proposed mark and its reason, against
    the primary (the proposed one, or `primary` when the archivist chose)."""
    primary = primary if primary in cluster.photo_ids else cluster.primary
    rows = {r["id"]: r for r in decisions.photos_by_id(db, cluster.photo_ids)}
    prints = dedup.load_fingerprints(db, cluster.photo_ids)
    confirmed = _confirmed_groups(db)
    # Same photograph: linked to the primary through "duplicate" suggestions
    # or an earlier confirmation; another shot: linked through anything else.
    same_edges = [(s["photo_a"], s["photo_b"]) for s in cluster.suggestions if s["kind"] == "duplicate"]
    for group in {frozenset(g) for g in confirmed.values()}:
        inside = sorted(group & rows.keys())
        same_edges += list(zip(inside, inside[1:]))
    same = next((g for g in decisions.components(same_edges) if primary in g), {primary})
    best = {}
    for s in cluster.suggestions:
        for photo_id, other in ((s["photo_a"], s["photo_b"]), (s["photo_b"], s["photo_a"])):
            if photo_id not in best or reasons_confidence(s) > reasons_confidence(best[photo_id][0]):
                best[photo_id] = (s, other)
    members = []
    for photo_id in [primary] + [i for i in cluster.photo_ids if i != primary]:
        mark = "same" if photo_id in same else "other"
        reason, like = None, None
        if photo_id != primary:
            reason, like = _reason(rows, prints, photo_id, primary, best.get(photo_id))
        group = confirmed.get(photo_id, set())
        members.append(Member(
            photo_id=photo_id, mark=mark, reason=reason, like=like,
            confidence=reasons_confidence(best[photo_id][0]) if photo_id in best else 1.0,
            confirmed_with=sorted(group - {photo_id}),
        ))
    cluster.members = members
    cluster.primary = primary
    return cluster


def _reason(rows, prints, photo_id, primary, best):
    """The photo against the primary when they match directly, else against
    the photo its strongest suggestion links it to."""
    for other in (primary, best[1] if best else None):
        if other is None or photo_id not in prints or other not in prints:
            continue
        verdict = reasons.compare_for_reason(prints[photo_id], prints[other])
        if verdict is not None:
            reason = reasons.explain(verdict, rows[photo_id], rows[other], prints[photo_id], prints[other])
            return reason, (None if other == primary else other)
    if best:
        return reasons.explain_stored(best[0]), (None if best[1] == primary else best[1])
    return None, None


def _confirmed_groups(db):
    """{photo_id: its confirmed group} for every photo in a group."""
    found = {}
    for group in decisions.components(decisions.decided_edges(db, "duplicate")):
        for photo_id in group:
            found[photo_id] = group
    return found


# --------------------------------------------------------------- deciding


def decide_cluster(db, key, who, primary_id=None, marks=None, expected=None, include_private=True):
    """Decide a whole cluster in one batch; returns the batch as JSON.

    marks: {photo_id: "same" | "other" | "unrelated"}; photos left out keep
    the archive's proposal. expected: the photo ids the archivist saw; when
    the cluster has changed since, ClusterChanged and nothing is recorded.

    The pairs recorded: every open suggestion inside the cluster whose answer
    follows from the marks (same-same: the same photograph; same-other: another
    shot; unrelated against the rest: not related; two other shots found as
    other shots of each other: another shot), plus a pair with the primary
    for any photo the suggestions alone would leave out of its group. Two
    photos marked unrelated, or two other shots the matcher took for copies,
    stay open: nothing said here answers that question."""
    marks = dict(marks or {})
    with write_transaction(db):
        cluster = cluster_of(db, key, include_private)
        if cluster is None:
            raise decisions.DecisionError(f"no open cluster holds photo {key}")
        if expected is not None and sorted(set(expected)) != cluster.photo_ids:
            raise ClusterChanged(
                f"the cluster now holds photos {', '.join(map(str, cluster.photo_ids))}; look at it again")
        strangers = sorted(set(marks) - set(cluster.photo_ids))
        if strangers:
            raise decisions.DecisionError(f"photos {', '.join(map(str, strangers))} are not in this cluster")
        bad = sorted({m for m in marks.values() if m not in MARKS})
        if bad:
            raise decisions.DecisionError(f"a mark must be one of {', '.join(MARKS)}, not {bad[0]!r}")
        if primary_id is not None and primary_id not in cluster.photo_ids:
            raise decisions.DecisionError(
                f"the primary must be one of photos {', '.join(map(str, cluster.photo_ids))}")
        proposal(db, cluster, primary_id)
        final = {m.photo_id: marks.get(m.photo_id, m.mark) for m in cluster.members}
        primary = cluster.primary
        if final[primary] != "same":
            raise decisions.DecisionError(f"the primary, photo {primary}, must be marked as the same photograph")
        _check_confirmed_alike(db, final)
        pairs = _pairs_to_record(db, cluster, final, primary)
        if not pairs:
            raise decisions.DecisionError("these marks answer none of the cluster's questions; mark some photos "
                                          "as the same photograph as the primary")
        now = clock.now_iso()
        batch_id = db.execute(
            "INSERT INTO decision_batches (kind, primary_id, decided_by, decided_at) VALUES ('cluster', ?, ?, ?)",
            [primary, who or "", now],
        ).lastrowid
        _insert(db, pairs, primary, who, now, batch_id)
        left_open = [s["id"] for s in cluster.suggestions if _pair(s["photo_a"], s["photo_b"]) not in pairs]
    return batch_json(db, batch_id) | {"marks": {str(k): v for k, v in sorted(final.items())},
                                      "left_open": left_open}


def _check_confirmed_alike(db, final):
    groups = _confirmed_groups(db)
    for photo_id, mark in final.items():
        for other in groups.get(photo_id, ()):
            if other in final and final[other] != mark:
                raise decisions.DecisionError(
                    f"photos {min(photo_id, other)} and {max(photo_id, other)} were confirmed as the same "
                    "photograph earlier: mark them alike, or undo that decision first")


def _pairs_to_record(db, cluster, final, primary):
    """{(a, b): decision} for the batch."""
    pairs = {}
    for s in cluster.suggestions:
        a, b = s["photo_a"], s["photo_b"]
        ma, mb = final[a], final[b]
        if (ma, mb) in MARK_DECISIONS:
            pairs[(a, b)] = MARK_DECISIONS[(ma, mb)]
        elif ma == mb == "other" and s["kind"] == "related":
            pairs[(a, b)] = "related"
        elif "unrelated" in (ma, mb) and ma != mb:
            pairs[(a, b)] = "unrelated"
    # Every photo marked the same joins the primary's group, every other shot
    # its shots: through the pairs above or earlier decisions, else a pair
    # with the primary itself.
    same_links = decisions.decided_edges(db, "duplicate") + [p for p, d in pairs.items() if d == "duplicate"]
    with_primary = next((g for g in decisions.components(same_links) if primary in g), {primary})
    related_links = (decisions.decided_edges(db, "related") + [p for p, d in pairs.items() if d == "related"]
                     + same_links)
    shots = next((g for g in decisions.components(related_links) if primary in g), {primary})
    for photo_id, mark in sorted(final.items()):
        if photo_id == primary:
            continue
        missing = (mark == "same" and photo_id not in with_primary) or (mark == "other" and photo_id not in shots)
        if missing:
            pair = _pair(primary, photo_id)
            standing = decisions.active_decision(db, *pair)
            if standing is not None:
                raise decisions.DecisionError(
                    f"photos {pair[0]} and {pair[1]} were decided as {decisions.DECISION_WORDS[standing['decision']]}"
                    " earlier: undo that decision first")
            pairs[pair] = "duplicate" if mark == "same" else "related"
    return pairs


def _insert(db, pairs, primary, who, now, batch_id):
    for (a, b), decision in sorted(pairs.items()):
        db.execute(
            "INSERT INTO match_decisions (photo_a, photo_b, decision, primary_id, decided_by, decided_at, batch_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [a, b, decision, primary if decision == "duplicate" else None, who or "", now, batch_id],
        )
    if any(d == "duplicate" for d in pairs.values()):
        generation.bump_generation(db)


def _pair(a, b):
    return (a, b) if a < b else (b, a)


# ------------------------------------------------------------ plain copies


def with_reasons(db, suggestions):
    """Suggestion rows with their confidence and reason added: the smaller
    photo against the larger ("smaller copy (50 %)"), as `copy_id` and `original_id`."""
    ids = {i for r in suggestions for i in (r["photo_a"], r["photo_b"])}
    photos = {r["id"]: r for r in decisions.photos_by_id(db, ids)}
    prints = dedup.load_fingerprints(db, ids)
    found = []
    for row in suggestions:
        a, b = row["photo_a"], row["photo_b"]
        small, large = sorted((a, b), key=lambda i: (photos[i]["width"] * photos[i]["height"], -i))
        verdict = (reasons.compare_for_reason(prints[small], prints[large])
                   if small in prints and large in prints else None)
        if verdict is None or verdict.kind != row["kind"]:
            reason = reasons.explain_stored(row)
        else:
            reason = reasons.explain(verdict, photos[small], photos[large], prints[small], prints[large])
        found.append({**row, "copy_id": small, "original_id": large, "reason": reason.to_json(),
                      "confidence": reasons_confidence(row)})
    return found


def photo_ids_of(suggestions):
    """Every photo a list of suggestions names."""
    return {i for s in suggestions for i in (s["photo_a"], s["photo_b"])}


def plain_copies(db, include_private=True):
    """The open "same photograph" suggestions that are plain resizes or
    recompressions, with their reasons, most confident first: what "accept
    all plain copies" would confirm."""
    rows = [r for r in decisions.open_suggestions(db, include_private) if r["kind"] == "duplicate"]
    found = [r for r in with_reasons(db, rows) if r["reason"]["plain"]]
    found.sort(key=lambda r: (-r["confidence"], r["id"]))
    return found


def accept_plain(db, who, suggestion_ids, include_private=True):
    """Confirm the listed plain copies (as previewed) in one batch. A listed
    suggestion that is no longer open or plain is skipped and reported."""
    wanted = list(dict.fromkeys(suggestion_ids))
    with write_transaction(db):
        plain = {r["id"]: r for r in plain_copies(db, include_private)}
        chosen = [plain[i] for i in wanted if i in plain]
        skipped = [i for i in wanted if i not in plain]
        if not chosen:
            raise decisions.DecisionError("none of these suggestions is an open plain copy any more")
        now = clock.now_iso()
        batch_id = db.execute(
            "INSERT INTO decision_batches (kind, decided_by, decided_at) VALUES ('plain', ?, ?)",
            [who or "", now],
        ).lastrowid
        for row in chosen:
            a, b = row["photo_a"], row["photo_b"]
            members = decisions.group_members(db, a) | decisions.group_members(db, b)
            primary = decisions.choose_primary(db, members)
            _insert(db, {(a, b): "duplicate"}, primary, who, now, batch_id)
    return batch_json(db, batch_id) | {"skipped": skipped}


# ----------------------------------------------------------------- batches


def batch_json(db, batch_id):
    row = one(db, "SELECT * FROM decision_batches WHERE id = ?", [batch_id])
    if row is None:
        return None
    found = [dict(r) for r in db.query("SELECT * FROM match_decisions WHERE batch_id = ? ORDER BY id", [batch_id])]
    photo_ids = sorted({i for d in found for i in (d["photo_a"], d["photo_b"])})
    return {**dict(row), "photo_ids": photo_ids, "decisions": found}


def undo_batch(db, batch_id, who):
    """Undo every decision of a batch still standing; the batch is marked undone."""
    with write_transaction(db):
        row = one(db, "SELECT * FROM decision_batches WHERE id = ?", [batch_id])
        if row is None:
            raise decisions.DecisionError(f"no batch {batch_id}")
        if row["undone_at"] is not None:
            raise decisions.DecisionError(f"batch {batch_id} was already undone")
        now = clock.now_iso()
        standing = db.execute(
            "SELECT decision FROM match_decisions WHERE batch_id = ? AND undone_at IS NULL", [batch_id]
        ).fetchall()
        db.execute("UPDATE match_decisions SET undone_at = ?, undone_by = ? WHERE batch_id = ? AND undone_at IS NULL",
                   [now, who or "", batch_id])
        db.execute("UPDATE decision_batches SET undone_at = ?, undone_by = ? WHERE id = ?", [now, who or "", batch_id])
        if any(d == "duplicate" for (d,) in standing):
            generation.bump_generation(db)
    return batch_json(db, batch_id)


def recent_batches(db, limit=10):
    return [dict(r) for r in db.query("SELECT * FROM decision_batches ORDER BY id DESC LIMIT ?", [limit])]
