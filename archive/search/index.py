"""The shared search index: one base segment in files that every process
maps, and small segments in each process for what changed since.

At a million photos no process can afford to build the index for itself
(minutes) or hold its own copy (gigabytes). So the base segment
(segment.py) is written once into the data directory:

    <data>/search-index/current.json     which generation is current
    <data>/search-index/<generation>/    its arrays (.npy) and meta.json
    <data>/search-index/build.lock       held while a generation is written

and every process maps its arrays read-only: their pages sit once in the
page cache, however many workers read them, and a new process is ready as
soon as it has opened them. Everything in it is rebuilt from SQLite at
will; backups and fixity checks never look in it.

SQLite stays the source of truth. The base remembers the last entry of
`search_changes` (archive/migrations/m0003_search.py) its full-text rows
reflect; before each search a process reads only the photos changed since
into small in-memory segments, newest last, which override the base for
those photos. When they grow past REBUILD_AFTER photos a background thread
writes a new generation; other processes notice the new current.json and
map it. A missing or damaged file, an index of another database, or one
that fell behind the pruned part of the log is rebuilt on the spot
(`manage_archive.py search reindex` does the same with a progress bar).
"""

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from archive.search import builder
from archive.search import fulltext as search_text
from archive.search import segment as segments
from archive.storage import write_atomically

FOLDER = "search-index"
CURRENT = "current.json"
LOCK = "build.lock"
# Past this many changed photos a new base is written (in the background).
REBUILD_AFTER = 50_000
# Small segments are merged into one past this many.
MAX_SMALL = 8

_cache = {}
_lock = threading.Lock()
_building = {}  # folder -> the thread writing its new base


class View:
    """The index as one search sees it: the base and the small segments
    over it, each with the slots it is the current word on (None: all)."""

    def __init__(self, base, small, through):
        self.base, self.small, self.through = base, list(small), through
        self.segments = [base, *self.small]
        self.size = max([base.size] + [int(s.ids[-1]) + 1 for s in self.small if len(s.ids)])
        self.live = [None] * len(self.segments)
        covered = np.zeros(0, np.int64)
        for k in range(len(self.segments) - 1, -1, -1):
            seg = self.segments[k]
            if len(covered):
                live = np.ones(seg.size, bool)
                live[seg.slots_of(covered)] = False
                self.live[k] = live
            if seg.ids is not None:
                covered = np.union1d(covered, seg.ids)
        self.changed = len(covered)

    def locate(self, photo_ids):
        """(segment, slot) of each photo id where its current row is: the
        newest small segment that holds it, else the base; segment -1 for
        an id none holds."""
        photo_ids = np.asarray(photo_ids, np.int64)
        segment = np.full(len(photo_ids), -1, np.int64)
        slot = np.zeros(len(photo_ids), np.int64)
        for k in range(len(self.segments) - 1, 0, -1):
            seg = self.segments[k]
            if not len(seg.ids):
                continue
            at = np.minimum(np.searchsorted(seg.ids, photo_ids), len(seg.ids) - 1)
            found = (segment < 0) & (seg.ids[at] == photo_ids)
            segment[found], slot[found] = k, at[found]
        in_base = (segment < 0) & (photo_ids >= 0) & (photo_ids < self.base.size)
        segment[in_base], slot[in_base] = 0, photo_ids[in_base]
        return segment, slot


