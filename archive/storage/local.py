"""The local folder: content-addressed files under the data directory.

Originals live at originals/ab/cd/<sha256>.<ext> and are never modified after
they are written. Derivatives live at derivatives/ab/cd/<sha256>-<name>, named
by the original and the request that made them, so they never go stale.
Every write goes through a temp file and a rename, so a reader or a crash
never sees half a file.
"""

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from archive.storage import layout, trash
from archive.storage.layout import Fetched, Stored, StoredFile

HASH_BLOCK = 1024 * 1024


class LocalStorage:
    """The default backend: the data directory's own folders."""

    def __init__(self, data_dir):
        self.root = self.data_dir = Path(data_dir)
        self.originals = self.root / layout.ORIGINALS
        self.derivatives = self.root / layout.DERIVATIVES
        self.tmp = self.root / "tmp"
        self.location = str(self.root)

    # -- where things are -----------------------------------------------------

    def original_path(self, sha256, ext):
        return self.root / layout.original_key(sha256, ext)

    def derivative_path(self, sha256, name):
        return self.root / layout.derivative_key(sha256, name)

    def original_ref(self, sha256, ext):
        return str(self.original_path(sha256, ext))

    def derivative_ref(self, sha256, name):
        return str(self.derivative_path(sha256, name))

    # -- originals ------------------------------------------------------------

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
        never sees half a file); returns (ref, created), where created is
        False when the same content was already there (the copy is dropped)."""
        try:
            target = self.original_path(sha256, ext)
            if target.exists():
                os.unlink(staged)
                return str(target), False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
            raise
        return str(target), True

    def put_original(self, source_path, sha256, ext, link=False):
        """Store a copy of a file that is known to have this SHA-256 (a
        backup, a restore); checked after the copy. Returns "linked" or
        "copied"; raises StorageError when the stored copy is not those bytes."""
        target = self.original_path(sha256, ext)
        target.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        how = "copied"
        if link:
            try:
                # Originals are never modified, so sharing the inode is safe
                # against edits, though not against the disk failing.
                os.link(source_path, target)
                how = "linked"
            except OSError:
                pass  # another file system: copy
        if how == "copied":
            write_atomically(target, lambda out: _copy_into(source_path, out))
        if sha256_of_file(target) != sha256:
            raise layout.StorageError(f"does not match its SHA-256: {sha256}.{ext}")
        return how

    def has_original(self, sha256, ext):
        return self.original_path(sha256, ext).exists()

    def original_matches(self, sha256, ext):
        """Whether the original is there with the right SHA-256 (re-hashed)."""
        path = self.original_path(sha256, ext)
        return path.exists() and sha256_of_file(path) == sha256

    def fetch_original(self, sha256, ext, trash_too=False):
        """The original as a local file (a Fetched; here the file itself).
        Raises FileNotFoundError when it is not there."""
        places = [self.original_path(sha256, ext)]
        if trash_too:
            places.append(trash.trash_path(self, sha256, ext))
        for path in places:
            if path.exists():
                return Fetched(path)
        raise FileNotFoundError(places[0])

    def hash_original(self, sha256, ext):
        """The SHA-256 of the stored bytes, read in blocks; FileNotFoundError if absent."""
        return sha256_of_file(self.original_path(sha256, ext))

    def move_to_trash(self, sha256, ext, now=None):
        return trash.move_to_trash(self, sha256, ext, now) is not None

    def take_back(self, sha256, ext):
        return trash.take_back(self, sha256, ext)

    def purge_trash(self, older_than_seconds, now=None):
        return trash.purge_trash(self, older_than_seconds, now)

    # -- derivatives ----------------------------------------------------------

    def has_derivative(self, sha256, name):
        return self.derivative_path(sha256, name).is_file()

    def get_derivative(self, sha256, name):
        """A Stored to send, or None."""
        path = self.derivative_path(sha256, name)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        return Stored(ref=str(path), size=size, path=path)

    def read_derivative(self, sha256, name):
        try:
            return self.derivative_path(sha256, name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def open_derivative(self, sha256, name):
        """A seekable binary file (a tile pyramid); FileNotFoundError if absent."""
        return open(self.derivative_path(sha256, name), "rb")

    def put_derivative(self, sha256, name, data):
        """Store a derivative (not flushed to the disk: it is rebuilt from
        the original if a crash loses it); returns its Stored."""
        path = self.derivative_path(sha256, name)
        write_atomically(path, lambda out: out.write(data), durable=False)
        return Stored(ref=str(path), size=len(data), path=path)

    def derivative_scratch(self, sha256, name):
        """Where a child process may write this derivative: in place, here."""
        return self.derivative_path(sha256, name)

    def keep_derivative_file(self, sha256, name, path):
        """Take a derivative a child wrote at derivative_scratch(); here it
        is in place already. Returns (ref, created)."""
        return str(self.derivative_path(sha256, name)), True

    def derivative_url(self, sha256, name, seconds):
        """A URL the store itself serves the derivative at: none here."""
        return None

    def mark_used(self, stored):
        """A cached file just served is pruned last (its modification time)."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(stored.path)

    def remove_derivatives(self, sha256, keep=lambda name: False):
        """Remove the photo's derivatives but those whose name (after the
        SHA-256 and '-') keep() says to keep."""
        prefix = f"{sha256}-"
        folder = self.root / layout.derivative_folder(sha256).rsplit("/", 1)[0]
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            if path.name.startswith(prefix) and not keep(path.name[len(prefix):]):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    # -- every file -----------------------------------------------------------

    def files(self, area):
        """StoredFile of every file under originals/ or derivatives/ (not
        temp files), in key order."""
        folder = self.root / area
        if not folder.exists():
            return []
        found = []
        for dirpath, _, names in os.walk(folder):
            for name in names:
                if name.startswith(".tmp-"):
                    continue
                path = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    found.append(StoredFile(str(path), path.relative_to(self.root).as_posix(),
                                            stat.st_mtime, stat.st_size))
        return sorted(found, key=lambda f: f.key)

    def cache_entries(self, is_cache_name):
        """(modification time, size, ref) of the derivatives is_cache_name()
        (the part after '<sha256>-') calls cache files."""
        for first in _subfolders(self.derivatives):
            for second in _subfolders(first):
                with os.scandir(second) as entries:
                    for entry in entries:
                        name = entry.name
                        if len(name) > 65 and name[64] == "-" and is_cache_name(name[65:]):
                            with contextlib.suppress(FileNotFoundError):
                                stat = entry.stat()
                                yield stat.st_mtime, stat.st_size, entry.path

    def remove(self, ref):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(ref)

    def remove_if_idle(self, ref, min_age):
        """Remove a cache file unless it was used in the last min_age seconds."""
        with contextlib.suppress(FileNotFoundError):
            if time.time() - os.stat(ref).st_mtime < min_age:
                return False
            os.unlink(ref)
            return True
        return False

    def quarantine(self, ref):
        """Move a file nobody refers to into quarantine/ (kept, not deleted);
        returns where it went, relative to the archive."""
        source = Path(ref)
        relative = source.relative_to(self.root)
        target = self.root / layout.QUARANTINE / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        return (Path(layout.QUARANTINE) / relative).as_posix()

    def sweep_dead_writers(self):
        """Remove what writers that died left half written; returns how many."""
        # Anything in tmp/ not named by a live writer is garbage too.
        strays = [path for path in (self.tmp.iterdir() if self.tmp.is_dir() else ())
                  if not path.name.startswith(".tmp-") and path.is_file()]
        dead = dead_temp_files(self.root) + strays
        for path in dead:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return len(dead)

    # -- a backup kept in this place -------------------------------------------

    def has_file(self, name):
        return (self.root / name).is_file()

    def fetch_file(self, name):
        """The file called name here, as a local file (a Fetched: here the
        file itself); FileNotFoundError if absent."""
        source = self.root / name
        if not source.is_file():
            raise FileNotFoundError(source)
        return Fetched(source)

    def file_scratch(self, name):
        """Where to write a new version of the file called name, which
        keep_file() then puts in place: beside it, here."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / (name + ".new")

    def keep_file(self, name, scratch):
        os.replace(scratch, self.root / name)

    def is_empty(self):
        return not self.root.exists() or (self.root.is_dir() and not any(self.root.iterdir()))


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


def _subfolders(folder):
    try:
        with os.scandir(folder) as entries:
            return [entry.path for entry in entries if entry.is_dir()]
    except FileNotFoundError:
        return []
