"""The trash: originals of deleted photos, kept for a while before they go.

Deleting a photo moves its original here (trash/ab/cd/<sha256>.<ext>) instead
of unlinking it, so a backup whose database snapshot was taken just before
the deletion still finds every original it names, and a mistaken deletion
can be undone by hand. A trashed file's modification time is the moment it
was deleted; purge_trash() removes those older than the retention.
"""

import contextlib
import os
import time
from pathlib import Path

TRASH = "trash"


def trash_path(storage, sha256, ext):
    original = storage.original_path(sha256, ext)  # checks the name
    return storage.root / TRASH / original.relative_to(storage.originals)


def move_to_trash(storage, sha256, ext, now=None):
    """Move an original into the trash; returns its new path, or None when
    there was no such original."""
    source = storage.original_path(sha256, ext)
    target = trash_path(storage, sha256, ext)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError:
        return None
    now = time.time() if now is None else now
    os.utime(target, (now, now))
    return target


def take_back(storage, sha256, ext):
    """Put a trashed original back in place (the same bytes are a photo
    again); True if it was there to take."""
    source = trash_path(storage, sha256, ext)
    target = storage.original_path(sha256, ext)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError:
        return False
    return True


def purge_trash(storage, older_than_seconds, now=None):
    """Remove trashed originals deleted longer ago than older_than_seconds;
    returns (files removed, bytes freed)."""
    now = time.time() if now is None else now
    root = storage.root / TRASH
    removed = freed = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                if now - stat.st_mtime >= older_than_seconds:
                    path.unlink()
                    removed += 1
                    freed += stat.st_size
    return removed, freed
