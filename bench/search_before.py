"""Today's design before the shared index, kept for bench/search.py to
measure against in the same run: each process builds its own in-memory
index from SQLite on its first search (every photo's arrays and tag pairs),
catches up from the change log, sorts every hit and counts facets over
every tag pair; full text is an FTS5 MATCH whose row ids come back as one
string. Same answers as archive.search.engine, by another road.
"""

import contextlib
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from search_oracle import fts_expression  # noqa: E402

from archive.catalogue import tags  # noqa: E402
from archive.catalogue.photos import Page  # noqa: E402
from archive.dedup import decisions as duplicates  # noqa: E402
from archive.search.engine import rows_for  # noqa: E402
from archive.search.fulltext import last_change, refresh_fts  # noqa: E402
from archive.search.query import (  # noqa: E402
    And,
    Camera,
    Has,
    Is,
    Not,
    Or,
    QueryError,
    Tag,
    Taken,
    Text,
    narrowed,
    parse,
    quote_value,
)

# Facets whose tags are counted beside results; year and camera come from photos.
TAG_FACETS = ("set", "subject", "film", "trip")
# A photo without a tag in these is "untagged": its trip tag comes from import.
DESCRIPTIVE_FACETS = ("set", "subject", "film", "place", "keyword")
NO_TIME = np.iinfo(np.int64).max
_EPOCH = datetime(1970, 1, 1)

_cache = {}
_lock = threading.Lock()


