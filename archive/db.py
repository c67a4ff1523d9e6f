"""SQLite connections and the schema's migrations.

One connection per request or command. WAL lets readers carry on while one
writer commits; the busy timeout makes a second writer wait instead of failing.
"""

import contextlib
import sqlite3
import time
from pathlib import Path

import sqlite_utils

DB_FILENAME = "archive.db"
BUSY_TIMEOUT_MS = 30_000

migrations = sqlite_utils.Migrations("archive")


def connect(data_dir):
    """Open the archive's database in data_dir, creating and migrating it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        data_dir / DB_FILENAME,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # transactions are explicit: see write_transaction
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrations.pending(db):
        # Under the write lock, so two processes starting together cannot
        # both apply a step; the second finds nothing left to do.
        with write_transaction(db):
            migrations.apply(db)
    return db


def _enable_wal(conn, attempts=50):
    """Switch a new database to WAL (it stays so). The switch needs the file
    to itself and SQLite does not wait for it as it does for writes, so two
    processes creating the archive at once retry for a moment."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def write_transaction(db):
    """A transaction that takes the write lock up front.

    A deferred transaction that reads and then writes can fail at once with
    "database is locked" when another writer got there first; BEGIN IMMEDIATE
    waits for the busy timeout instead. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@migrations(name="0001_initial")
def _initial(db):
    db.execute(
        """
        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            ext TEXT NOT NULL,
            format TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            file_size INTEGER NOT NULL,
            width INTEGER NOT NULL,   -- upright, after EXIF orientation
            height INTEGER NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            caption TEXT NOT NULL DEFAULT '',
            transcription TEXT NOT NULL DEFAULT '',
            rights TEXT NOT NULL DEFAULT '',
            taken_at TEXT,            -- ISO 8601, local camera time, no zone
            camera_make TEXT,
            camera_model TEXT,
            lens TEXT,
            exposure_time TEXT,
            f_number REAL,
            iso INTEGER,
            focal_length REAL,
            gps_lat REAL,
            gps_lon REAL,
            orientation INTEGER,
            phash INTEGER NOT NULL,   -- 64-bit hashes as signed integers
            dhash INTEGER NOT NULL,
            original_filename TEXT NOT NULL,
            trip TEXT NOT NULL DEFAULT '',
            photographer TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL CHECK (source IN ('web', 'cli')),
            uploaded_by TEXT NOT NULL DEFAULT '',
            uploaded_at TEXT NOT NULL,
            warnings TEXT NOT NULL DEFAULT '[]',  -- JSON list of ingest warnings
            is_public INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX photos_uploaded ON photos (uploaded_at, id)")
    db.execute("CREATE INDEX photos_taken ON photos (taken_at)")
    db.execute(
        """
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            facet TEXT NOT NULL,
            slug TEXT NOT NULL,
            label TEXT NOT NULL,
            label_ko TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            parent_id INTEGER REFERENCES tags (id),
            UNIQUE (facet, slug)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE tag_aliases (
            facet TEXT NOT NULL,
            alias TEXT NOT NULL,
            tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
            PRIMARY KEY (facet, alias)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE photo_tags (
            photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
            added_by TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            PRIMARY KEY (photo_id, tag_id)
        )
        """
    )
    db.execute("CREATE INDEX photo_tags_tag ON photo_tags (tag_id, photo_id)")
    from archive.catalogue import tags

    tags.seed_vocabulary(db)


