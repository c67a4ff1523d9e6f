"""The archive on either storage backend: the data directory's folders, and an
S3 bucket in moto's standalone server over HTTP. The same path, ingest ->
search -> IIIF -> verify -> backup -> restore, runs on both, and a backup
moves an archive between a folder and a bucket, either way."""

import base64
import hashlib
import io
import json
import re
import socket
import sqlite3
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner
from object_store import CREDENTIALS, Store, new_bucket, s3_client, use_s3
from PIL import Image
from support import PROJECT_ROOT, image_bytes, json_lines, logged_in_client, scene

from archive import create_app
from archive.cli import cli
from archive.storage import cache, open_storage

SHA = "ab" + "cd" + "0123456789abcdef" * 3 + "012345678901"
ORIGINAL_KEY = re.compile(r"^originals/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.(jpg|png)$")


def run_at(data_dir, *args):
    result = CliRunner().invoke(cli, ["--data", str(data_dir), *map(str, args)], catch_exceptions=False)
    return result


def _app(data_dir, **config):
    return create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                       **config})


def test_the_whole_path_on_each_backend(backend, data_dir, make_image, tmp_path, monkeypatch, s3_endpoint):
    # A photo past the (lowered) pyramid threshold gets its tiles at import.
    monkeypatch.setenv("ARCHIVE_IIIF_PYRAMID_MEGAPIXELS", "1")
    paths = [make_image(f"trip/{i}.jpg", width=400, height=300, seed=i) for i in range(3)]
    paths.append(make_image("trip/large.png", width=1400, height=1000, seed=7))
    lines = json_lines(run_at(data_dir, "import", paths[0].parent, "--json", "--workers", "1",
                              "--tag", "set:european-street").output)
    assert [line["status"] for line in lines] == ["imported"] * 4
    shas = {hashlib.sha256(path.read_bytes()).hexdigest(): path for path in paths}

    # Content-addressed, as on disk: nothing else under originals/, and the
    # bytes are the file's.
    originals = backend.keys("originals")
    assert len(originals) == 4
    for key in originals:
        first, second, sha256, _ = ORIGINAL_KEY.match(key).groups()
        assert (first, second) == (sha256[:2], sha256[2:4])
        assert backend.read(key) == shas[sha256].read_bytes()
    large_sha = hashlib.sha256(paths[3].read_bytes()).hexdigest()
    assert f"derivatives/{large_sha[:2]}/{large_sha[2:4]}/{large_sha}-pyramid.zip" in backend.keys("derivatives")
    if backend.kind == "s3":
        assert not (data_dir / "originals").exists() and not (data_dir / "derivatives").exists()
    assert backend.temp_files() == [] and backend.incomplete_uploads() == []

    # Search finds them; the images are served from the store.
    found = json.loads(run_at(data_dir, "search", "set:european-street", "--json").output)
    assert found["total"] == 4
    app = _app(data_dir)
    client = app.test_client()
    db = sqlite3.connect(data_dir / "archive.db")
    ids = dict(db.execute("SELECT sha256, id FROM photos").fetchall())
    small = ids[hashlib.sha256(paths[0].read_bytes()).hexdigest()]
    with client.get(f"/media/{next(k for k in ids if ids[k] == small)}/fit400.jpg") as thumb:
        assert thumb.status_code == 200 and thumb.headers["Cache-Control"].endswith("immutable")
        assert Image.open(io.BytesIO(thumb.data)).size == (400, 300)
    with client.get(f"/iiif/3/{small}/full/200,/0/default.jpg") as half:
        assert half.status_code == 200 and Image.open(io.BytesIO(half.data)).size == (200, 150)
    assert any("iiif-" in key for key in backend.keys("derivatives"))  # kept in the store, as on disk
    with client.get(f"/iiif/3/{small}/full/200,/0/default.jpg") as again:
        assert again.data == half.data
    with client.get(f"/iiif/3/{small}/0,0,200,150/100,/0/default.jpg") as region:
        assert region.status_code == 200 and Image.open(io.BytesIO(region.data)).size == (100, 75)
    with client.get(f"/iiif/3/{ids[large_sha]}/512,512,512,488/512,/0/default.jpg") as tile:
        assert tile.status_code == 200 and Image.open(io.BytesIO(tile.data)).size == (512, 488)
    archivist = logged_in_client(app, _user(data_dir))
    with archivist.get(f"/photos/{small}/original") as original:
        assert original.status_code == 200 and original.data == paths[0].read_bytes()
    assert backend.temp_files() == []

    verify = run_at(data_dir, "verify", "--json")
    assert verify.exit_code == 0, verify.output
    assert json.loads(verify.output)["originals_checked"] == 4

    # Backup to the other kind of place, and restore into an archive of the
    # other kind: folder -> bucket -> bucket, or bucket -> folder -> folder.
    if backend.kind == "local":
        bucket = new_bucket(s3_endpoint)
        dest = f"s3://{bucket}/backup"
        use_s3(monkeypatch, s3_endpoint, f"s3://{bucket}/restored")
        restored_store = Store("s3", tmp_path / "restored", s3_endpoint, bucket, "restored")
        backup_store = Store("s3", tmp_path, s3_endpoint, bucket, "backup")
        monkeypatch.delenv("ARCHIVE_STORAGE")
        made = run_at(data_dir, "backup", dest)
        monkeypatch.setenv("ARCHIVE_STORAGE", restored_store.location)
    else:
        dest = tmp_path / "backup"
        backup_store = Store("local", dest)
        made = run_at(data_dir, "backup", dest)
        monkeypatch.delenv("ARCHIVE_STORAGE")
        restored_store = Store("local", tmp_path / "restored")
    assert made.exit_code == 0, made.output
    assert "4 originals copied" in made.output
    assert backup_store.keys("originals") == originals
    restored = run_at(tmp_path / "restored", "restore", dest)
    assert restored.exit_code == 0, restored.output
    assert "restored 4 photos" in restored.output
    assert restored_store.keys("originals") == originals
    check = run_at(tmp_path / "restored", "verify", "--json")
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["originals_checked"] == 4