def epoch_seconds(iso):
    """Seconds since 1970 for an ISO time, read as written (zones dropped); None if unreadable."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return int((moment - _EPOCH).total_seconds())


class Snapshot:
    """Arrays indexed by photo id, and (tag, photo) pairs sorted by tag."""

    def __init__(self):
        self.through = 0
        self.size = 1
        self.exists = np.zeros(1, bool)
        self.public = np.zeros(1, bool)
        self.taken = np.full(1, NO_TIME, np.int64)
        self.uploaded = np.zeros(1, np.int64)
        self.year = np.zeros(1, np.int32)
        self.camera = np.full(1, -1, np.int32)
        self.flags = {name: np.zeros(1, bool) for name in PHOTO_FLAGS}
        self.cameras = []  # code -> (lowercase "make model", label)
        self.camera_codes = {}
        self.pair_keys = np.zeros(0, np.int64)  # tag << 32 | photo, sorted, unique
        self.pt_tag = np.zeros(0, np.int32)
        self.pt_photo = np.zeros(0, np.int32)
        self.tag_offsets = np.zeros(1, np.int64)
        self.tag_facet = {}
        self.untagged = np.zeros(1, bool)

    # -- reading -------------------------------------------------------------

    def photos_with_tags(self, tag_ids):
        """Mask of photos carrying any of tag_ids (pairs already include ancestors)."""
        mask = np.zeros(self.size, bool)
        for tag_id in tag_ids:
            if 0 <= tag_id < len(self.tag_offsets) - 1:
                mask[self.pt_photo[self.tag_offsets[tag_id] : self.tag_offsets[tag_id + 1]]] = True
        return mask

    def tag_counts(self, mask):
        """How many photos in mask carry each tag (ancestors counted through their children)."""
        return np.bincount(self.pt_tag[mask[self.pt_photo]], minlength=len(self.tag_offsets) - 1)

    def id_mask(self, ids):
        mask = np.zeros(self.size, bool)
        ids = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), np.int64)
        ids = ids[(ids >= 0) & (ids < self.size)]
        mask[ids] = True
        return mask

    # -- building ------------------------------------------------------------

    def copy(self):
        other = Snapshot.__new__(Snapshot)
        other.__dict__.update(self.__dict__)
        other.flags = dict(self.flags)
        other.cameras = list(self.cameras)
        other.camera_codes = dict(self.camera_codes)
        return other

    def _grow(self, size):
        if size <= self.size:
            return
        extra = size - self.size

        def grown(array, fill):
            return np.concatenate([array, np.full(extra, fill, array.dtype)])

        self.exists, self.public = grown(self.exists, False), grown(self.public, False)
        self.taken, self.uploaded = grown(self.taken, NO_TIME), grown(self.uploaded, 0)
        self.year, self.camera = grown(self.year, 0), grown(self.camera, -1)
        self.flags = {name: grown(array, False) for name, array in self.flags.items()}
        self.untagged = grown(self.untagged, False)
        self.size = size

    def _load_photos(self, db, ids=None):
        """(Re)read photo columns: all photos, or those in ids (rows gone are cleared)."""
        columns = ("SELECT id, is_public, taken_at, uploaded_at, camera_make, camera_model,"
                   " gps_lat IS NOT NULL AND gps_lon IS NOT NULL, title != '', caption != '',"
                   " transcription != '', taken_at IS NOT NULL FROM photos")
        if ids is None:
            rows = db.execute(columns).fetchall()
        else:
            rows = []
            for start in range(0, len(ids), 500):
                chunk = [int(i) for i in ids[start : start + 500]]
                marks = ",".join("?" * len(chunk))
                rows.extend(db.execute(columns + f" WHERE id IN ({marks})", chunk).fetchall())
            top = max([int(i) for i in ids] + [0])
            self._grow(top + 1)
            for array in (self.exists, self.public, self.untagged, *self.flags.values()):
                array[np.asarray(ids, np.int64)] = False
            self.taken[np.asarray(ids, np.int64)] = NO_TIME
            self.year[np.asarray(ids, np.int64)] = 0
            self.camera[np.asarray(ids, np.int64)] = -1
        if rows:
            self._grow(max(row[0] for row in rows) + 1)
        for row in rows:
            photo_id, is_public, taken_at, uploaded_at, make, model = row[:6]
            self.exists[photo_id] = True
            self.public[photo_id] = bool(is_public)
            taken = epoch_seconds(taken_at)
            self.taken[photo_id] = NO_TIME if taken is None else taken
            self.year[photo_id] = int(taken_at[:4]) if taken is not None else 0
            self.uploaded[photo_id] = epoch_seconds(uploaded_at) or 0
            self.camera[photo_id] = self._camera_code(make, model)
            for name, value in zip(PHOTO_FLAGS, row[6:]):
                self.flags[name][photo_id] = bool(value)

    def _camera_code(self, make, model):
        from archive.catalogue.photos import camera_label

        label = camera_label({"camera_make": make, "camera_model": model})
        if not label:
            return -1
        key = (make or "", model or "")
        if key not in self.camera_codes:
            self.camera_codes[key] = len(self.cameras)
            self.cameras.append((f"{make or ''} {model or ''}".lower(), label))
        return self.camera_codes[key]

    def _pairs(self, db, ids=None):
        """(tag << 32 | photo) keys of photo_tags, each tag also counted for its ancestors."""
        sql = "SELECT tag_id, photo_id FROM photo_tags"
        if ids is None:
            flat = np.fromiter((v for row in db.execute(sql) for v in row), np.int64)
        else:
            values = []
            for start in range(0, len(ids), 500):
                chunk = [int(i) for i in ids[start : start + 500]]
                marks = ",".join("?" * len(chunk))
                values.extend(v for row in db.execute(sql + f" WHERE photo_id IN ({marks})", chunk)
                              for v in row)
            flat = np.asarray(values, np.int64)
        tags, photos = flat[0::2], flat[1::2]
        keys = [(tags << 32) | photos]
        level = tags
        for _ in range(4):  # the vocabulary keeps sets at most three levels deep
            inside = level < len(self.parent_of)
            level, photos = level[inside], photos[inside]
            level = self.parent_of[level]
            has_parent = level >= 0
            level, photos = level[has_parent], photos[has_parent]
            if not len(level):
                break
            keys.append((level << 32) | photos)
        return np.concatenate(keys)

    def _load_vocabulary(self, db):
        rows = db.execute("SELECT id, parent_id, facet FROM tags").fetchall()
        top = max([row[0] for row in rows] + [0])
        self.parent_of = np.full(top + 1, -1, np.int64)
        self.tag_facet = {}
        for tag_id, parent_id, facet in rows:
            self.tag_facet[tag_id] = facet
            if parent_id is not None:
                self.parent_of[tag_id] = parent_id
        self.tag_top = top

    def _set_pairs(self, keys):
        # Sort and drop repeats by hand: np.unique hashes, which is slower here.
        keys = np.sort(keys)
        if len(keys):
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        self.pair_keys = keys
        self.pt_tag = (self.pair_keys >> 32).astype(np.int32)
        self.pt_photo = (self.pair_keys & 0xFFFFFFFF).astype(np.int32)
        # Pairs of photos that no longer exist are dropped with their rows.
        counts = np.bincount(self.pt_tag, minlength=self.tag_top + 1) if len(self.pt_tag) else \
            np.zeros(self.tag_top + 1, np.int64)
        self.tag_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        descriptive = np.zeros(max(self.tag_top, int(self.pt_tag.max(initial=0))) + 1, bool)
        descriptive[[t for t, f in self.tag_facet.items() if f in DESCRIPTIVE_FACETS]] = True
        tagged = np.zeros(self.size, bool)
        if len(self.pt_photo):
            tagged[self.pt_photo[descriptive[self.pt_tag]]] = True
        self.untagged = self.exists & ~tagged

    @classmethod
    def build(cls, db, through):
        snap = cls()
        snap._load_vocabulary(db)
        snap._load_photos(db)
        snap._set_pairs(snap._pairs(db))
        snap.through = through
        return snap

    def updated(self, db, changed, through):
        snap = self.copy()
        snap._load_vocabulary(db)
        changed = np.unique(np.asarray(changed, np.int64))
        for name in ("exists", "public", "taken", "uploaded", "year", "camera", "untagged"):
            setattr(snap, name, getattr(self, name).copy())
        snap.flags = {name: array.copy() for name, array in self.flags.items()}
        snap._load_photos(db, changed)
        kept = self.pair_keys[~np.isin(self.pair_keys & 0xFFFFFFFF, changed)]
        snap._set_pairs(np.concatenate([kept, snap._pairs(db, changed)]))
        snap.through = through
        return snap


PHOTO_FLAGS = ("gps", "title", "caption", "transcription", "date")


@contextlib.contextmanager
def _read_transaction(db):
    """One consistent view of the database while the index reads it."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    finally:
        db.conn.execute("COMMIT")


