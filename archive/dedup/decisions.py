"""Suggestions, archivists' decisions and the groups they make.

A suggestion is one pair of photos the matcher found (`duplicate` or
`related`). An archivist decides a pair once: the same photograph (with a
primary), another shot of the same poster, or not related. Every decision is
kept with who made it and when; undoing one marks it undone rather than
deleting it, and a pair with a standing decision is never suggested again.

Groups are not stored: they are the connected photos of the standing
decisions (confirmed) or of the open suggestions (suggested), so a merge or
an undo can never leave a group table out of step. Nothing is deleted: the
members of a duplicate group stay photos of their own, reachable from the
primary as versions.
"""

import json

from archive import clock
from archive.db import in_chunks, one, write_transaction
from archive.dedup import generation

KINDS = ("duplicate", "related")
DECISIONS = ("duplicate", "related", "unrelated")
# Each decision in words, for messages and screens.
DECISION_WORDS = {
    "duplicate": "the same photograph",
    "related": "another shot of the same poster",
    "unrelated": "not related",
}
# Fields whose presence makes one copy's metadata richer than another's.
METADATA_FIELDS = (
    "title", "caption", "transcription", "taken_at", "camera_make", "camera_model", "lens",
    "exposure_time", "f_number", "iso", "focal_length", "gps_lat",
)


class DecisionError(ValueError):
    """A decision that cannot be taken, with a message for the archivist."""


def _pair(a, b):
    return (a, b) if a < b else (b, a)


def active_decision(db, a, b):
    a, b = _pair(a, b)
    return one(db, "SELECT * FROM match_decisions WHERE photo_a = ? AND photo_b = ?"
                    " AND undone_at IS NULL ORDER BY id DESC LIMIT 1", [a, b])


def suggest(db, photo_id, other_id, verdict):
    """Store a suggestion unless the pair is already suggested or decided."""
    a, b = _pair(photo_id, other_id)
    if active_decision(db, a, b) is not None:
        return False
    cursor = db.execute(
        "INSERT OR IGNORE INTO match_suggestions (photo_a, photo_b, kind, phash_distance,"
        " dhash_distance, alignment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [a, b, verdict.kind, verdict.phash_distance, verdict.dhash_distance, verdict.alignment,
         clock.now_iso()],
    )
    return cursor.rowcount == 1


# ------------------------------------------------------------------ queue

_OPEN = (
    " FROM match_suggestions s"
    " JOIN photos pa ON pa.id = s.photo_a JOIN photos pb ON pb.id = s.photo_b"
    " WHERE NOT EXISTS (SELECT 1 FROM match_decisions d WHERE d.photo_a = s.photo_a"
    "   AND d.photo_b = s.photo_b AND d.undone_at IS NULL)"
    "   AND (? OR (pa.is_public = 1 AND pb.is_public = 1))"
)


def _open_rows(db, include_private):
    """Open suggestions, best first, less those whose two photos already sit
    in one confirmed group: that question was answered through the others."""
    rows = [dict(row) for row in db.query(
        "SELECT s.*" + _OPEN + " ORDER BY s.kind = 'related', s.phash_distance + s.dhash_distance, s.id",
        [int(include_private)],
    )]
    group_of = {}
    for number, members in enumerate(components(decided_edges(db, "duplicate"))):
        for photo_id in members:
            group_of[photo_id] = number
    return [r for r in rows if group_of.get(r["photo_a"], -1) != group_of.get(r["photo_b"], -2)]


# Open counts by database file, with the state they were counted at: the
# number sits on every archivist's page, and counting means finding every
# group, so it is counted again only once a suggestion, a decision, an undo
# or a deletion (which bumps the generation) has changed what is open.
_open_counts = {}


def open_suggestions(db, include_private=True):
    """Every open suggestion, best first (see _open_rows)."""
    return _open_rows(db, include_private)


def open_count(db, include_private=True):
    """How many suggestions wait for a decision."""
    return _counted(db, include_private)[0]


def open_group_count(db, include_private=True):
    """How many groups of linked photos (the review queue's clusters) wait."""
    return _counted(db, include_private)[1]