def _user(data_dir):
    from archive import db as archive_db
    from archive.accounts import auth

    db = archive_db.connect(data_dir)
    try:
        return auth.add_user(db, "archie", "correct horse battery staple", "archivist")
    finally:
        db.close()


def test_the_storage_interface_behaves_alike(backend, data_dir, tmp_path):
    storage = open_storage(data_dir)
    source = tmp_path / "in.jpg"
    source.write_bytes(b"first bytes")
    SHA = hashlib.sha256(b"first bytes").hexdigest()  # noqa: N806
    ref, created = storage.place_original(storage.stage_copy(source), SHA, "jpg")
    where = f"{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg"
    assert created and ref.endswith(f"originals/{where}")
    assert backend.keys("originals") == [f"originals/{where}"]
    source.write_bytes(b"other bytes")
    assert storage.place_original(storage.stage_copy(source), SHA, "jpg") == (ref, False)
    assert backend.read(f"originals/{where}") == b"first bytes"  # never written over
    with storage.fetch_original(SHA, "jpg") as fetched:
        assert fetched.path.read_bytes() == b"first bytes"
    assert backend.temp_files() == []  # the staged copies and the fetched copy are gone
    assert storage.hash_original(SHA, "jpg") == hashlib.sha256(b"first bytes").hexdigest()

    assert storage.move_to_trash(SHA, "jpg") and not storage.has_original(SHA, "jpg")
    assert backend.keys("trash") == [f"trash/{where}"]
    with storage.fetch_original(SHA, "jpg", trash_too=True) as fetched:
        assert fetched.path.read_bytes() == b"first bytes"
    assert storage.take_back(SHA, "jpg") and storage.has_original(SHA, "jpg")
    assert not storage.take_back(SHA, "jpg")
    storage.move_to_trash(SHA, "jpg")
    assert storage.purge_trash(3600) == (0, 0)
    assert storage.purge_trash(0) == (1, len(b"first bytes")) and backend.keys("trash") == []

    storage.put_derivative(SHA, "fit400.jpg", b"thumb")
    storage.put_derivative(SHA, "iiif-full-max-0-default.jpg", b"iiif")
    assert storage.read_derivative(SHA, "fit400.jpg") == b"thumb"
    found = storage.get_derivative(SHA, "fit400.jpg")
    assert found.size == 5 and (found.path.read_bytes() if found.path else b"".join(found.chunks())) == b"thumb"
    assert storage.get_derivative(SHA, "fit800.jpg") is None
    with storage.open_derivative(SHA, "iiif-full-max-0-default.jpg") as opened:
        opened.seek(1)
        assert opened.read(2) == b"ii"
    storage.remove_derivatives(SHA, keep=lambda name: name == "fit400.jpg")
    assert backend.keys("derivatives") == [f"derivatives/{SHA[:2]}/{SHA[2:4]}/{SHA}-fit400.jpg"]
    with pytest.raises(ValueError):
        storage.put_derivative(SHA, "../escape.jpg", b"x")
    with pytest.raises(ValueError):
        storage.has_original("../" + SHA[3:], "jpg")


def test_the_cache_budget_holds_in_a_bucket_too(backend, data_dir, monkeypatch):
    storage = open_storage(data_dir)
    monkeypatch.setattr(cache, "MIN_AGE_SECONDS", 0)
    storage.put_derivative(SHA, "fit400.jpg", b"t" * 4000)  # a photo's own: never pruned
    for i in range(6):
        storage.put_derivative(SHA, f"iiif-{i}.jpg", b"x" * 1000)
    assert cache.size(storage) == 6000
    kept, removed = cache.prune(storage, 3000)
    assert kept <= 2700 and removed == 4
    assert storage.has_derivative(SHA, "fit400.jpg") and storage.has_derivative(SHA, "iiif-5.jpg")


