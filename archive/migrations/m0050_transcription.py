"""Migration 0050_transcription: Machine transcription drafts, their lines,
and the queue of photos waiting to be read.

A draft is what one OCR engine read on one photo, kept apart from the
archivist's own text (photos.transcription): the engine and its version,
when, and the lines it found, each with its text, confidence, box on the
photo and the other readings it weighed. Changes to drafts write the photo's
id to search_changes, as every other searchable change does (0003_search).

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0050_transcription"

_LINE_PHOTO = "SELECT photo_id FROM transcription_drafts WHERE id = {draft}"

STATEMENTS = [
    """
    CREATE TABLE transcription_drafts (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        engine TEXT NOT NULL,
        version TEXT NOT NULL,
        made_at TEXT NOT NULL,
        cpu_seconds REAL NOT NULL DEFAULT 0,
        UNIQUE (photo_id, engine)
    )
    """,
    # box: the line's four corners [[x, y], ...] in the upright photo's full
    # pixels, clockwise from the top left of the text as it reads.
    # alternatives: the other readings kept for search, best first,
    # [{"text", "confidence", "reader"}].
    """
    CREATE TABLE transcription_lines (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES transcription_drafts (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        confidence REAL NOT NULL,
        reader TEXT NOT NULL,
        vertical INTEGER NOT NULL DEFAULT 0,
        box TEXT NOT NULL,
        alternatives TEXT NOT NULL DEFAULT '[]'
    )
    """,
    "CREATE INDEX transcription_lines_draft ON transcription_lines (draft_id, position)",
    # One row a photo waiting to be read. claimed_at/claimed_by: a worker
    # holds the photo for a while; a claim older than the worker's lease is
    # free again, so a killed worker's photos are not lost.
    """
    CREATE TABLE transcription_queue (
        photo_id INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
        queued_at TEXT NOT NULL,
        claimed_at TEXT,
        claimed_by TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX transcription_queue_order ON transcription_queue (attempts, queued_at)",
    """
    CREATE TRIGGER search_draft_insert AFTER INSERT ON transcription_drafts BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.photo_id);
    END
    """,
    """
    CREATE TRIGGER search_draft_update AFTER UPDATE ON transcription_drafts BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.photo_id);
    END
    """,
    """
    CREATE TRIGGER search_draft_delete AFTER DELETE ON transcription_drafts BEGIN
        INSERT INTO search_changes (photo_id) VALUES (OLD.photo_id);
    END
    """,
    f"""
    CREATE TRIGGER search_draft_line_insert AFTER INSERT ON transcription_lines BEGIN
        INSERT INTO search_changes (photo_id) {_LINE_PHOTO.format(draft="NEW.draft_id")};
    END
    """,
    f"""
    CREATE TRIGGER search_draft_line_update AFTER UPDATE ON transcription_lines BEGIN
        INSERT INTO search_changes (photo_id) {_LINE_PHOTO.format(draft="NEW.draft_id")};
    END
    """,
    f"""
    CREATE TRIGGER search_draft_line_delete AFTER DELETE ON transcription_lines BEGIN
        INSERT INTO search_changes (photo_id) {_LINE_PHOTO.format(draft="OLD.draft_id")};
    END
    """,
    # Photos already in the archive wait to be read like new ones.
    "INSERT INTO transcription_queue (photo_id, queued_at) SELECT id, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"
    " FROM photos",
    # The full-text row now splits Chinese and Japanese into pieces as it
    # does Korean (search/fulltext.py): every photo is indexed again.
    "INSERT INTO search_changes (photo_id) SELECT id FROM photos",
]


def apply(db):
    for statement in STATEMENTS:
        db.execute(statement)
