"""The layout every backend keeps, and the small values they hand back.

Originals are originals/ab/cd/<sha256>.<ext>, derivatives
derivatives/ab/cd/<sha256>-<name>, trashed originals trash/ab/cd/<sha256>.<ext>:
relative keys, under the data directory on disk or under the prefix in a
bucket (the contract in DESIGN.md), so an archive moves between the two by
copying keys.
"""

import re
from dataclasses import dataclass
from pathlib import Path

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
DERIVATIVE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.,!-]*\.(jpg|png|webp|zip)$")
EXT_RE = re.compile(r"^[a-z0-9]{1,8}$")

ORIGINALS, DERIVATIVES, TRASH, QUARANTINE = "originals", "derivatives", "trash", "quarantine"


class StorageError(Exception):
    """The store could not do what was asked (not a missing file), with the reason."""


def check_sha(sha256):
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")


def original_key(sha256, ext, area=ORIGINALS):
    check_sha(sha256)
    if not EXT_RE.match(ext):
        raise ValueError(f"bad extension {ext!r}")
    return f"{area}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


def derivative_key(sha256, name):
    check_sha(sha256)
    if not DERIVATIVE_NAME_RE.match(name):
        raise ValueError(f"bad derivative name {name!r}")
    return f"{DERIVATIVES}/{sha256[:2]}/{sha256[2:4]}/{sha256}-{name}"


def derivative_folder(sha256):
    check_sha(sha256)
    return f"{DERIVATIVES}/{sha256[:2]}/{sha256[2:4]}/{sha256}-"


@dataclass
class Stored:
    """A derivative found in the store, ready to send.

    path: the file on the local disk (the folder backend), which Flask or
    nginx sends; otherwise chunks() streams it from the store."""

    ref: str
    size: int
    path: Path | None = None
    chunks: object = None  # () -> iterator of bytes, when there is no path


@dataclass
class StoredFile:
    """One file or object under originals/, derivatives/ or the trash: what
    verify and the cache's pruning list."""

    ref: str  # a path on disk, or s3://bucket/key
    key: str  # relative: originals/ab/cd/<name>
    mtime: float
    size: int

    @property
    def name(self):
        return self.key.rsplit("/", 1)[-1]


class Fetched:
    """An original as a file on the local disk, for a decoder that reads
    paths (Pillow, a bounded child). close() lets go of a temporary copy."""

    def __init__(self, path, remove=False):
        self.path = Path(path)
        self._remove = remove

    @property
    def temporary(self):
        """A copy made for the reader (removed on close), not the stored file."""
        return self._remove

    def close(self):
        if self._remove:
            self.path.unlink(missing_ok=True)
            self._remove = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