def test_an_upload_carries_its_sha256_for_the_store_to_check(s3_store, data_dir, tmp_path, monkeypatch):
    # Large enough to go up in parts (of 5 MB, the least S3 takes).
    monkeypatch.setenv("ARCHIVE_S3_PART_MB", "5")
    storage = open_storage(data_dir)
    client = s3_client(s3_store.endpoint)
    small, large = tmp_path / "small.jpg", tmp_path / "large.jpg"
    small.write_bytes(b"a small photo")
    large.write_bytes(bytes(range(256)) * (45 * 1024))  # 11.25 MB: three parts
    for path in (small, large):
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        storage.place_original(storage.stage_copy(path), sha256, "jpg")
        head = client.head_object(Bucket=s3_store.bucket, Key=f"archive/originals/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg",
                                  ChecksumMode="ENABLED")
        assert head["Metadata"]["sha256"] == sha256
        assert storage.original_matches(sha256, "jpg")
        if path is small:
            assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha256)).decode()
        assert storage.hash_original(sha256, "jpg") == sha256
    assert s3_store.incomplete_uploads() == [] and s3_store.temp_files() == []


def test_a_failed_multipart_upload_leaves_nothing(s3_store, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_S3_PART_MB", "5")
    storage = open_storage(data_dir)
    large = tmp_path / "large.jpg"
    large.write_bytes(b"\x01" * (12 * 1024 * 1024))
    sha256 = hashlib.sha256(large.read_bytes()).hexdigest()
    real, calls = storage.client.upload_part, []

    def fail_on_the_second_part(**args):
        calls.append(args["PartNumber"])
        if args["PartNumber"] == 2:
            raise ConnectionError("the network went away")
        return real(**args)

    monkeypatch.setattr(storage.client, "upload_part", fail_on_the_second_part)
    with pytest.raises(ConnectionError):
        storage.place_original(storage.stage_copy(large), sha256, "jpg")
    assert calls == [1, 2]
    assert s3_store.keys("originals") == []  # never visible half made
    assert s3_store.incomplete_uploads() == [] and s3_store.temp_files() == []


def test_public_images_can_redirect_to_the_store_and_private_ones_never_do(s3_store, data_dir, make_image):
    run_at(data_dir, "import", "--workers", "1", make_image("a.jpg", seed=1), make_image("b.jpg", seed=2))
    db = sqlite3.connect(data_dir / "archive.db")
    (pub_id, pub_sha), (priv_id, priv_sha) = db.execute("SELECT id, sha256 FROM photos ORDER BY id").fetchall()
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [priv_id])
    db.commit()
    app = _app(data_dir, S3_PRESIGN_SECONDS=60)
    client = app.test_client()
    with client.get(f"/media/{pub_sha}/fit400.jpg") as answer:
        assert answer.status_code == 302
    assert answer.location.startswith(s3_store.endpoint + "/") and "Expires=" in answer.location
    assert answer.headers["Cache-Control"] == "public, max-age=30"
    followed = requests.get(answer.location, timeout=10)
    assert followed.status_code == 200 and Image.open(io.BytesIO(followed.content)).size[0] == 400
    assert client.get(f"/media/{priv_sha}/fit400.jpg").status_code == 404  # checked first, as ever
    archivist = logged_in_client(app, _user(data_dir))
    with archivist.get(f"/media/{priv_sha}/fit400.jpg") as private:
        assert private.status_code == 200 and private.headers["Cache-Control"].startswith("private")
        assert Image.open(io.BytesIO(private.data)).size[0] == 400


def test_a_store_that_stops_answering_is_a_503_to_try_again_not_a_server_error(s3_store, data_dir, make_image,
                                                                              monkeypatch):
    run_at(data_dir, "import", "--workers", "1", make_image("a.jpg", seed=1))
    [(photo_id, sha)] = sqlite3.connect(data_dir / "archive.db").execute("SELECT id, sha256 FROM photos").fetchall()
    assert _app(data_dir).test_client().get(f"/media/{sha}/fit400.jpg").status_code == 200
    # The bucket is taken away (or its name mistyped): the store refuses every request.
    monkeypatch.setenv("ARCHIVE_STORAGE", f"s3://{s3_store.bucket}-gone/archive")
    client = _app(data_dir).test_client()
    for path in (f"/media/{sha}/fit800.jpg", f"/iiif/3/{photo_id}/full/300,/0/default.jpg"):
        answer = client.get(path)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30", path
        assert "storage that holds the photographs is not answering" in answer.get_data(as_text=True), path
    client.set_cookie("lang", "ko")
    assert "저장소가 지금 응답하지 않습니다" in client.get(f"/media/{sha}/fit800.jpg").get_data(as_text=True)
    # The pages that need no picture still answer.
    assert client.get(f"/api/photos/{photo_id}").status_code == 200