def folder_of(db):
    """The index folder beside db's file, or None for a database in memory."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return Path(path).parent / FOLDER if path else None


def _state(db, key):
    row = db.execute("SELECT value FROM search_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


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
    """The index of this database, caught up with its full-text rows (call
    fulltext.refresh_fts first)."""
    folder = folder_of(db)
    key = str(folder) if folder else id(db)
    with _lock:
        view = _cache.get(key)
        with _read_transaction(db):
            through = _state(db, "fts_through")
            identity = _state(db, "database_id")
            base = view.base if view is not None and _still_current(folder, view.base) else None
            if base is None and folder is not None:
                base = _load(folder)
            if base is None or not _usable(db, base, identity, through):
                base = rebuild(db, folder)
            small = view.small if view is not None and view.base is base else []
            done = small[-1].through if small else base.through
            if done > through:  # the log went back: not the database the small segments knew
                small, done = [], base.through
            if done < through:
                changed = [row[0] for row in db.execute(
                    "SELECT DISTINCT photo_id FROM search_changes WHERE id > ? AND id <= ?", [done, through])]
                small = small + [builder.build(db, through, changed)]
                if len(small) > MAX_SMALL:
                    ids = np.unique(np.concatenate([s.ids for s in small]))
                    small = [builder.build(db, through, ids)]
        view = View(base, small, through)
        if len(_cache) >= 8 and key not in _cache:  # one per data directory; tests make many
            _cache.pop(next(iter(_cache)))
        _cache[key] = view
    if view.changed > max(REBUILD_AFTER, base.size // 10) and folder is not None:
        _rebuild_in_background(folder, base.through)
    return view


def _usable(db, base, identity, through):
    if base.meta.get("database_id") != identity or base.through > through:
        return False
    pruned = _state(db, "pruned_through")
    return base.through >= pruned


def _current(folder):
    """(generation, stat key) of current.json, or None."""
    try:
        with open(folder / CURRENT, encoding="utf-8") as f:
            stat = os.fstat(f.fileno())
            return json.load(f)["generation"], (stat.st_ino, stat.st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _still_current(folder, base):
    if folder is None:
        return True
    current = _current(folder)
    return current is not None and current[1] == base.meta.get("_stat")


def _load(folder):
    """The current base segment, or None when there is none or it is damaged."""
    current = _current(folder)
    if current is None:
        return None
    generation, stat = current
    try:
        base = segments.load(folder / generation)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    base.meta["_stat"] = stat
    return base


@contextlib.contextmanager
def _build_lock(folder, wait=True):
    """Held while one process writes a generation; yields False when not
    waiting and another process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(db, folder, force=False, newer_than=None, progress=lambda done, total: None):
    """Write a new base from db and make it current; returns it. A process
    that finds another writing one waits for it and uses it, unless force
    (or it is not newer than newer_than)."""
    if folder is None:
        with _read_transaction(db):
            return _build(db, progress)
    with _build_lock(folder):
        if not force:
            base = _load(folder)
            if base is not None:
                with _read_transaction(db):
                    if _usable(db, base, _state(db, "database_id"), _state(db, "fts_through")) and (
                            newer_than is None or base.through > newer_than):
                        return base
        with _read_transaction(db):
            base = _build(db, progress)
        generation = f"g{base.through}-{time.time_ns()}"
        segments.save(base, folder / generation)
        write_atomically(folder / CURRENT, lambda out: out.write(json.dumps({"generation": generation}).encode()))
        for old in folder.iterdir():
            # Processes still mapping an old generation keep its pages until they let go.
            if old.is_dir() and old.name != generation:
                shutil.rmtree(old, ignore_errors=True)
        return _load(folder)


def reindex(db, progress=lambda done, total: None):
    """Bring the full-text rows up to date and write a new base from them."""
    search_text.refresh_fts(db)
    with _lock:
        _cache.pop(str(folder_of(db)), None)
    return rebuild(db, folder_of(db), force=True, progress=progress)


def _build(db, progress):
    base = builder.build(db, _state(db, "fts_through"), progress=progress)
    base.meta["database_id"] = _state(db, "database_id")
    return base


def _rebuild_in_background(folder, through):
    """Write a new base without holding up searches; they go on with the
    small segments until it is current."""

    def work():
        from archive import db as archive_db

        try:
            db = archive_db.connect(folder.parent)
            try:
                search_text.refresh_fts(db)
                rebuild(db, folder, newer_than=through)
            finally:
                db.close()
        finally:
            with _lock:
                _building.pop(folder, None)

    with _lock:
        if folder in _building:
            return
        thread = _building[folder] = threading.Thread(target=work, name="search-index-rebuild", daemon=True)
    thread.start()


def settle():
    """Wait for the new bases being written in the background: a process
    about to fork (the server's master, web/gunicorn_config.py) must not
    leave a thread in the middle of SQLite's work, whose locks its children
    would inherit held."""
    with _lock:
        threads = list(_building.values())
    for thread in threads:
        thread.join()
