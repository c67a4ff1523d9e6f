"""Deleting photos (an admin's power).

The rows go in one transaction (tags and anything else that references the
photo go with them through ON DELETE CASCADE). The originals go into the
trash (archive.storage.trash) inside that same transaction, under the write
lock: an import of the same bytes commits either before (and the photo is
not deleted unless named) or after (and finds the original gone, so takes
it back from the trash). Derivatives are removed after the commit; a crash
in between leaves only rebuildable files nobody can see. The trash keeps
each original until `purge` or `verify --repair` removes it after the
retention, so a backup running meanwhile still finds what its snapshot names.
"""

from archive.db import write_transaction
from archive.storage import open_storage


class DeleteError(ValueError):
    """A deletion that cannot be done, with a message; nothing was deleted."""


def delete_photos(db, data_dir, photo_ids):
    """Delete these photos; their originals go to the trash, their
    derivatives away. Returns the ids. An unknown id is an error and
    deletes nothing."""
    photo_ids = sorted(set(int(i) for i in photo_ids))
    if not photo_ids:
        raise DeleteError("name at least one photo")
    storage = open_storage(data_dir)
    trashed = []
    try:
        with write_transaction(db):
            rows = [next(iter(db.query("SELECT id, sha256, ext FROM photos WHERE id = ?", [i])), None)
                    for i in photo_ids]
            missing = [i for i, row in zip(photo_ids, rows) if row is None]
            if missing:
                raise DeleteError("no photo " + ", ".join(map(str, missing)))
            for row in rows:
                db.execute("DELETE FROM photos WHERE id = ?", [row["id"]])
            for row in rows:
                if storage.move_to_trash(row["sha256"], row["ext"]):
                    trashed.append(row)
    except BaseException:
        # The rows are back: so are their originals.
        for row in trashed:
            storage.take_back(row["sha256"], row["ext"])
        raise
    for row in rows:
        storage.remove_derivatives(row["sha256"])
    return photo_ids
