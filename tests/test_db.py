"""The database: named migrations applied once, WAL, a busy timeout."""

import sqlite3
import threading
import time

import pytest

from archive import db as archive_db


def test_the_database_file_lives_in_the_data_directory(tmp_path):
    database = archive_db.connect(tmp_path / "new" / "media")
    database.close()
    assert (tmp_path / "new" / "media" / "archive.db").is_file()


def test_migrations_are_named_and_applied_once(tmp_path):
    database = archive_db.connect(tmp_path)
    names = [m.name for m in archive_db.migrations.applied(database)]
    assert names[0] == "0001_initial"
    assert len(names) == len(set(names))
    assert archive_db.migrations.pending(database) == []
    rows = database.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == names
    assert {"photos", "tags", "tag_aliases", "photo_tags"} <= set(database.table_names())
    database.close()


def test_wal_mode_and_busy_timeout(tmp_path):
    database = archive_db.connect(tmp_path)
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("PRAGMA busy_timeout").fetchone()[0] == archive_db.BUSY_TIMEOUT_MS
    assert archive_db.BUSY_TIMEOUT_MS >= 5000
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    database.close()
    # WAL is a property of the file: a plain connection sees it too.
    plain = sqlite3.connect(tmp_path / "archive.db")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()


def test_a_second_connect_changes_nothing(tmp_path, monkeypatch):
    first = archive_db.connect(tmp_path)
    applied = [(m.name, m.applied_at) for m in archive_db.migrations.applied(first)]
    tag_count = first["tags"].count
    schema = first.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    first.close()

    def must_not_run(*args, **kwargs):
        raise AssertionError("migrations applied again")

    monkeypatch.setattr(archive_db.migrations, "apply", must_not_run)
    second = archive_db.connect(tmp_path)
    assert [(m.name, m.applied_at) for m in archive_db.migrations.applied(second)] == applied
    assert second["tags"].count == tag_count  # the vocabulary is not seeded twice
    assert second.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    second.close()


def test_write_transaction_rolls_back_everything_on_error(tmp_path):
    database = archive_db.connect(tmp_path)
    before = database["tags"].count
    with pytest.raises(RuntimeError):
        with archive_db.write_transaction(database):
            database["tags"].insert({"facet": "keyword", "slug": "a", "label": "a"})
            with archive_db.write_transaction(database):  # nested: a savepoint
                database["tags"].insert({"facet": "keyword", "slug": "b", "label": "b"})
            raise RuntimeError("boom")
    assert database["tags"].count == before
    assert not database.conn.in_transaction
    database.close()


def test_a_second_writer_waits_instead_of_failing(tmp_path):
    one = archive_db.connect(tmp_path)
    two = archive_db.connect(tmp_path)
    entered = threading.Event()
    release = threading.Event()
    errors = []

    def hold_the_lock():
        with archive_db.write_transaction(one):
            one["tags"].insert({"facet": "keyword", "slug": "first", "label": "first"})
            entered.set()
            release.wait(10)

    def write_second():
        try:
            entered.wait(10)
            with archive_db.write_transaction(two):
                two["tags"].insert({"facet": "keyword", "slug": "second", "label": "second"})
        except Exception as exc:  # "database is locked" would land here
            errors.append(exc)

    holder = threading.Thread(target=hold_the_lock)
    writer = threading.Thread(target=write_second)
    holder.start()
    writer.start()
    entered.wait(10)
    time.sleep(0.3)  # let the second writer reach the lock; not a timing assertion
    release.set()
    holder.join(20)
    writer.join(20)
    assert errors == []
    slugs = {r[0] for r in one.execute("SELECT slug FROM tags WHERE facet = 'keyword'").fetchall()}
    assert slugs == {"first", "second"}
    one.close()
    two.close()


def test_two_processes_starting_together_migrate_once(tmp_path):
    # Two connections racing to create the same fresh database.
    results, errors = [], []

    def start():
        try:
            database = archive_db.connect(tmp_path)
            results.append([m.name for m in archive_db.migrations.applied(database)])
            database.close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 3 and results[0] == results[1] == results[2]
    database = archive_db.connect(tmp_path)
    assert database.execute("SELECT count(*) FROM tags WHERE facet = 'set'").fetchone()[0] == 8
    database.close()


def _schema(database):
    return sorted(
        (row[0], row[1], " ".join((row[2] or "").split()))
        for row in database.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    )


def test_an_archive_made_before_the_later_steps_migrates_to_todays_schema(tmp_path):
    """A database as the first release left it (step 0001 only, with a photo
    in it) ends, after connect(), with exactly the schema of a new one."""
    import sqlite_utils

    from archive.migrations import STEPS

    old_path = tmp_path / "old"
    old_path.mkdir()
    first = sqlite_utils.Migrations("archive")
    first(name=STEPS[0].NAME)(STEPS[0].apply)
    old = sqlite_utils.Database(old_path / archive_db.DB_FILENAME)
    first.apply(old)
    old["photos"].insert({
        "sha256": "ab" * 32, "ext": "jpg", "format": "JPEG", "mime_type": "image/jpeg", "file_size": 10,
        "width": 4, "height": 3, "phash": 1, "dhash": 2, "original_filename": "old.jpg", "source": "cli",
        "uploaded_at": "2019-10-01T00:00:00+00:00",
    })
    old.close()

    migrated = archive_db.connect(old_path)
    fresh = archive_db.connect(tmp_path / "fresh")
    assert _schema(migrated) == _schema(fresh)
    assert migrated.execute("SELECT original_filename FROM photos").fetchall() == [("old.jpg",)]
    assert [m.name for m in archive_db.migrations.applied(migrated)] == [s.NAME for s in STEPS]


def test_no_migration_imports_the_archives_live_code():
    import ast
    from pathlib import Path

    import archive.migrations

    folder = Path(archive.migrations.__file__).parent
    for path in folder.glob("m*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.startswith("archive") for n in names), f"{path.name} imports {names}"
