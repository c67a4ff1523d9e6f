"""Backups that can be taken while the archive serves, and restores from them.

The database is copied with SQLite's online backup API, which gives a
consistent snapshot even while other connections write. The originals that
snapshot names are then copied beside it: from originals/, or from the trash
when a photo was deleted after the snapshot was taken (deletion keeps them
there for a while for this). Originals are content-addressed and never
change, so a later backup only adds the files the last one lacked (hard
links when the backup is on the same disk). Derivatives are left out: they
are rebuilt from the originals.

A backup is a folder or a place in an object store (s3://BUCKET/PREFIX),
laid out alike (archive.db, backup.json, originals/ab/cd/...), whatever
the archive's own storage is: an archive moves between a folder and a
bucket, either way, by a backup and a restore.

A backup checks itself before it counts: every original its snapshot names
must be in the backup with the right SHA-256 (re-hashed in a folder; in a
bucket, the checksum the store keeps from the upload, which it checked
then). Until then the new snapshot waits beside the last good one, which
it replaces only when the check passes.
"""

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive import db as archive_db
from archive.preservation import destination
from archive.storage import StorageError, is_object_store, open_place, open_storage, write_atomically

MANIFEST = "backup.json"
SECRET_KEY = "secret_key"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, or did not hold up, with the reason."""


@dataclass
class CopyStats:
    copied: int = 0
    linked: int = 0
    already_there: int = 0
    problems: list = field(default_factory=list)


def is_backup(place):
    return place.has_file(MANIFEST) and place.has_file(archive_db.DB_FILENAME)


def backup(data_dir, dest, link=False, force=False, progress=lambda: None):
    """Back up data_dir into dest (a folder, or s3://BUCKET/PREFIX); returns
    the manifest. Raises DestinationError for a dest inside data_dir (or
    inside the archive's own store), or one that exists and is neither
    empty nor an earlier backup (unless force)."""
    data_dir = Path(data_dir)
    source_db = data_dir / archive_db.DB_FILENAME
    if not source_db.exists():
        raise BackupError(f"no archive in {data_dir}")
    storage = open_storage(data_dir)
    place = _place(dest, data_dir, storage)
    if is_object_store(dest):
        if not (force or is_backup(place) or place.is_empty()):
            raise destination.DestinationError(f"{dest} already holds objects; choose a new prefix, "
                                               "or give --force to write the backup there")
    else:
        # An earlier backup is brought up to date; an empty folder (a mount
        # point) holds nothing to lose.
        dest = Path(dest)
        destination.check(data_dir, dest, force or is_backup(place) or destination.is_empty_folder(dest),
                          what="the backup")
        if dest.exists() and not dest.is_dir():
            raise BackupError(f"{dest} is a file; a backup is a folder")
        dest.mkdir(parents=True, exist_ok=True)
    fresh = place.file_scratch(archive_db.DB_FILENAME)
    try:
        snapshot_database(source_db, fresh)
        stats = copy_named_originals(storage, fresh, place, link, progress)
        if stats.problems:
            raise BackupError(
                f"the backup in {dest} is incomplete: {len(stats.problems)} original(s) its database names "
                "are missing or damaged; the last good backup there is kept.\n" + "\n".join(stats.problems))
        photos = _count_photos(fresh)
        place.keep_file(archive_db.DB_FILENAME, fresh)
    finally:
        Path(fresh).unlink(missing_ok=True)
    if (data_dir / SECRET_KEY).exists():
        _put(place, SECRET_KEY, (data_dir / SECRET_KEY).read_bytes())
    manifest = {"photos": photos, "originals_checked": stats.copied + stats.linked + stats.already_there,
                "copied": stats.copied, "linked": stats.linked, "already_there": stats.already_there}
    _put(place, MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


def named_originals(db_path):
    """(sha256, ext) of every original a database names."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT sha256, ext FROM photos ORDER BY sha256").fetchall()
    finally:
        conn.close()


def copy_named_originals(source, db_path, target, link, progress=lambda: None):
    """Make the storage target hold every original db_path names, each
    checked by its SHA-256: one already there and sound is kept, anything
    else is copied (again) from the storage source, its trash included.
    What cannot be had is a problem."""
    stats = CopyStats()
    for sha256, ext in named_originals(db_path):
        if target.original_matches(sha256, ext):
            stats.already_there += 1
        else:
            try:
                fetched = source.fetch_original(sha256, ext, trash_too=True)
            except FileNotFoundError:
                stats.problems.append(f"missing from the archive: {sha256}.{ext}")
            else:
                with fetched:
                    try:
                        how = target.put_original(fetched.path, sha256, ext, link=link)
                    except StorageError as exc:
                        stats.problems.append(str(exc))
                    else:
                        setattr(stats, how, getattr(stats, how) + 1)
        progress()
    return stats


def restore(source, data_dir, force=False, progress=lambda: None):
    """Make data_dir an archive again from a backup (a folder, or
    s3://BUCKET/PREFIX), its originals going to the archive's storage. A
    data_dir that exists and holds anything needs force; its database is
    then replaced, and originals are only ever added."""
    data_dir = Path(data_dir)
    storage = open_storage(data_dir)
    if not is_object_store(source):
        source = Path(source)
        resolved_source, resolved_data = source.resolve(), data_dir.resolve()
        if resolved_source == resolved_data or resolved_data in resolved_source.parents \
                or resolved_source in resolved_data.parents:
            raise BackupError("the backup and the data directory must not lie inside one another")
    place = _place(source, data_dir, storage)
    if not place.has_file(archive_db.DB_FILENAME):
        raise BackupError(f"{source} holds no backup (no {archive_db.DB_FILENAME})")
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        what = "an archive" if (data_dir / archive_db.DB_FILENAME).exists() else "files"
        raise BackupError(f"{data_dir} already holds {what}; restore into a new or empty folder, "
                          "or give --force to replace its database with the backup's")
    data_dir.mkdir(parents=True, exist_ok=True)
    with place.fetch_file(archive_db.DB_FILENAME) as database:
        stats = copy_named_originals(place, database.path, storage, False, progress)
        if stats.problems:
            raise BackupError(f"the backup in {source} is incomplete; nothing was restored over the database.\n"
                              + "\n".join(stats.problems))
        if place.has_file(SECRET_KEY):
            with place.fetch_file(SECRET_KEY) as secret:
                # Through a temp file (mkstemp makes it its owner's only) renamed into place.
                write_atomically(data_dir / SECRET_KEY, lambda out: out.write(secret.path.read_bytes()))
        # The database last: until it is in place the folder holds no archive,
        # so an interrupted restore can simply be started again.
        for stale in ("-wal", "-shm"):
            (data_dir / (archive_db.DB_FILENAME + stale)).unlink(missing_ok=True)
        snapshot_database(database.path, data_dir / archive_db.DB_FILENAME)
    return {"photos": _count_photos(data_dir / archive_db.DB_FILENAME), "copied": stats.copied,
            "linked": stats.linked, "already_there": stats.already_there}


def _place(where, data_dir, storage):
    """The backup's storage; never the archive's own store or inside it."""
    place = open_place(where, data_dir)
    if is_object_store(where) and is_object_store(storage.location):
        mine, theirs = storage.location.rstrip("/") + "/", str(where).rstrip("/") + "/"
        if mine.startswith(theirs) or theirs.startswith(mine):
            raise destination.DestinationError(
                f"{where} and the archive's own store ({storage.location}) must not lie inside one another")
    return place


def _put(place, name, data):
    scratch = place.file_scratch(name)
    try:
        # Readable by its owner only, as in the data directory: the secret key
        # is among these files.
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        place.keep_file(name, scratch)
    finally:
        Path(scratch).unlink(missing_ok=True)


def snapshot_database(source_path, target_path):
    """A consistent copy of a live database, written beside the target and
    renamed into place."""
    partial = target_path.with_name(target_path.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=archive_db.BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target, pages=1024)
            # A single file: the copy is read without the source's WAL.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    finally:
        source.close()
    os.replace(partial, target_path)


def _count_photos(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    finally:
        conn.close()
