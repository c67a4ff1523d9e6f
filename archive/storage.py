"""Content-addressed files under the data directory.

Originals live at originals/ab/cd/<sha256>.<ext> and are never modified after
they are written. Derivatives live at derivatives/ab/cd/<sha256>-<name>, named
by the original and the request that made them, so they never go stale.
"""

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

HASH_BLOCK = 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
DERIVATIVE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.,!-]*\.(jpg|png|webp)$")


class Storage:
    def __init__(self, data_dir):
        self.root = Path(data_dir)
        self.originals = self.root / "originals"
        self.derivatives = self.root / "derivatives"
        self.tmp = self.root / "tmp"

    def original_path(self, sha256, ext):
        _check_sha(sha256)
        return self.originals / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"

    def derivative_path(self, sha256, name):
        _check_sha(sha256)
        if not DERIVATIVE_NAME_RE.match(name):
            raise ValueError(f"bad derivative name {name!r}")
        return self.derivatives / sha256[:2] / sha256[2:4] / f"{sha256}-{name}"

    def temp_file(self, suffix=""):
        """A new empty file under tmp/, on the same file system as the archive."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        os.close(fd)
        return Path(name)

    def store_original(self, source_path, sha256, ext):
        """Copy a file into place; returns (path, created) where created is False
        when the same content was already there."""
        target = self.original_path(sha256, ext)
        if target.exists():
            return target, False
        write_atomically(target, lambda out: _copy_into(source_path, out))
        return target, True


def write_atomically(target, write):
    """Write a file through a temp file in the same folder and rename it into
    place, so a reader or a crash never sees half a file."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return target


def sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_into(source_path, out):
    with open(source_path, "rb") as src:
        shutil.copyfileobj(src, out, HASH_BLOCK)


def _check_sha(sha256):
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")

