"""Bulk import: worker processes, batched commits, resumption and dry runs."""

import os
import signal
import subprocess
import sys

import pytest
from support import PROJECT_ROOT, files_under, json_lines

from archive import db as archive_db
from archive.ingest.bulk import import_files, walk
from archive.ingest.pipeline import FileWork, Ingester, Provenance


def _folder_of_photos(make_image, count, prefix="trip/IMG_"):
    return [make_image(f"{prefix}{i:03d}.jpg", width=320, height=240, seed=i) for i in range(count)]


def test_two_workers_import_what_one_worker_does(run_cli, make_image, db, tmp_path):
    paths = _folder_of_photos(make_image, 12)
    folder = paths[0].parent
    result = run_cli("import", folder, "--workers", "2", "--json", "--trip", "Autumn 2019")
    assert result.exit_code == 0, result.output
    lines = json_lines(result.output)
    assert [line["path"] for line in lines] == [str(p) for p in paths]  # the order given
    assert [line["status"] for line in lines] == ["imported"] * 12
    rows = list(db.query("SELECT original_filename, trip, source FROM photos ORDER BY id"))
    assert [r["original_filename"] for r in rows] == [p.name for p in paths]
    assert {(r["trip"], r["source"]) for r in rows} == {("Autumn 2019", "cli")}
    data_dir = tmp_path / "media"
    assert len(files_under(data_dir / "originals")) == 12
    assert len(files_under(data_dir / "derivatives")) == 24
    assert files_under(data_dir / "tmp") == []


def test_the_same_bytes_twice_in_one_batch_is_stored_once(run_cli, make_image, db):
    first = make_image("a/one.jpg", seed=7)
    copy = first.parent.parent / "b" / "copy.jpg"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    result = run_cli("import", first.parent.parent, "--workers", "2", "--json")
    lines = json_lines(result.output)
    assert [line["status"] for line in lines] == ["imported", "duplicate"]
    assert lines[1]["duplicate_of"] == lines[0]["photo_id"]
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 1


def test_a_bad_file_in_a_batch_does_not_stop_the_rest(run_cli, make_image, db):
    paths = _folder_of_photos(make_image, 4)
    data = paths[1].read_bytes()
    (paths[0].parent / "IMG_broken.jpg").write_bytes(data[: len(data) // 2])
    result = run_cli("import", paths[0].parent, "--workers", "2", "--json")
    by_name = {os.path.basename(line["path"]): line for line in json_lines(result.output)}
    assert by_name["IMG_broken.jpg"]["status"] == "rejected"
    assert "truncated or corrupt" in by_name["IMG_broken.jpg"]["reason"]
    assert sum(line["status"] == "imported" for line in by_name.values()) == 4
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 4


def test_dry_run_reports_and_changes_nothing(run_cli, make_image, data_dir, db):
    paths = _folder_of_photos(make_image, 3)
    run_cli("import", paths[0])
    (paths[0].parent / "notes.jpg").write_text("not a photo")
    before = files_under(data_dir)
    result = run_cli("import", paths[0].parent, "--dry-run", "--json")
    statuses = {os.path.basename(line["path"]): line["status"] for line in json_lines(result.output)}
    assert statuses == {"IMG_000.jpg": "duplicate", "IMG_001.jpg": "new", "IMG_002.jpg": "new",
                        "notes.jpg": "rejected"}
    assert files_under(data_dir) == before
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 1
    summary = run_cli("import", paths[0].parent, "--dry-run").output
    assert "2 would be imported, 1 duplicates, 1 rejected" in summary


def test_files_prepared_but_never_committed_are_finished_by_a_rerun(make_image, data_dir, app, run_cli):
    """The state a kill between the file phase and the commit leaves behind."""
    paths = _folder_of_photos(make_image, 3)
    work = FileWork(data_dir, 10**9, 10**9)
    for path in paths:
        work.prepare(path, str(path))  # files written, no row
    assert len(files_under(data_dir / "originals")) == 3
    result = run_cli("import", paths[0].parent, "--json")
    assert [line["status"] for line in json_lines(result.output)] == ["imported"] * 3
    assert len(files_under(data_dir / "originals")) == 3
    assert len(files_under(data_dir / "derivatives")) == 6


def test_a_failed_commit_removes_the_files_it_created(make_image, data_dir, app, monkeypatch):
    path = make_image("one.jpg")
    db = archive_db.connect(data_dir)
    ingester = Ingester(db, FileWork(data_dir, 10**9, 10**9))

    def broken_insert(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingester, "_insert", broken_insert)
    with pytest.raises(RuntimeError):
        list(import_files(ingester, [path], lambda p: Provenance(p.name, "cli")))
    assert files_under(data_dir / "originals") == []
    assert files_under(data_dir / "derivatives") == []
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0


def test_walk_takes_images_in_folders_and_any_file_named(tmp_path):
    (tmp_path / "trip" / ".hidden").mkdir(parents=True)
    for name in ("b.JPG", "a.heic", "notes.txt", ".DS_Store", ".hidden/x.jpg"):
        (tmp_path / "trip" / name).write_bytes(b"x")
    named = tmp_path / "named.dat"
    named.write_bytes(b"x")
    found = walk([tmp_path / "trip", named])
    assert [p.name for p in found.files] == ["a.heic", "b.JPG", "named.dat"]
    assert [p.name for p in found.skipped] == ["notes.txt"]


def test_a_killed_import_run_again_ends_with_every_photo_once(make_image, data_dir, tmp_path):
    """kill -9 in the middle of a real import, then the same command again."""
    paths = _folder_of_photos(make_image, 40)
    command = [sys.executable, str(PROJECT_ROOT / "manage_archive.py"), "--data", str(data_dir),
               "import", str(paths[0].parent), "--workers", "2", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    first_line = process.stdout.readline()  # the first batch has committed
    assert b"imported" in first_line
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    rerun = subprocess.run(command, capture_output=True, text=True, check=True)
    statuses = [line["status"] for line in json_lines(rerun.stdout)]
    assert len(statuses) == 40
    assert statuses.count("imported") + statuses.count("duplicate") == 40
    db = archive_db.connect(data_dir)
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 40
    assert db.execute("SELECT count(DISTINCT sha256) FROM photos").fetchone()[0] == 40
    assert len(files_under(data_dir / "originals")) == 40
    assert len(files_under(data_dir / "derivatives")) == 80
    assert not [p for p in files_under(data_dir) if ".tmp-" in p]


def test_other_sizes_are_made_on_first_request_and_cached(run_cli, make_image, client, db, data_dir):
    run_cli("import", make_image("big.jpg", width=2000, height=1000))
    sha = db.execute("SELECT sha256 FROM photos").fetchone()[0]
    cached = data_dir / "derivatives" / sha[:2] / sha[2:4] / f"{sha}-fit800.jpg"
    assert not cached.exists()
    with client.get(f"/media/{sha}/fit800.jpg") as first:
        assert first.status_code == 200
        first_data = first.data
    assert cached.exists()
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(first_data)).size == (800, 400)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # A remade file would be written anew and renamed into place: a new inode.
    # (Its modification time moves on every use: the cache prunes by it.)
    inode = cached.stat().st_ino
    with client.get(f"/media/{sha}/fit800.jpg") as again:
        assert again.data == first_data
    assert cached.stat().st_ino == inode  # served from the cache, not remade
    assert client.get(f"/media/{sha}/fit801.jpg").status_code == 404


def test_behind_nginx_media_are_offloaded_with_x_accel_redirect(run_cli, make_image, data_dir, db, make_user):
    from support import logged_in_client

    from archive import create_app

    run_cli("import", make_image("one.jpg"))
    sha, photo_id = db.execute("SELECT sha256, id FROM photos").fetchone()
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t",
                      "MEDIA_ACCEL_PREFIX": "/_media"})
    client = app.test_client()
    response = client.get(f"/media/{sha}/fit400.jpg")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_media/derivatives/{sha[:2]}/{sha[2:4]}/{sha}-fit400.jpg"
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    original = logged_in_client(app, make_user()).get(f"/photos/{photo_id}/original")
    assert original.headers["X-Accel-Redirect"] == f"/_media/originals/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert original.headers["Content-Disposition"] == f'attachment; filename="photo-{photo_id}.jpg"'
    assert original.headers["Cache-Control"] == "private, max-age=31536000, immutable"


