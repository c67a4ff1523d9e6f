"""A size budget for the images made on request, least recently used out first.

Every IIIF image and extra size that a request makes is kept under
derivatives/ beside the photo's own derivatives, named by the request, so
that the next request for it is a file read. Left alone, that grows with
every distinct request anyone sends. The cache is the files a request made
(names starting "iiif-", and "fit" sizes other than a photo's thumbnail and
display sizes); each photo's thumbnail, display image and tile pyramid are
part of the archive and never counted or pruned.

Serving a cached file marks it used (its modification time). A process
that writes to the cache prunes it in the background: at its first write,
after each twentieth of the budget it writes, and every few seconds while
its last prune left the cache over budget; one process at a time (a lock
file), oldest first, down to nine tenths of the budget. A file used in the
last few seconds is never removed, so a file is not taken away between a
request finding it and sending it.
"""

import contextlib
import fcntl
import os
import re
import threading
import time
from pathlib import Path

# Names of files made by requests (after "<sha256>-"): IIIF images and the
# derivative sizes that are made on first request. fit400 is every photo's
# thumbnail and fit1600 to fit2048 its display image (config.py).
_MADE_ON_REQUEST = re.compile(r"^(iiif-.*|fit(\d+)(?:-o[1-8])?\.jpg)$")
PROTECTED_EDGES = range(1600, 2049)
THUMBNAIL = 400
MIN_AGE_SECONDS = 5
PRUNE_TO = 0.9

# A process prunes again this soon at the earliest while its last prune
# left the cache over budget (files too young to go, or another pruning).
RETRY_SECONDS = 2

_state = {}  # (pid, derivatives folder) -> _Pruning
_lock = threading.Lock()


class _Pruning:
    def __init__(self):
        self.written = 0  # bytes since the last prune began
        self.last = 0.0  # when it began
        self.over = True  # whether the cache may be over budget (unknown at start)


def made_on_request(name):
    """Whether a derivative name (after the SHA-256 and '-') is a cache file."""
    match = _MADE_ON_REQUEST.match(name)
    if match is None:
        return False
    edge = match.group(2)
    return edge is None or (int(edge) != THUMBNAIL and int(edge) not in PROTECTED_EDGES)


def used(path):
    """Mark a cached file as just used (it is then pruned last)."""
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)


def written(derivatives, nbytes, max_bytes):
    """Count a file this process just wrote to the cache, and prune in the
    background when due: after a twentieth of the budget written, or soon
    again while the last prune left the cache over budget. Returns the
    pruning thread, if one was started."""
    key = (os.getpid(), str(derivatives))
    now = time.monotonic()
    with _lock:
        state = _state.setdefault(key, _Pruning())
        state.written += nbytes
        due = state.written >= max(max_bytes // 20, 1) or (state.over and now - state.last >= RETRY_SECONDS)
        if not due:
            return None
        state.written, state.last = 0, now

    def run():
        result = prune(derivatives, max_bytes)
        state.over = result is None or result[0] > max_bytes

    thread = threading.Thread(target=run, name="cache-prune", daemon=True)
    thread.start()
    return thread


def prune(derivatives, max_bytes):
    """Remove the least recently used cache files until they take at most
    nine tenths of max_bytes. Returns (bytes kept, files removed), or None
    when another process is pruning already."""
    derivatives = Path(derivatives)
    lock_path = derivatives.parent / "locks" / "cache-prune"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        entries = list(_cache_files(derivatives))
        total = sum(size for _, size, _ in entries)
        if total <= max_bytes:
            return total, 0
        target, now, removed = max_bytes * PRUNE_TO, time.time(), 0
        for mtime, size, path in sorted(entries):
            if total <= target or now - mtime < MIN_AGE_SECONDS:
                break
            with contextlib.suppress(FileNotFoundError):
                if time.time() - os.stat(path).st_mtime < MIN_AGE_SECONDS:
                    continue  # served since the scan began
                os.unlink(path)
                total -= size
                removed += 1
        return total, removed


def size(derivatives):
    """Bytes the cache files take now."""
    return sum(size for _, size, _ in _cache_files(Path(derivatives)))


def _cache_files(derivatives):
    """(modification time, size, path) of every cache file."""
    for first in _subfolders(derivatives):
        for second in _subfolders(first):
            with os.scandir(second) as entries:
                for entry in entries:
                    name = entry.name
                    if len(name) > 65 and name[64] == "-" and made_on_request(name[65:]):
                        with contextlib.suppress(FileNotFoundError):
                            stat = entry.stat()
                            yield stat.st_mtime, stat.st_size, entry.path


def _subfolders(folder):
    try:
        with os.scandir(folder) as entries:
            return [entry.path for entry in entries if entry.is_dir()]
    except FileNotFoundError:
        return []
