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
DERIVATIVE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.,!-]*\.(jpg|png|webp|zip)$")


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
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix=temp_prefix(), suffix=suffix)
        os.close(fd)
        return Path(name)

    def stage_copy(self, source_path):
        """A copy of a file under tmp/, flushed to the disk: an original in
        waiting, before anyone knows whether it is an image worth keeping."""
        staged = self.temp_file()
        try:
            with open(staged, "wb") as out:
                _copy_into(source_path, out)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
            raise
        return staged

    def stage_in_place(self, path):
        """A file of ours already under tmp/ (a saved upload), flushed to the
        disk so that it can become the original without a copy."""
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        return Path(path)

    def place_original(self, staged, sha256, ext):
        """Move a staged copy into place by a rename (so a reader or a crash
        never sees half a file); returns (path, created), where created is
        False when the same content was already there (the copy is dropped)."""
        try:
            target = self.original_path(sha256, ext)
            if target.exists():
                os.unlink(staged)
                return target, False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
            raise
        return target, True


def temp_prefix():
    """Temp files carry the writer's process id, so the leftovers of a process
    that died (kill -9, a power cut) can be told from files still being written."""
    return f".tmp-{os.getpid()}-"


def temp_file_is_dead(path):
    """True for a temp file whose writing process no longer exists."""
    parts = Path(path).name.split("-")
    if len(parts) < 3 or parts[0] != ".tmp" or not parts[1].isdigit():
        return True  # not named by this code: nobody is writing it
    pid = int(parts[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return _is_zombie(pid)


def _is_zombie(pid):
    """A killed import worker stays a zombie until someone reaps it (in a
    container, init may take its time): it exists but will never write."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc here: trust kill()
    # The state follows the command name, which is in parentheses and may
    # itself hold spaces or parentheses.
    return stat[stat.rfind(")") + 1 :].split()[0] == "Z"


def dead_temp_files(data_dir):
    """Temp files under the data directory left by processes that died."""
    root = Path(data_dir)
    found = []
    for folder in ("originals", "derivatives", "tmp"):
        for dirpath, _, names in os.walk(root / folder):
            found += [Path(dirpath) / n for n in names
                      if n.startswith(".tmp-") and temp_file_is_dead(Path(dirpath) / n)]
    return sorted(found)


def remove_dead_temp_files(data_dir):
    """Clear what killed writers left behind; their rows were never committed."""
    for path in dead_temp_files(data_dir):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_atomically(target, write, durable=True):
    """Write a file through a temp file in the same folder and rename it into
    place, so a reader or a crash never sees half a file.

    durable: flushed to the disk before the rename, so the file outlives a
    power cut (backups, exports). Derivatives skip it: they are rebuilt from
    the original if a crash loses them."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(), suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            if durable:
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