@migrations(name="0002_dedup")
def _dedup(db):
    # Perceptual fingerprints, one row per photo (see archive/fingerprint.py);
    # the hashes are little-endian arrays of signed 64-bit ints.
    db.execute(
        """
        CREATE TABLE photo_fingerprints (
            photo_id INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            phashes BLOB NOT NULL,        -- 8 orientations
            dhashes BLOB NOT NULL,
            window_phashes BLOB NOT NULL, -- crop and turn windows
            window_dhashes BLOB NOT NULL,
            colour TEXT NOT NULL,         -- JSON list: hue weights, grey share, saturation
            detail REAL NOT NULL
        )
        """
    )
    # Bumped by merges, deletions and rescans: every process's index reloads.
    db.execute("CREATE TABLE dedup_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO dedup_state (key, value) VALUES ('generation', 0)")
    # Whoever deletes a photo, every process's index learns of it.
    db.execute(
        """
        CREATE TRIGGER photos_deleted_reload_index AFTER DELETE ON photos BEGIN
            UPDATE dedup_state SET value = value + 1 WHERE key = 'generation';
        END
        """
    )
    db.execute(
        """
        CREATE TABLE match_suggestions (
            id INTEGER PRIMARY KEY,
            photo_a INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            photo_b INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('duplicate', 'related')),
            phash_distance INTEGER NOT NULL,
            dhash_distance INTEGER NOT NULL,
            alignment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            CHECK (photo_a < photo_b),
            UNIQUE (photo_a, photo_b)
        )
        """
    )
    db.execute("CREATE INDEX match_suggestions_b ON match_suggestions (photo_b)")
    # Every decision ever taken; an undo marks it, never deletes it.
    db.execute(
        """
        CREATE TABLE match_decisions (
            id INTEGER PRIMARY KEY,
            photo_a INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            photo_b INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            decision TEXT NOT NULL CHECK (decision IN ('duplicate', 'related', 'unrelated')),
            primary_id INTEGER REFERENCES photos (id) ON DELETE SET NULL,
            decided_by TEXT NOT NULL DEFAULT '',
            decided_at TEXT NOT NULL,
            undone_by TEXT,
            undone_at TEXT,
            CHECK (photo_a < photo_b)
        )
        """
    )
    db.execute("CREATE INDEX match_decisions_pair ON match_decisions (photo_a, photo_b)")


@migrations(name="0003_search")
def _search(db):
    from archive.search import schema as search_schema

    search_schema.create(db)


@migrations(name="0004_auth")
def _auth(db):
    # Accounts. session_token is part of the login cookie's user id, so
    # changing a password or disabling an account ends every open session.
    db.execute(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('archivist', 'admin')),
            disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
            session_token TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        )
        """
    )
    # Failed logins, shared by every server process (see auth.py).
    db.execute("CREATE TABLE login_failures (key TEXT NOT NULL, at REAL NOT NULL)")
    db.execute("CREATE INDEX login_failures_key ON login_failures (key, at)")
    # One-time links that create the first admin: only a hash is kept.
    db.execute(
        """
        CREATE TABLE setup_tokens (
            token_hash TEXT PRIMARY KEY,
            expires_at REAL NOT NULL,
            used_at REAL
        )
        """
    )
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # Trips whose originals and exact locations an admin opened to visitors.
    db.execute(
        """
        CREATE TABLE open_trips (
            trip TEXT PRIMARY KEY,
            opened_by TEXT NOT NULL DEFAULT '',
            opened_at TEXT NOT NULL
        )
        """
    )


@migrations(name="0005_standards")
def _standards(db):
    # For researchers who open the file in Datasette or any SQLite tool: one
    # row per photo, the labels of its tags in one column per facet.
    facet_columns = ",\n".join(
        f"""            (SELECT group_concat(tags.label, '; ') FROM photo_tags
             JOIN tags ON tags.id = photo_tags.tag_id
             WHERE photo_tags.photo_id = photos.id AND tags.facet = '{facet}') AS {column}"""
        for facet, column in (("set", "sets"), ("subject", "subjects"), ("film", "films"),
                              ("trip", "trips"), ("place", "places"), ("keyword", "keywords"))
    )  # fixed names from this list only; nothing here comes from input
    db.execute(
        f"""
        CREATE VIEW photos_with_tags AS
        SELECT
            photos.id, photos.title, photos.caption, photos.original_filename, photos.taken_at,
            photos.photographer, photos.trip, photos.rights, photos.width, photos.height,
            photos.camera_make, photos.camera_model, photos.sha256, photos.uploaded_at,
            photos.is_public,
{facet_columns}
        FROM photos
        """
    )


@migrations(name="0006_display_edge")
def _display_edge(db):
    # The display image is named by its own long edge (1600-2048, see
    # imaging.analyse); photos imported before were all made at 1600.
    db.execute("ALTER TABLE photos ADD COLUMN display_edge INTEGER NOT NULL DEFAULT 1600")
