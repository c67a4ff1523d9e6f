"""Where the bytes live: content-addressed originals and derivatives.

The rest of the archive imports the storage interface from here and never
from a backend module, so the backend can change behind it.
"""

from archive.storage.local import (
    Storage,
    dead_temp_files,
    remove_dead_temp_files,
    sha256_of_file,
    temp_file_is_dead,
    temp_prefix,
    write_atomically,
)
from archive.storage.trash import find_original, move_to_trash, purge_trash, take_back, trash_path

__all__ = [
    "Storage",
    "find_original",
    "move_to_trash",
    "purge_trash",
    "take_back",
    "trash_path",
    "dead_temp_files",
    "remove_dead_temp_files",
    "sha256_of_file",
    "temp_file_is_dead",
    "temp_prefix",
    "write_atomically",
]
