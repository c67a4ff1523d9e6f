"""Content-addressed storage: where files go, atomic writes, hashing in blocks."""

import hashlib
import os
from pathlib import Path

import pytest

from archive.storage import local as storage
from archive.storage import sha256_of_file, write_atomically
from archive.storage.local import LocalStorage as Storage

SHA = "ab" + "cd" + "0123456789abcdef" * 3 + "012345678901"


def test_original_path_is_sharded_by_the_first_four_hex_digits(tmp_path):
    store = Storage(tmp_path)
    path = store.original_path(SHA, "jpg")
    assert path == tmp_path / "originals" / "ab" / "cd" / f"{SHA}.jpg"


def test_derivative_path_is_named_by_sha_and_request(tmp_path):
    store = Storage(tmp_path)
    path = store.derivative_path(SHA, "fit400.jpg")
    assert path == tmp_path / "derivatives" / "ab" / "cd" / f"{SHA}-fit400.jpg"


@pytest.mark.parametrize("bad", ["", "AB" + SHA[2:], SHA[:-1], "../" + SHA[3:], SHA + "0", "zz" + SHA[2:]])
def test_paths_refuse_anything_but_a_lowercase_sha256(tmp_path, bad):
    store = Storage(tmp_path)
    with pytest.raises(ValueError):
        store.original_path(bad, "jpg")
    with pytest.raises(ValueError):
        store.derivative_path(bad, "fit400.jpg")


@pytest.mark.parametrize("name", ["../fit400.jpg", "fit400.exe", "a/b.jpg", ".hidden.jpg", "FIT400.JPG"])
def test_derivative_names_cannot_escape_or_change_type(tmp_path, name):
    with pytest.raises(ValueError):
        Storage(tmp_path).derivative_path(SHA, name)


def test_an_original_is_placed_once_and_never_rewritten(tmp_path):
    store = Storage(tmp_path / "media")
    source = tmp_path / "in.jpg"
    source.write_bytes(b"first bytes")
    ref, created = store.place_original(store.stage_copy(source), SHA, "jpg")
    path = Path(ref)
    assert created is True
    assert path.read_bytes() == b"first bytes"
    stat = path.stat()

    # The same address again keeps the file that is there, untouched.
    source.write_bytes(b"other bytes")
    again, created = store.place_original(store.stage_copy(source), SHA, "jpg")
    assert again == ref
    assert created is False
    assert not list(store.tmp.iterdir())  # the second copy is dropped
    assert path.read_bytes() == b"first bytes"
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_temp_files_live_inside_the_data_directory(tmp_path):
    store = Storage(tmp_path / "media")
    temp = store.temp_file(".upload")
    assert temp.exists() and temp.stat().st_size == 0
    assert temp.parent == tmp_path / "media" / "tmp"
    assert temp.name.endswith(".upload")


def test_write_atomically_writes_the_whole_file(tmp_path):
    target = tmp_path / "deep" / "folder" / "file.jpg"
    write_atomically(target, lambda out: out.write(b"x" * 1000))
    assert target.read_bytes() == b"x" * 1000
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.jpg"]


def test_a_failed_atomic_write_leaves_no_temp_file_and_no_target(tmp_path):
    target = tmp_path / "file.jpg"

    def half_then_fail(out):
        out.write(b"half a file")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_atomic_write_keeps_the_old_file_whole(tmp_path):
    target = tmp_path / "file.jpg"
    target.write_bytes(b"old and whole")

    def fail(out):
        out.write(b"new")
        raise KeyboardInterrupt  # even an interrupt cleans up

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, fail)
    assert target.read_bytes() == b"old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["file.jpg"]


def test_sha256_of_file_matches_hashlib(tmp_path):
    path = tmp_path / "data.bin"
    data = os.urandom(3 * storage.HASH_BLOCK + 17)
    path.write_bytes(data)
    assert sha256_of_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_of_file_reads_in_blocks(tmp_path, monkeypatch):
    path = tmp_path / "data.bin"
    data = bytes(range(256)) * 40  # 10240 bytes
    path.write_bytes(data)
    monkeypatch.setattr(storage, "HASH_BLOCK", 4096)
    reads = []
    real_open = open

    class Spy:
        def __init__(self, f):
            self.f = f

        def read(self, size=-1):
            reads.append(size)
            return self.f.read(size)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(storage, "open", lambda p, mode="r": Spy(real_open(p, mode)), raising=False)
    assert sha256_of_file(path) == hashlib.sha256(data).hexdigest()
    # Never the whole file at once: fixed-size blocks until the empty read.
    assert reads == [4096, 4096, 4096, 4096]


def test_an_original_goes_through_a_temp_file_and_a_rename(tmp_path, monkeypatch):
    store = Storage(tmp_path / "media")
    source = tmp_path / "in.jpg"
    source.write_bytes(b"bytes of a photo")
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        # At the moment of the rename the target does not exist yet and the temp file is whole.
        renames.append((os.path.basename(src), os.path.dirname(src), str(dst), os.path.exists(dst),
                        Path(src).read_bytes()))
        return real_replace(src, dst)

    monkeypatch.setattr(storage.os, "replace", spy)
    ref, _ = store.place_original(store.stage_copy(source), SHA, "jpg")
    path = Path(ref)
    [(temp_name, temp_dir, target, existed, content)] = renames
    # Staged under tmp/ (same file system), then renamed into place.
    assert temp_name.startswith(".tmp-") and temp_dir == str(store.tmp)
    assert target == str(path) and existed is False
    assert content == b"bytes of a photo"


def test_a_temp_file_of_a_zombie_writer_is_dead(tmp_path):
    import subprocess
    import sys
    import time

    from archive.storage import temp_file_is_dead

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    stat = Path(f"/proc/{child.pid}/stat")
    try:
        for _ in range(500):  # until it has exited, unreaped
            if stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.01)
        else:
            pytest.skip("no /proc to read a process state from")
        assert temp_file_is_dead(tmp_path / f".tmp-{child.pid}-ab12.jpg")
        assert not temp_file_is_dead(tmp_path / f".tmp-{os.getpid()}-ab12.jpg")
    finally:
        child.wait()