def snapshot(db):
    """The current index of this database, caught up with its change log."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    # The inode too: a database deleted and made again at the same path is new.
    key = (path, os.stat(path).st_ino if path else id(db))
    with _lock:
        snap = _cache.get(key)
        with _read_transaction(db):
            last = last_change(db)
            if snap is not None and snap.through == last:
                return snap
            if snap is not None and snap.through > last:
                snap = None
            pruned = db.execute(
                "SELECT value FROM search_state WHERE key = 'pruned_through'").fetchone()[0]
            changed = None
            if snap is not None and snap.through >= pruned:
                changed = [row[0] for row in db.execute(
                    "SELECT DISTINCT photo_id FROM search_changes WHERE id > ? AND id <= ?",
                    [snap.through, last])]
                if len(changed) > max(2000, int(snap.exists.sum()) // 4):
                    changed = None
            snap = Snapshot.build(db, last) if changed is None else snap.updated(db, changed, last)
        if len(_cache) >= 8 and key not in _cache:  # one per data directory; tests make many
            _cache.pop(next(iter(_cache)))
        _cache[key] = snap
        return snap


SORTS = {
    "relevance": "Relevance",
    "newest": "Newest upload",
    "oldest": "Oldest upload",
    "taken": "Date taken, earliest first",
    "taken-desc": "Date taken, latest first",
}
FACETS = ("set", "subject", "film", "trip", "year", "camera")
FACET_LIMIT = 30
_ID_BITS = 23  # photo ids below 8 million fit beside a time in one sort key

@dataclass
class SearchResult:
    query: str
    sort: str
    page: Page  # items: photo rows, each with "tags": {facet: [tag rows]}
    facets: dict = field(default_factory=dict)


def search(db, query="", page=1, per_page=48, sort="relevance", include_private=False,
           with_facets=True):
    """One page of the photos a query finds, and facet counts over all of them.

    Raises QueryError (a message for a person) for a query it cannot run."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    ids, mask, snap = _matching(db, query, sort, include_private)
    start = (page - 1) * per_page
    chosen = ids[start : start + per_page]
    result = SearchResult(query=query or "", sort=sort,
                          page=Page(items=rows_for(db, chosen), page=page, per_page=per_page,
                                    total=len(ids)))
    if with_facets:
        result.facets = facet_counts(db, snap, mask, query)
    return result


