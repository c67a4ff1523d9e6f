"""Migration 0020_sessions: Login sessions kept on the server.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0020_sessions"


def apply(db):
    # One row per logged-in browser. The cookie carries a random secret; only
    # its SHA-256 is kept, so a copy of the database opens no session. Logging
    # out deletes the row, which ends the session wherever the cookie was copied.
    db.execute(
        """
        CREATE TABLE sessions (
            secret_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            last_seen_at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX sessions_user ON sessions (user_id)")
    # The per-account token that ended sessions by changing the cookie's user
    # id is replaced by deleting that account's rows above.
    db.execute("ALTER TABLE users DROP COLUMN session_token")
