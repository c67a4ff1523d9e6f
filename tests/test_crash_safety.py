"""kill -9 at any moment of an import leaves each photo whole or absent, and
running the import again completes it: verify is clean, counts are exact."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from support import PROJECT_ROOT, files_under, json_lines

from archive import db as archive_db


def manage(data_dir, *args):
    return [sys.executable, str(PROJECT_ROOT / "manage_archive.py"), "--data", str(data_dir), *map(str, args)]


def test_an_import_killed_at_random_moments_then_run_again_is_exact(make_image, data_dir):
    folder = [make_image(f"trip/IMG_{i:03d}.jpg", width=480, height=360, seed=i) for i in range(36)][0].parent
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    rng = random.Random(20261127)  # fixed, so a failure can be replayed
    for _attempt in range(4):
        process = subprocess.Popen(manage(data_dir, "import", folder, "--workers", "2", "--json"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, 2.5))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Whatever is visible now is whole: every committed row has its files.
        db = archive_db.connect(data_dir)
        for sha256, ext in db.execute("SELECT sha256, ext FROM photos"):
            assert (data_dir / "originals" / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}").exists()
        db.close()
    rerun = subprocess.run(manage(data_dir, "import", folder, "--json"), capture_output=True, text=True, check=True)
    statuses = [line["status"] for line in json_lines(rerun.stdout)]
    assert len(statuses) == 37 and statuses.count("rejected") == 1
    assert statuses.count("imported") + statuses.count("duplicate") == 36
    db = archive_db.connect(data_dir)
    assert db.execute("SELECT count(*), count(DISTINCT sha256) FROM photos").fetchone() == (36, 36)
    db.close()
    assert len(files_under(data_dir / "originals")) == 36
    verify = subprocess.run(manage(data_dir, "verify", "--json"), capture_output=True, text=True)
    report = json.loads(verify.stdout)
    assert verify.returncode == 0, report["problems"]
    assert report == {"ok": True, "photos": 36, "originals_checked": 36, "problems": [], "swept_temp_files": 0, "trash_purged": 0}


def test_temp_files_of_dead_writers_are_swept_not_reported(run_cli, make_image, data_dir):
    run_cli("import", make_image("one.jpg"))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    folder = data_dir / "originals" / "aa" / "bb"
    folder.mkdir(parents=True)
    stale = folder / f".tmp-{dead.pid}-x1y2.jpg"
    stale.write_bytes(b"half a file")
    live = folder / f".tmp-{os.getpid()}-z3.jpg"
    live.write_bytes(b"being written")
    result = run_cli("verify", "--json")
    report = json.loads(result.output)
    # Garbage by its name (its writer is gone), not damage: swept, exit 0.
    assert result.exit_code == 0 and report["problems"] == [] and report["swept_temp_files"] == 1
    assert not stale.exists() and live.exists()  # a live writer's file is left be
    stale.write_bytes(b"half a file")
    run_cli("import", make_image("two.jpg", seed=2))  # an import clears what dead writers left too
    assert not stale.exists() and live.exists()
    live.unlink()
    assert json.loads(run_cli("verify", "--json").output)["ok"]


def test_an_import_to_an_object_store_killed_while_it_uploads_then_run_again_is_exact(s3_store, data_dir, tmp_path,
                                                                                     monkeypatch):
    """SIGKILL while originals go up in parts: the rerun leaves every photo
    exactly once, no object half made and no multipart upload open."""
    import numpy
    from PIL import Image

    monkeypatch.setenv("ARCHIVE_S3_PART_MB", "5")  # every original here goes up in two parts
    folder = tmp_path / "trip"
    folder.mkdir()
    noise = numpy.random.default_rng(18)
    for i in range(6):
        Image.fromarray(noise.integers(0, 256, (1300, 1400, 3), dtype=numpy.uint8)).save(folder / f"{i}.png",
                                                                                         compress_level=1)
    assert all(path.stat().st_size > 5 * 1024 * 1024 for path in folder.iterdir())
    rng = random.Random(20261130)
    for _attempt in range(2):
        process = subprocess.Popen(manage(data_dir, "import", folder, "--workers", "2", "--json"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Killed while a multipart upload is open: its marker names the
        # upload once the store has begun it (on the first attempt at once,
        # on the next a moment later).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _open_upload(data_dir):
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.05) if _attempt else 0)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Whatever is visible now is whole: every committed row has its original.
        db = archive_db.connect(data_dir)
        committed = [f"originals/{sha[:2]}/{sha[2:4]}/{sha}.{ext}" for sha, ext in db.execute("SELECT sha256, ext FROM photos")]
        db.close()
        assert set(committed) <= set(s3_store.keys("originals"))
    # Something was left to clear: uploads that were never completed.
    assert s3_store.incomplete_uploads()
    rerun = subprocess.run(manage(data_dir, "import", folder, "--json"), capture_output=True, text=True, check=True)
    statuses = [line["status"] for line in json_lines(rerun.stdout)]
    assert set(statuses) <= {"duplicate", "imported"} and len(statuses) == 6
    db = archive_db.connect(data_dir)
    assert db.execute("SELECT count(*), count(DISTINCT sha256) FROM photos").fetchone() == (6, 6)
    db.close()
    assert len(s3_store.keys("originals")) == 6
    assert s3_store.incomplete_uploads() == []
    assert s3_store.temp_files() == []
    verify = subprocess.run(manage(data_dir, "verify", "--json"), capture_output=True, text=True)
    report = json.loads(verify.stdout)
    assert verify.returncode == 0, report["problems"]
    assert report["originals_checked"] == 6


def _open_upload(data_dir):
    for marker in (data_dir / "tmp").glob(".tmp-*.multipart"):
        try:
            if "upload_id" in marker.read_text():
                return True
        except OSError:
            pass  # gone between the listing and the read
    return False
