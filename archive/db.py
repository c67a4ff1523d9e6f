"""SQLite connections and the schema's migrations.

One connection per request or command. WAL lets readers carry on while one
writer commits; the busy timeout makes a second writer wait instead of failing.
"""

import contextlib
import sqlite3
import time
from pathlib import Path

import sqlite_utils

from archive.migrations import registry as _registry

DB_FILENAME = "archive.db"
BUSY_TIMEOUT_MS = 30_000

migrations = _registry()


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


def one(db, sql, params=()):
    """The first row a query finds, as a dict, or None."""
    row = next(iter(db.query(sql, params)), None)
    return dict(row) if row is not None else None


CHUNK = 500  # ids bound per statement, well under SQLite's limit on parameters


def in_chunks(db, sql, ids):
    """Rows of `sql` for many ids, a few hundred bound at a time. `sql` holds
    one "{marks}" where the placeholders go: "... WHERE id IN ({marks})".
    Only question marks are put in the text; every id stays a parameter."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield from db.query(sql.format(marks=",".join("?" * len(chunk))), chunk)
