"""Stacks: the confirmed copies of one photograph, shown as one item.

A stack is a duplicate group an archivist confirmed (decisions.py): its
members are the photos of one connected group of standing "duplicate"
decisions, and its primary is the one decisions.primary_of names. Search
uses stacks to show each group once (archive/search/engine.py); nothing is
stored for them, so a decision or an undo restacks at once.

Finding them means reading every standing decision, so each process keeps
the answer until the dedup generation moves: every duplicate decision,
undo, deletion and rescan bumps it (generation.py), and nothing else can
change a group or its primary.
"""

import threading
from dataclasses import dataclass

import numpy as np

from archive.dedup import decisions, generation


@dataclass(frozen=True)
class Stacks:
    """Every photo in a confirmed group of two or more, sorted by id, with
    the primary of its group."""

    ids: np.ndarray  # int64, sorted
    primary: np.ndarray  # int64, the primary of ids[i]
    stamp: object = None  # what they were found at (the database and its dedup generation)

    def __len__(self):
        return len(self.ids)

    def primary_of(self, photo_id):
        at = np.searchsorted(self.ids, photo_id)
        return int(self.primary[at]) if at < len(self.ids) and self.ids[at] == photo_id else None


EMPTY = Stacks(np.zeros(0, np.int64), np.zeros(0, np.int64))

_cache = {}
_lock = threading.Lock()


def current(db):
    """The stacks as the database holds them now (cached per data directory
    until the dedup generation moves)."""
    key = db.execute("PRAGMA database_list").fetchone()[2] or id(db)
    stamp = generation.current(db)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    stacks = find(db)
    stacks = Stacks(stacks.ids, stacks.primary, stamp=(key, stamp))
    with _lock:
        if len(_cache) >= 8 and key not in _cache:  # one per data directory; tests make many
            _cache.pop(next(iter(_cache)))
        _cache[key] = (stamp, stacks)
    return stacks


def find(db):
    """The stacks, from the standing duplicate decisions in one read."""
    rows = db.execute(
        "SELECT id, photo_a, photo_b, primary_id FROM match_decisions"
        " WHERE decision = 'duplicate' AND undone_at IS NULL ORDER BY id").fetchall()
    if not rows:
        return EMPTY
    groups = decisions.components([(a, b) for _, a, b, _ in rows])
    group_of = {photo: number for number, members in enumerate(groups) for photo in members}
    # The primary an archivist picked last for each group, as primary_of reads it.
    latest = {}
    for _, a, _, primary in rows:
        if primary is not None:
            latest[group_of[a]] = primary
    ids, primaries = [], []
    for number, members in enumerate(groups):
        primary = latest.get(number)
        if primary not in members:
            primary = decisions.choose_primary(db, members)
        ids.extend(members)
        primaries.extend([primary] * len(members))
    order = np.argsort(np.asarray(ids, np.int64), kind="stable")
    return Stacks(np.asarray(ids, np.int64)[order], np.asarray(primaries, np.int64)[order])