def _counted(db, include_private):
    """(open suggestions, groups they make), counted once per state."""
    if not include_private:  # visibility is not in the state below
        return _count(_open_rows(db, include_private))
    state = db.execute(
        "SELECT (SELECT max(id) FROM match_suggestions), (SELECT max(id) FROM match_decisions),"
        " (SELECT count(*) FROM match_decisions WHERE undone_at IS NOT NULL)").fetchone()
    key = (tuple(state), generation.current(db))
    where = db.execute("PRAGMA database_list").fetchone()[2]
    cached = _open_counts.get(where)
    if cached is None or cached[0] != key:
        cached = _open_counts[where] = (key, _count(_open_rows(db, include_private)))
    return cached[1]


def _count(rows):
    return len(rows), len(components((r["photo_a"], r["photo_b"]) for r in rows))


def queue(db, include_private=True, limit=50, offset=0):
    """Open suggestions, duplicates first, closest first."""
    return _open_rows(db, include_private)[offset : offset + limit]


def get_suggestion(db, suggestion_id):
    row = one(db, "SELECT * FROM match_suggestions WHERE id = ?", [suggestion_id])
    if row is None:
        return None
    suggestion = dict(row)
    decision = active_decision(db, row["photo_a"], row["photo_b"])
    suggestion["decision"] = dict(decision) if decision else None
    return suggestion


# -------------------------------------------------------------- decisions


def decide(db, suggestion_id, decision, who, primary_id=None):
    """Record an archivist's decision on a suggestion; returns the decision row."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}")
    with write_transaction(db):
        suggestion = get_suggestion(db, suggestion_id)
        if suggestion is None:
            raise DecisionError(f"no suggestion {suggestion_id}")
        if suggestion["decision"] is not None:
            raise DecisionError(f"suggestion {suggestion_id} was already decided; undo that decision first")
        pair = (suggestion["photo_a"], suggestion["photo_b"])
        if decision != "duplicate":
            primary_id = None
        elif primary_id is None:
            primary_id = choose_primary(db, group_members(db, pair[0]) | group_members(db, pair[1]))
        else:
            members = group_members(db, pair[0]) | group_members(db, pair[1])
            if primary_id not in members:
                raise DecisionError(f"the primary must be one of photos {', '.join(map(str, sorted(members)))}")
        decision_id = db.execute(
            "INSERT INTO match_decisions (photo_a, photo_b, decision, primary_id, decided_by, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [*pair, decision, primary_id, who or "", clock.now_iso()],
        ).lastrowid
        if decision == "duplicate":
            generation.bump_generation(db)
    return dict(one(db, "SELECT * FROM match_decisions WHERE id = ?", [decision_id]))


def undo(db, decision_id, who):
    """Withdraw a decision: the pair's suggestion comes back to the queue."""
    with write_transaction(db):
        row = one(db, "SELECT * FROM match_decisions WHERE id = ?", [decision_id])
        if row is None:
            raise DecisionError(f"no decision {decision_id}")
        if row["undone_at"] is not None:
            raise DecisionError(f"decision {decision_id} was already undone")
        db.execute("UPDATE match_decisions SET undone_at = ?, undone_by = ? WHERE id = ?",
                   [clock.now_iso(), who or "", decision_id])
        if row["decision"] == "duplicate":
            generation.bump_generation(db)
    return dict(one(db, "SELECT * FROM match_decisions WHERE id = ?", [decision_id]))


def get_decision(db, decision_id):
    """One decision, undone or not, or None."""
    if not 0 < decision_id < 2**63:  # past SQLite's integers: no such decision
        return None
    return one(db, "SELECT * FROM match_decisions WHERE id = ?", [decision_id])


def suggestion_of(db, photo_a, photo_b):
    """The id of the suggestion for a pair of photos, or None."""
    row = one(db, "SELECT id FROM match_suggestions WHERE photo_a = ? AND photo_b = ?", _pair(photo_a, photo_b))
    return row["id"] if row else None


def history(db, limit=50):
    """The latest decisions, undone ones included, newest first."""
    return [dict(r) for r in db.query("SELECT * FROM match_decisions ORDER BY id DESC LIMIT ?", [limit])]


# ------------------------------------------------------------------ groups


