"""Migration 0003_search: The tag history and the search change log, the full-text table and the
triggers that keep the log current.

Every change that can alter what a search finds for a photo (its text, its
tags, a tag's labels, aliases or place in the hierarchy, its visibility)
writes the photo's id to `search_changes`, from plain SQL triggers. The
full-text index and each process's in-memory search index read that log and
catch up before they answer, so no writer has to remember to refresh them.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0003_search"

# Descendant tags to three levels, written out because SQLite does not allow
# WITH inside a trigger; the vocabulary keeps sets at most three levels deep.
_TAG_AND_DESCENDANTS = """
    SELECT photo_id FROM photo_tags WHERE tag_id = {tid}
       OR tag_id IN (SELECT id FROM tags WHERE parent_id = {tid})
       OR tag_id IN (SELECT id FROM tags WHERE parent_id IN
                        (SELECT id FROM tags WHERE parent_id = {tid}))
"""

STATEMENTS = [
    """
    CREATE TABLE tag_history (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL CHECK (action IN
            ('added', 'removed', 'created', 'edited', 'renamed', 'merged', 'deleted')),
        photo_id INTEGER,  -- no foreign keys: the history outlives photos and tags
        tag_id INTEGER,
        facet TEXT NOT NULL,
        slug TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX tag_history_photo ON tag_history (photo_id, id)",
    "CREATE INDEX tag_history_tag ON tag_history (tag_id, id)",
    "CREATE INDEX tag_aliases_tag ON tag_aliases (tag_id)",
    "CREATE INDEX tags_parent ON tags (parent_id)",
    "CREATE INDEX photos_trip_taken ON photos (trip, taken_at)",
    # AUTOINCREMENT: ids must never be reused once old entries are pruned,
    # or a reader could mistake a new change for one it has seen.
    """
    CREATE TABLE search_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        photo_id INTEGER NOT NULL
    )
    """,
    "CREATE TABLE search_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO search_state (key, value) VALUES ('fts_through', 0), ('pruned_through', 0)",
    # rowid = photo id. ko2/ko1 hold Korean as overlapping two-letter pieces
    # and run endings (see search_text.py): unicode61 alone splits Korean only
    # at spaces, so a word inside a longer one could never be found. The
    # _head pair is the Korean of the title and tags, which rank higher.
    """
    CREATE VIRTUAL TABLE photos_fts USING fts5(
        title, caption, transcription, original_filename, tags, ko2, ko1, ko2_head, ko1_head,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER search_photo_insert AFTER INSERT ON photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.id);
    END
    """,
    """
    CREATE TRIGGER search_photo_update AFTER UPDATE OF title, caption, transcription,
        original_filename, trip, taken_at, uploaded_at, camera_make, camera_model,
        gps_lat, gps_lon, is_public ON photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.id);
    END
    """,
    """
    CREATE TRIGGER search_photo_delete AFTER DELETE ON photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (OLD.id);
    END
    """,
    """
    CREATE TRIGGER search_photo_tag_insert AFTER INSERT ON photo_tags BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.photo_id);
    END
    """,
    """
    CREATE TRIGGER search_photo_tag_delete AFTER DELETE ON photo_tags BEGIN
        INSERT INTO search_changes (photo_id) VALUES (OLD.photo_id);
    END
    """,
    f"""
    CREATE TRIGGER search_tag_update AFTER UPDATE OF slug, label, label_ko, parent_id, facet
        ON tags BEGIN
        INSERT INTO search_changes (photo_id) {_TAG_AND_DESCENDANTS.format(tid="NEW.id")};
    END
    """,
    # BEFORE: the cascade that removes photo_tags rows does not fire their
    # triggers (recursive_triggers is off), so the photos are logged here.
    f"""
    CREATE TRIGGER search_tag_delete BEFORE DELETE ON tags BEGIN
        INSERT INTO search_changes (photo_id) {_TAG_AND_DESCENDANTS.format(tid="OLD.id")};
    END
    """,
    f"""
    CREATE TRIGGER search_alias_insert AFTER INSERT ON tag_aliases BEGIN
        INSERT INTO search_changes (photo_id)
        {_TAG_AND_DESCENDANTS.format(tid="NEW.tag_id")};
    END
    """,
    f"""
    CREATE TRIGGER search_alias_delete AFTER DELETE ON tag_aliases BEGIN
        INSERT INTO search_changes (photo_id)
        {_TAG_AND_DESCENDANTS.format(tid="OLD.tag_id")};
    END
    """,
    # Photos already in the archive are indexed on the first search.
    "INSERT INTO search_changes (photo_id) SELECT id FROM photos",
]


def apply(db):
    for statement in STATEMENTS:
        db.execute(statement)