def test_near_duplicates_within_one_batch_find_each_other(run_cli, tmp_path):
    from support import scene

    folder = tmp_path / "batch"
    folder.mkdir()
    original = scene(1200, 900, seed=61)
    original.save(folder / "a.jpg", quality=92)
    original.resize((600, 450)).save(folder / "b_small.jpg", quality=70)  # the messaging-app copy
    scene(1200, 900, seed=62).save(folder / "c_other.jpg")
    lines = json_lines(run_cli("import", folder, "--workers", "2", "--json").output)
    a, b, c = lines
    assert b["matches"] == [{"photo_id": a["photo_id"], "kind": "duplicate", "reason": "smaller copy (50 %)"}]
    assert c["matches"] == []


def test_a_picture_copied_many_times_is_checked_against_one_copy_not_every_one(run_cli, tmp_path, db, monkeypatch):
    """Ten copies of one picture (sizes and qualities a phone or a chat app
    makes): every copy is still suggested as a copy of every other, but the
    fine-detail check runs about once a copy instead of once a pair, so the
    import's writer does not slow down with each copy of a much-photographed
    poster; and a rescan finds the same."""
    from support import scene

    from archive.dedup import detail

    checks = []
    real = detail.agreement
    monkeypatch.setattr(detail, "agreement", lambda *args: checks.append(args) or real(*args))
    folder = tmp_path / "copies"
    folder.mkdir()
    original = scene(1200, 900, seed=63)
    for i in range(10):
        size = (1200 - 60 * i, 900 - 45 * i)
        original.resize(size).save(folder / f"copy-{i}.jpg", quality=95 - 3 * i)
    lines = json_lines(run_cli("import", folder, "--json").output)
    assert [line["status"] for line in lines] == ["imported"] * 10
    pairs = {(row["photo_a"], row["photo_b"]): row["kind"] for row in db.query("SELECT * FROM match_suggestions")}
    ids = sorted(line["photo_id"] for line in lines)
    assert pairs == {(a, b): "duplicate" for a in ids for b in ids if a < b}  # 45 pairs
    assert len(checks) <= 12, len(checks)  # not 45
    db.execute("DELETE FROM match_suggestions")
    db.commit()
    checks.clear()
    assert run_cli("dedup", "rescan").exit_code == 0
    assert {(row["photo_a"], row["photo_b"]): row["kind"] for row in db.query("SELECT * FROM match_suggestions")} == pairs
    assert len(checks) <= 12, len(checks)
