"""Where the bytes live: content-addressed originals and derivatives, in the
data directory's own folders (the default) or in an S3-compatible object
store (ARCHIVE_STORAGE=s3://BUCKET/PREFIX).

The rest of the archive asks open_storage() for the archive's storage and
calls its methods; it never imports a backend module, names a path under
originals/ or derivatives/, or knows which backend answers (import-linter:
only this package imports boto3). Both backends keep one layout (layout.py).
"""

import os
import threading
from pathlib import Path

from archive import config as archive_config
from archive.storage.layout import Fetched, StorageError, Stored, StoredFile
from archive.storage.local import (
    LocalStorage,
    dead_temp_files,
    sha256_of_file,
    temp_file_is_dead,
    temp_prefix,
    write_atomically,
)

__all__ = [
    "Fetched",
    "LocalStorage",
    "Stored",
    "StoredFile",
    "StorageError",
    "dead_temp_files",
    "is_object_store",
    "open_place",
    "open_storage",
    "sha256_of_file",
    "temp_file_is_dead",
    "temp_prefix",
    "unavailable_errors",
    "write_atomically",
]

_opened = {}
_lock = threading.Lock()


def open_storage(data_dir):
    """The archive's storage: the folders under data_dir, or the object
    store ARCHIVE_STORAGE names (with its scratch space under data_dir)."""
    settings = archive_config.storage_from_env()
    if not settings["location"]:
        return LocalStorage(data_dir)
    return _object_store(data_dir, settings["location"], settings)


def open_place(where, data_dir):
    """Storage at a place given by an operator (a backup, a restore's
    source): s3://BUCKET/PREFIX, with the endpoint and credentials the
    archive's own store uses, or a folder."""
    if is_object_store(where):
        return _object_store(data_dir, str(where), archive_config.storage_from_env())
    return LocalStorage(where)


def unavailable_errors():
    """The errors that mean the archive's storage did not answer (an object
    store down, unreachable or refusing, or a stored copy that came back
    wrong): a web request meeting one is told to try again, not shown a
    server error. botocore's are named only when the archive uses an object
    store, so a server on the local folders never loads it."""
    try:
        location = archive_config.storage_from_env()["location"]
    except ValueError:  # a bad setting: said where the storage is opened, not here
        location = None
    if not location:
        return (StorageError,)
    from botocore.exceptions import BotoCoreError, ClientError

    return (StorageError, BotoCoreError, ClientError)


def is_object_store(where):
    return str(where).startswith("s3://")


def _object_store(data_dir, location, settings):
    # One client per process and place: boto3 clients are thread-safe but
    # slow to make, and must not cross a fork.
    key = (os.getpid(), str(Path(data_dir)), location, settings["endpoint_url"], settings["region"],
           settings["part_bytes"])
    with _lock:
        store = _opened.get(key)
        if store is None:
            from archive.storage.s3 import S3Storage

            store = _opened[key] = S3Storage(data_dir, location, settings["endpoint_url"], settings["region"],
                                             settings["part_bytes"])
        return store
