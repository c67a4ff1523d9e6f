"""Deleting photos for good (an admin's power).

The rows go in one transaction (tags and anything else that references the
photo go with them through ON DELETE CASCADE); the files go after the commit,
so a crash in between leaves unreferenced files that nobody can see, never a
row whose file is missing.
"""

import contextlib
import os

from archive.db import write_transaction
from archive.storage import Storage


class DeleteError(ValueError):
    """A deletion that cannot be done, with a message; nothing was deleted."""


def delete_photos(db, data_dir, photo_ids):
    """Delete these photos, their originals and derivatives; returns the ids.
    An unknown id is an error and deletes nothing."""
    photo_ids = sorted(set(int(i) for i in photo_ids))
    if not photo_ids:
        raise DeleteError("name at least one photo")
    storage = Storage(data_dir)
    with write_transaction(db):
        rows = [next(iter(db.query("SELECT id, sha256, ext FROM photos WHERE id = ?", [i])), None)
                for i in photo_ids]
        missing = [i for i, row in zip(photo_ids, rows) if row is None]
        if missing:
            raise DeleteError("no photo " + ", ".join(map(str, missing)))
        for row in rows:
            db.execute("DELETE FROM photos WHERE id = ?", [row["id"]])
    for row in rows:
        _remove_files(storage, row["sha256"], row["ext"])
    return photo_ids


def _remove_files(storage, sha256, ext):
    paths = [storage.original_path(sha256, ext)]
    folder = storage.derivatives / sha256[:2] / sha256[2:4]
    if folder.is_dir():
        paths += [p for p in folder.iterdir() if p.name.startswith(f"{sha256}-")]
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
