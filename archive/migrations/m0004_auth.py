"""Migration 0004_auth: Accounts, login failures, first-admin links, settings and open trips.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0004_auth"

def apply(db):
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
