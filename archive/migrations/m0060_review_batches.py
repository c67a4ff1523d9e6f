"""Migration 0060_review_batches: decisions an archivist took together.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0060_review_batches"


def apply(db):
    # One row per decision an archivist took on many pairs at once: a whole
    # cluster on the review screen, or "accept all plain copies". Its pair
    # decisions point back here, so the batch can be undone as one.
    db.execute(
        """
        CREATE TABLE decision_batches (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('cluster', 'plain')),
            primary_id INTEGER REFERENCES photos (id) ON DELETE SET NULL,
            decided_by TEXT NOT NULL DEFAULT '',
            decided_at TEXT NOT NULL,
            undone_by TEXT,
            undone_at TEXT
        )
        """
    )
    db.execute("ALTER TABLE match_decisions ADD COLUMN batch_id INTEGER REFERENCES decision_batches (id)")
    db.execute("CREATE INDEX match_decisions_batch ON match_decisions (batch_id)")