def components(edges):
    """The groups of two or more photos that edges join (union-find with path halving)."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return [members for members in groups.values() if len(members) > 1]


def decided_edges(db, decision):
    """The (photo_a, photo_b) pairs with a standing decision of this kind."""
    return db.execute(
        "SELECT photo_a, photo_b FROM match_decisions WHERE decision = ? AND undone_at IS NULL",
        [decision],
    ).fetchall()


def _open_edges(db, kind):
    return [(r["photo_a"], r["photo_b"]) for r in _open_rows(db, True) if r["kind"] == kind]


def group_members(db, photo_id):
    """The photos confirmed as the same photograph as photo_id, itself included."""
    for members in components(decided_edges(db, "duplicate")):
        if photo_id in members:
            return members
    return {photo_id}


def duplicate_photo_ids(db, among=None):
    """Every photo in a group of copies of one photograph, confirmed by an
    archivist or found by the archive and not yet decided (search's is:duplicate).

    among(photo_id) -> bool: count only pairs of photos it accepts, so a
    visitor's search never learns that a public photo has a private copy."""
    edges = list(decided_edges(db, "duplicate")) + _open_edges(db, "duplicate")
    if among is not None:
        edges = [(a, b) for a, b in edges if among(a) and among(b)]
    return set().union(*components(edges)) if edges else set()


def neighbour_ids(db, photo_id):
    """The other versions of a photo and its confirmed other shots."""
    members = group_members(db, photo_id)
    return (members | other_shot_ids(db, members)) - {photo_id}


def choose_primary(db, photo_ids):
    """The best copy: the most pixels, then in colour rather than a greyscale
    copy, then the richest metadata, then the earliest upload. File size is
    no measure: re-encodes are often larger."""
    rows = _photos(db, photo_ids)
    grey = _greyscale(db, [row["id"] for row in rows])

    def quality(row):
        richness = sum(1 for name in METADATA_FIELDS if row[name] not in (None, ""))
        return (-(row["width"] * row["height"]), row["id"] in grey, -richness, row["uploaded_at"], row["id"])

    return min(rows, key=quality)["id"]


# Mean saturation (the colour signature's last value) of a greyscale copy.
GREY_SATURATION = 0.03


def _greyscale(db, photo_ids):
    """The photos among photo_ids whose fingerprint says they have no colour."""
    rows = in_chunks(db, "SELECT photo_id, colour FROM photo_fingerprints WHERE photo_id IN ({marks})", photo_ids)
    return {row["photo_id"] for row in rows if (json.loads(row["colour"]) or [1])[-1] < GREY_SATURATION}


def _confirmed_primary(db, members):
    """The primary an archivist picked last for this group, if still a member."""
    marks = ", ".join("?" for _ in members)  # placeholders only
    ids = sorted(members)
    row = one(
        db,
        "SELECT primary_id FROM match_decisions WHERE decision = 'duplicate' AND undone_at IS NULL"
        f" AND primary_id IS NOT NULL AND photo_a IN ({marks}) ORDER BY id DESC LIMIT 1",
        ids,
    )
    if row is not None and row["primary_id"] in members:
        return row["primary_id"]
    return choose_primary(db, members)


def all_groups(db):
    """Every group of two or more photos, confirmed and suggested, as the
    `duplicates --json` contract prints them."""
    groups = []
    for kind in KINDS:
        for members in components(decided_edges(db, kind)):
            primary = _confirmed_primary(db, members) if kind == "duplicate" else choose_primary(db, members)
            groups.append(_group_json(db, kind, "confirmed", primary, members))
        for members in components(_open_edges(db, kind)):
            groups.append(_group_json(db, kind, "suggested", choose_primary(db, members), members))
    groups.sort(key=lambda g: (g["kind"], g["state"], g["primary"]))
    return groups


def _group_json(db, kind, state, primary, members):
    rows = sorted(_photos(db, members), key=lambda r: (r["id"] != primary, r["id"]))
    return {
        "kind": kind,
        "state": state,
        "primary": primary,
        "photos": [{"id": r["id"], "original_filename": r["original_filename"], "sha256": r["sha256"]}
                   for r in rows],
    }


def other_shot_ids(db, members):
    """Photos confirmed as other shots of the same poster as any of members
    (with their own copies), members themselves left out."""
    related = set()
    for members_related in components(decided_edges(db, "related")):
        if members_related & members:
            for other in members_related - members:
                related |= group_members(db, other)
    return related - members


def primary_of(db, members):
    """The group's confirmed primary, or the first member for a lone photo."""
    return _confirmed_primary(db, members) if len(members) > 1 else min(members)


def photos_by_id(db, photo_ids):
    """The photo rows of photo_ids, in id order."""
    return _photos(db, photo_ids)


def _photos(db, photo_ids):
    """The rows of photo_ids, for choosing among them (the repository,
    catalogue/photos.py, sits above this package and reads them for showing)."""
    return [dict(row) for row in in_chunks(db, "SELECT * FROM photos WHERE id IN ({marks})", sorted(photo_ids))]