def test_a_command_whose_store_does_not_answer_says_so_in_a_line(data_dir, make_image, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_s3(monkeypatch, f"http://127.0.0.1:{port}", "s3://archive-gone/archive")
    result = subprocess.run([sys.executable, "manage_archive.py", "--data", str(data_dir), "import",
                             str(make_image("a.jpg", seed=1))], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the archive's storage is not answering: Could not connect"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (data_dir / "archive.db").exists() or sqlite3.connect(data_dir / "archive.db").execute(
        "SELECT count(*) FROM photos").fetchone()[0] == 0


def test_verify_finds_damage_orphans_and_missing_objects_and_repairs(backend, data_dir, make_image):
    paths = [make_image(f"v/{i}.jpg", width=300, height=200, seed=i) for i in range(3)]
    run_at(data_dir, "import", paths[0].parent, "--workers", "1")
    originals = backend.keys("originals")
    derivatives = backend.keys("derivatives")
    damaged = originals[0]
    backend.write(damaged, backend.read(damaged)[:-10] + b"0123456789")
    backend.delete(originals[1])
    thumb = next(key for key in derivatives if key.endswith("fit400.jpg") and key.split("/")[-1][:64] in originals[2])
    backend.delete(thumb)
    stray = "originals/ab/cd/" + "ab" * 32 + ".jpg"
    backend.write(stray, b"left by someone")
    result = run_at(data_dir, "verify", "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    kinds = sorted((p["kind"], p["path"].endswith(key)) for p in report["problems"]
                   for key in (damaged, originals[1], thumb, stray) if p["path"].endswith(key))
    assert kinds == [("changed-original", True), ("missing-derivative", True), ("missing-original", True),
                     ("orphan-file", True)]
    repaired = json.loads(run_at(data_dir, "verify", "--json", "--repair").output)
    by_kind = {p["kind"]: p for p in repaired["problems"]}
    assert by_kind["missing-derivative"]["repaired"]
    assert not by_kind["changed-original"]["repaired"] and not by_kind["missing-original"]["repaired"]
    # A young orphan may be an import's that is still running: left in place.
    assert not by_kind["orphan-file"]["repaired"] and stray in backend.keys("originals")
    assert thumb in backend.keys("derivatives")


def test_a_verify_stopped_half_way_resumes(backend, data_dir, make_image, monkeypatch):
    from archive import db as archive_db
    from archive.preservation import fixity

    run_at(data_dir, "import", "--workers", "1",
           *[make_image(f"r/{i}.jpg", width=200, height=150, seed=i) for i in range(5)])
    monkeypatch.setattr(fixity, "PROGRESS_SECONDS", -1)  # keep progress after every photo
    db = archive_db.connect(data_dir)
    seen = []

    def stop_after_three():
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fixity.verify(db, data_dir, progress=stop_after_three)
    report = fixity.verify(db, data_dir, resume=True)
    assert report.resumed_after == 2 and report.originals_checked == 5 and report.ok
    assert not (data_dir / fixity.PROGRESS_FILE).exists()
    assert fixity.verify(db, data_dir, resume=True).resumed_after is None  # nothing to resume now
    db.close()


def test_backup_refuses_a_place_inside_the_archives_own_store(s3_store, data_dir, make_image):
    run_at(data_dir, "import", "--workers", "1", make_image("one.jpg"))
    result = run_at(data_dir, "backup", f"{s3_store.location}/backups")
    assert result.exit_code == 1 and "must not lie inside one another" in result.output


def test_a_bad_storage_setting_is_a_clear_message(data_dir, monkeypatch):
    monkeypatch.setenv("ARCHIVE_STORAGE", "/mnt/somewhere")
    result = CliRunner().invoke(cli, ["--data", str(data_dir), "verify"])
    assert result.exit_code == 1
    assert "ARCHIVE_STORAGE must be s3://BUCKET/PREFIX" in result.output


def test_the_credentials_come_from_boto3s_usual_sources(data_dir, s3_endpoint, monkeypatch, tmp_path):
    bucket = new_bucket(s3_endpoint)
    use_s3(monkeypatch, s3_endpoint, f"s3://{bucket}/p")
    for name in CREDENTIALS:
        monkeypatch.delenv(name)
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("ARCHIVE_S3_REGION", "us-east-1")
    storage = open_storage(data_dir)
    storage.put_derivative(SHA, "fit400.jpg", image_bytes(scene(40, 30), "JPEG"))
    assert storage.has_derivative(SHA, "fit400.jpg")
