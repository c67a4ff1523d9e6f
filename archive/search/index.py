"""The per-process search index: what a query filters and counts, as arrays.

A search at 100,000 photos must filter and count six facets in a few
milliseconds; joins over a million photo_tags rows cannot, arrays indexed by
photo id can. SQLite stays the source of truth: the index remembers the last
entry of `search_changes` it has seen and, before each search, re-reads only
the photos changed since (see archive/migrations/m0003_search.py). An index that fell behind
the pruned part of the log, or has too much to catch up, reloads in full.

Snapshots are immutable: a refresh builds a new one, so a request that is
still using the old one is never disturbed.
"""

import contextlib
import os
import threading
from datetime import UTC, datetime

import numpy as np

from archive.search import fulltext as search_text

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
                   " transcription != '' OR EXISTS (SELECT 1 FROM transcription_drafts d JOIN transcription_lines l"
                   " ON l.draft_id = d.id WHERE d.photo_id = photos.id), taken_at IS NOT NULL FROM photos")
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
            last = search_text.last_change(db)
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
