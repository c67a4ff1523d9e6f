"""Migration 0002_dedup: Fingerprints, match suggestions and archivists' decisions.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0002_dedup"

def apply(db):
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
