"""Backups that can be taken while the archive serves, and restores from them.

The database is copied with SQLite's online backup API, which gives a
consistent snapshot even while other connections write. The originals that
snapshot names are then copied beside it: from originals/, or from the trash
when a photo was deleted after the snapshot was taken (deletion keeps them
there for a while for this). Originals are content-addressed and never
change, so a later backup only adds the files the last one lacked (hard
links when the backup is on the same disk). Derivatives are left out: they
are rebuilt from the originals.

A backup checks itself before it counts: every original its snapshot names
must be in the backup with the right SHA-256. Until then the new snapshot
waits beside the last good one, which it replaces only when the check passes.
"""

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive import db as archive_db
from archive.preservation import destination
from archive.storage import Storage, find_original, sha256_of_file, write_atomically

MANIFEST = "backup.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, or did not hold up, with the reason."""


@dataclass
class CopyStats:
    copied: int = 0
    linked: int = 0
    already_there: int = 0
    problems: list = field(default_factory=list)


def is_backup(folder):
    folder = Path(folder)
    return (folder / MANIFEST).is_file() and (folder / archive_db.DB_FILENAME).is_file()


def backup(data_dir, dest, link=False, force=False, progress=lambda: None):
    """Back up data_dir into dest; returns the manifest. Raises
    DestinationError for a dest inside data_dir, or one that exists and is
    neither empty nor an earlier backup (unless force)."""
    data_dir, dest = Path(data_dir), Path(dest)
    source_db = data_dir / archive_db.DB_FILENAME
    if not source_db.exists():
        raise BackupError(f"no archive in {data_dir}")
    # An earlier backup is brought up to date; an empty folder (a mount point)
    # holds nothing to lose.
    destination.check(data_dir, dest, force or is_backup(dest) or destination.is_empty_folder(dest),
                      what="the backup")
    if dest.exists() and not dest.is_dir():
        raise BackupError(f"{dest} is a file; a backup is a folder")
    dest.mkdir(parents=True, exist_ok=True)
    fresh = dest / (archive_db.DB_FILENAME + ".new")
    snapshot_database(source_db, fresh)
    try:
        stats = copy_named_originals(Storage(data_dir), fresh, dest / "originals", link, progress)
        if stats.problems:
            raise BackupError(
                f"the backup in {dest} is incomplete: {len(stats.problems)} original(s) its database names "
                "are missing or damaged; the last good backup there is kept.\n" + "\n".join(stats.problems))
        os.replace(fresh, dest / archive_db.DB_FILENAME)
    finally:
        fresh.unlink(missing_ok=True)
    for name in ("secret_key",):
        if (data_dir / name).exists():
            shutil.copy2(data_dir / name, dest / name)
    photos = _count_photos(dest / archive_db.DB_FILENAME)
    manifest = {"photos": photos, "originals_checked": stats.copied + stats.linked + stats.already_there,
                "copied": stats.copied, "linked": stats.linked, "already_there": stats.already_there}
    write_atomically(dest / MANIFEST, lambda out: out.write(json.dumps(manifest, indent=1).encode()))
    return manifest


def named_originals(db_path):
    """(sha256, ext) of every original a database names."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT sha256, ext FROM photos ORDER BY sha256").fetchall()
    finally:
        conn.close()


def copy_named_originals(storage, db_path, target_root, link, progress=lambda: None):
    """Make target_root hold every original db_path names, each checked by
    its SHA-256: one already there and sound is kept, anything else is
    copied (again) from the archive. What cannot be had is a problem."""
    stats = CopyStats()
    for sha256, ext in named_originals(db_path):
        target = target_root / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"
        if target.exists() and sha256_of_file(target) == sha256:
            stats.already_there += 1
        else:
            source = find_original(storage, sha256, ext)
            if source is None:
                stats.problems.append(f"missing from the archive: {sha256}.{ext}")
            else:
                target.unlink(missing_ok=True)
                _link_or_copy(source, target, link, stats)
                if sha256_of_file(target) != sha256:
                    stats.problems.append(f"does not match its SHA-256: {sha256}.{ext}")
        progress()
    return stats


def restore(source, data_dir, force=False, progress=lambda: None):
    """Make data_dir an archive again from a backup. A data_dir that exists
    and holds anything needs force; its database is then replaced, and
    originals are only ever added."""
    source, data_dir = Path(source), Path(data_dir)
    if not (source / archive_db.DB_FILENAME).exists():
        raise BackupError(f"{source} holds no backup (no {archive_db.DB_FILENAME})")
    resolved_source, resolved_data = source.resolve(), data_dir.resolve()
    if resolved_source == resolved_data or resolved_data in resolved_source.parents \
            or resolved_source in resolved_data.parents:
        raise BackupError("the backup and the data directory must not lie inside one another")
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        what = "an archive" if (data_dir / archive_db.DB_FILENAME).exists() else "files"
        raise BackupError(f"{data_dir} already holds {what}; restore into a new or empty folder, "
                          "or give --force to replace its database with the backup's")
    data_dir.mkdir(parents=True, exist_ok=True)
    stats = copy_named_originals(Storage(source), source / archive_db.DB_FILENAME,
                                 data_dir / "originals", False, progress)
    if stats.problems:
        raise BackupError(f"the backup in {source} is incomplete; nothing was restored over the database.\n"
                          + "\n".join(stats.problems))
    if (source / "secret_key").exists():
        shutil.copy2(source / "secret_key", data_dir / "secret_key")
    # The database last: until it is in place the folder holds no archive,
    # so an interrupted restore can simply be started again.
    for stale in ("-wal", "-shm"):
        (data_dir / (archive_db.DB_FILENAME + stale)).unlink(missing_ok=True)
    snapshot_database(source / archive_db.DB_FILENAME, data_dir / archive_db.DB_FILENAME)
    return {"photos": _count_photos(data_dir / archive_db.DB_FILENAME), "copied": stats.copied,
            "linked": stats.linked, "already_there": stats.already_there}


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


def _link_or_copy(source, target, link, stats):
    target.parent.mkdir(parents=True, exist_ok=True)
    if link:
        try:
            # Originals are never modified, so sharing the inode is safe
            # against edits, though not against the disk failing.
            os.link(source, target)
            stats.linked += 1
            return
        except OSError:
            pass  # another file system: copy
    write_atomically(target, lambda out: _copy(source, out))
    stats.copied += 1


def _copy(source, out):
    with open(source, "rb") as f:
        shutil.copyfileobj(f, out, 1024 * 1024)


def _count_photos(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    finally:
        conn.close()