def tags_with_counts(db, facet, include_private=False):
    """Every tag of a facet with its count of photos, the same counts the
    search facets show, so a browse page and a facet never disagree."""
    result = search(db, "", per_page=1, include_private=include_private)
    counts = {entry["value"]: entry["count"] for entry in result.facets[facet]}
    rows = [dict(row) for row in db.query("SELECT * FROM tags WHERE facet = ? ORDER BY slug", [facet])]
    for row in rows:
        row["count"] = counts.get(row["slug"], 0)
    return rows


def search_ids(db, query="", sort="relevance", include_private=False):
    """Every matching photo id, in order (for exports)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
    return _matching(db, query, sort, include_private)[0]


def _matching(db, query, sort, include_private):
    tree = parse(query)
    refresh_fts(db)
    snap = snapshot(db)
    evaluator = _Evaluator(db, snap, ranked=sort == "relevance")
    mask = evaluator.mask(tree, positive=True) if tree is not None else snap.exists.copy()
    mask &= snap.exists
    if not include_private:
        mask &= snap.public
    ids = np.flatnonzero(mask)
    return _ordered(ids, snap, sort, evaluator.scores), mask, snap


class _Evaluator:
    """Each node of the tree becomes a mask over photo ids."""

    def __init__(self, db, snap, ranked):
        self.db, self.snap, self.ranked = db, snap, ranked
        self.scores = None  # relevance of positive text terms (higher is better)

    def mask(self, node, positive):
        snap = self.snap
        if isinstance(node, And):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                out &= self.mask(item, positive)
            return out
        if isinstance(node, Or):
            out = self.mask(node.items[0], positive)
            for item in node.items[1:]:
                out |= self.mask(item, positive)
            return out
        if isinstance(node, Not):
            return ~self.mask(node.item, not positive)
        if isinstance(node, Text):
            return self._text(node, positive)
        if isinstance(node, Tag):
            row = tags.find_tag(self.db, node.facet, node.value)
            if row is None:
                raise QueryError(f"no {node.facet} tag called {node.value!r}")
            return snap.photos_with_tags([row["id"]])
        if isinstance(node, Taken):
            out = snap.taken != NO_TIME
            if node.start:
                out &= snap.taken >= epoch_seconds(node.start)
            if node.end:
                out &= snap.taken < epoch_seconds(node.end)
            return out
        if isinstance(node, Camera):
            needle = node.text.lower()
            codes = [code for code, (text, label) in enumerate(snap.cameras)
                     if needle in text or needle in label.lower()]
            return np.isin(snap.camera, codes)
        if isinstance(node, Is):
            if node.what == "untagged":
                return snap.untagged.copy()
            if node.what == "public":
                return snap.public.copy()
            if node.what == "private":
                return snap.exists & ~snap.public
            return self._duplicates()
        if isinstance(node, Has):
            return snap.flags[node.what].copy()
        raise TypeError(f"unknown query node {node!r}")

    def _text(self, node, positive):
        expression = fts_expression(node.text, node.phrase)
        if expression is None:  # only punctuation: it asks for nothing
            return self.snap.exists.copy()
        mask = self.snap.id_mask(self._rowids(node, expression))
        if positive and self.ranked:
            # See search_text.py: 3 for a word in a title or tags, else 1.
            if self.scores is None:
                self.scores = np.zeros(self.snap.size, np.int32)
            self.scores += mask
            head = self.snap.id_mask(self._rowids(node, fts_expression(
                node.text, node.phrase, head=True)))
            self.scores += 2 * (head & mask)
        return mask

    def _rowids(self, node, expression):
        # One string instead of a row per match: building Python rows for
        # tens of thousands of matches costs more than the match itself.
        try:
            text = self.db.execute(
                "SELECT group_concat(rowid) FROM photos_fts WHERE photos_fts MATCH ?",
                [expression]).fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise QueryError(f"cannot search for {node.text!r} ({exc})") from None
        return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)

    def _duplicates(self):
        return self.snap.id_mask(sorted(duplicates.duplicate_photo_ids(self.db)))


def _ordered(ids, snap, sort, scores):
    if sort == "relevance" and scores is not None:
        # Best text match first, equal scores newest upload first, in one key:
        # scores stay below 2**8 (3 a term), upload times below 2**31.
        uploaded = np.clip(snap.uploaded[ids], 0, (1 << 31) - 1)
        keys = -((scores[ids].astype(np.int64) << 54) + (uploaded << _ID_BITS) + ids)
    elif sort in ("relevance", "newest"):
        keys = -((snap.uploaded[ids] << _ID_BITS) + ids)
    elif sort == "oldest":
        keys = (snap.uploaded[ids] << _ID_BITS) + ids
    else:
        taken = snap.taken[ids]
        missing = taken == NO_TIME
        # Undated photos go last either way.
        taken = np.where(missing, 0, taken)
        keys = (taken << _ID_BITS) + ids
        if sort == "taken-desc":
            keys = -keys
        keys = np.where(missing, np.iinfo(np.int64).max - (1 << _ID_BITS) + ids, keys)
    return ids[np.argsort(keys, kind="stable")]


def facet_counts(db, snap, mask, query):
    """{facet: [{"value", "label", "label_ko", "count", "query"}]} over every matching photo."""
    counts = snap.tag_counts(mask)
    by_facet = {facet: [] for facet in FACETS}
    wanted = [int(t) for t in np.flatnonzero(counts) if snap.tag_facet.get(int(t)) in by_facet]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, facet, slug, label, label_ko FROM tags WHERE id IN ({marks})",
                            chunk):
            by_facet[row["facet"]].append({
                "value": row["slug"], "label": row["label"], "label_ko": row["label_ko"],
                "count": int(counts[row["id"]]),
                "query": narrowed(query, f"{row['facet']}:{quote_value(row['slug'])}"),
            })
    for facet in ("set", "subject", "film", "trip"):
        # Sets read best in their hierarchy; the rest by how many photos they hold.
        key = (lambda e: e["value"]) if facet == "set" else (lambda e: (-e["count"], e["label"]))
        by_facet[facet] = sorted(by_facet[facet], key=key)[:FACET_LIMIT if facet != "set" else None]
    ids = np.flatnonzero(mask)
    years = snap.year[ids]
    year_counts = np.bincount(years[years > 0]) if (years > 0).any() else np.zeros(0, np.int64)
    by_facet["year"] = [
        {"value": str(year), "label": str(year), "count": int(year_counts[year]),
         "query": narrowed(query, f"taken:{year}")}
        for year in sorted(np.flatnonzero(year_counts), reverse=True)
    ]
    cameras = snap.camera[ids]
    cameras = cameras[cameras >= 0]
    camera_counts = np.bincount(cameras) if len(cameras) else np.zeros(0, np.int64)
    entries = [(int(camera_counts[code]), snap.cameras[code][1]) for code in np.flatnonzero(camera_counts)]
    merged = {}
    for count, label in entries:  # two makes' spellings can share a label
        merged[label] = merged.get(label, 0) + count
    by_facet["camera"] = [
        {"value": label, "label": label, "count": count,
         "query": narrowed(query, f"camera:{quote_value(label)}")}
        for label, count in sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    ]
    return by_facet
