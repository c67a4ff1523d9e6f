"""backup and restore: a consistent copy while the archive is in use."""

import sqlite3
import threading

from support import files_under

from archive import db as archive_db
from archive.ingest.pipeline import FileWork, Ingester, Provenance


def test_backup_restore_round_trip(run_cli, make_image, data_dir, tmp_path, db):
    paths = [make_image(f"b/{i}.jpg", seed=i) for i in range(4)]
    run_cli("import", paths[0].parent, "--tag", "set:european-street")
    dest = tmp_path / "backup"
    first = run_cli("backup", dest)
    assert first.exit_code == 0, first.output
    assert "4 originals copied" in first.output
    assert files_under(dest / "originals") == files_under(data_dir / "originals")
    assert not (dest / "derivatives").exists()

    run_cli("import", make_image("later.jpg", seed=99))
    second = run_cli("backup", dest)
    assert "1 originals copied" in second.output and "4 already there" in second.output

    restored = tmp_path / "restored"
    result = run_cli_at(restored, "restore", dest)
    assert result.exit_code == 0, result.output
    assert "restored 5 photos" in result.output
    conn = sqlite3.connect(restored / "archive.db")
    assert conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 5
    tagged = conn.execute(
        "SELECT count(*) FROM photo_tags JOIN tags ON tags.id = tag_id WHERE tags.slug = 'european-street'"
    ).fetchone()[0]
    assert tagged == 4
    verify = run_cli_at(restored, "verify", "--json")
    assert verify.exit_code == 0, verify.output
    assert len(files_under(restored / "derivatives")) == 10


def test_restore_refuses_to_overwrite_an_archive(run_cli, make_image, data_dir, tmp_path):
    run_cli("import", make_image("one.jpg"))
    run_cli("backup", tmp_path / "bk")
    result = run_cli("restore", tmp_path / "bk")
    assert result.exit_code == 1
    assert "already holds an archive" in result.output


def test_backup_refuses_a_folder_inside_the_data_directory(run_cli, make_image, data_dir):
    run_cli("import", make_image("one.jpg"))
    result = run_cli("backup", data_dir / "backups")
    assert result.exit_code == 1
    assert "outside the data directory" in result.output


def test_backup_while_imports_commit_is_consistent(make_image, data_dir, tmp_path, app):
    """The online backup API: a snapshot taken mid-write holds whole photos only."""
    paths = [make_image(f"c/{i}.jpg", width=200, height=150, seed=i) for i in range(30)]
    done = threading.Event()

    def importer():
        db = archive_db.connect(data_dir)
        ingester = Ingester(db, FileWork(data_dir, 10**9, 10**9))
        for path in paths:
            ingester.ingest(path, Provenance(path.name, "cli"), [("set", "railway")])
        done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    from archive.preservation import backup

    snapshots = 0
    while not done.is_set() or snapshots == 0:
        backup.backup(data_dir, tmp_path / f"bk{snapshots}")
        conn = sqlite3.connect(tmp_path / f"bk{snapshots}" / "archive.db")
        photos = conn.execute("SELECT count(*) FROM photos").fetchone()[0]
        tagged = conn.execute("SELECT count(DISTINCT photo_id) FROM photo_tags").fetchone()[0]
        assert photos == tagged  # never a photo without its tags
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        snapshots += 1
    thread.join()


def run_cli_at(data_dir, *args):
    from click.testing import CliRunner

    from archive.cli import cli

    return CliRunner().invoke(cli, ["--data", str(data_dir), *map(str, args)], catch_exceptions=False)


def test_the_secret_key_stays_its_owners_alone_in_the_backup_and_after_a_restore(run_cli, make_image, data_dir,
                                                                                  tmp_path):
    """The key that signs sessions is readable by its owner only in the data
    directory (the app made it so); a backup and a restore keep it that way."""
    import stat

    from archive import create_app

    create_app({"DATA_DIR": data_dir})  # with no key configured, it keeps one in the data directory
    key = data_dir / "secret_key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    run_cli("import", make_image("k.jpg", seed=5))
    dest = tmp_path / "backup"
    assert run_cli("backup", dest).exit_code == 0
    assert stat.S_IMODE((dest / "secret_key").stat().st_mode) == 0o600
    restored = tmp_path / "restored"
    assert run_cli_at(restored, "restore", dest).exit_code == 0
    assert (restored / "secret_key").read_bytes() == key.read_bytes()
    assert stat.S_IMODE((restored / "secret_key").stat().st_mode) == 0o600
