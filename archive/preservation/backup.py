"""Backups that can be taken while the archive serves, and restores from them.

The database is copied with SQLite's online backup API, which gives a
consistent snapshot even while other connections write. Originals are
content-addressed and never change, so a later backup only adds the files
the last one lacked (hard links when the backup is on the same disk).
Derivatives are left out: they are rebuilt from the originals.
"""

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive import db as archive_db
from archive.storage import write_atomically

MANIFEST = "backup.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with the reason."""


@dataclass
class CopyStats:
    copied: int = 0
    linked: int = 0
    already_there: int = 0


def backup(data_dir, dest, link=False, progress=lambda: None):
    data_dir, dest = Path(data_dir), Path(dest)
    source_db = data_dir / archive_db.DB_FILENAME
    if not source_db.exists():
        raise BackupError(f"no archive in {data_dir}")
    if dest.resolve() == data_dir.resolve() or data_dir.resolve() in dest.resolve().parents:
        raise BackupError("the backup must be outside the data directory")
    dest.mkdir(parents=True, exist_ok=True)
    snapshot_database(source_db, dest / archive_db.DB_FILENAME)
    stats = copy_originals(data_dir / "originals", dest / "originals", link, progress)
    for name in ("secret_key",):
        if (data_dir / name).exists():
            shutil.copy2(data_dir / name, dest / name)
    photos = _count_photos(dest / archive_db.DB_FILENAME)
    manifest = {"photos": photos, **stats.__dict__}
    write_atomically(dest / MANIFEST, lambda out: out.write(json.dumps(manifest, indent=1).encode()))
    return manifest


def restore(source, data_dir, progress=lambda: None):
    """Make data_dir an archive again from a backup; it must not hold one yet."""
    source, data_dir = Path(source), Path(data_dir)
    if not (source / archive_db.DB_FILENAME).exists():
        raise BackupError(f"{source} holds no backup (no {archive_db.DB_FILENAME})")
    if (data_dir / archive_db.DB_FILENAME).exists():
        raise BackupError(f"{data_dir} already holds an archive; restore into an empty folder")
    data_dir.mkdir(parents=True, exist_ok=True)
    stats = copy_originals(source / "originals", data_dir / "originals", False, progress)
    if (source / "secret_key").exists():
        shutil.copy2(source / "secret_key", data_dir / "secret_key")
    # The database last: until it is in place the folder holds no archive,
    # so an interrupted restore can simply be started again.
    snapshot_database(source / archive_db.DB_FILENAME, data_dir / archive_db.DB_FILENAME)
    return {"photos": _count_photos(data_dir / archive_db.DB_FILENAME), **stats.__dict__}


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


def copy_originals(source_root, target_root, link, progress=lambda: None):
    stats = CopyStats()
    if not source_root.exists():
        return stats
    for root, _, names in os.walk(source_root):
        for name in sorted(names):
            if name.startswith(".tmp-"):
                continue
            source = Path(root) / name
            target = target_root / source.relative_to(source_root)
            if target.exists() and target.stat().st_size == source.stat().st_size:
                stats.already_there += 1
            else:
                _link_or_copy(source, target, link, stats)
            progress()
    return stats


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
            pass  # another file system, or a stale file in the way: copy
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
