"""Migration 0070_curation: what archivists edit after import, and its history.

- Korean titles and captions beside the English ones (title_ko, caption_ko),
  and how precisely the date taken is known (taken_precision).
- An orientation override: the EXIF orientation the archive applies instead
  of the file's own when an archivist turns or mirrors a photo (the original
  file is never rewritten).
- The edit history of any record (photos now, posters later): one row per
  save (edit_changes: who, when, what kind of change) and one per field it
  changed (edit_entries: before and after, as JSON).
- The search change log learns of the new columns, and the
  photos_with_tags view shows them.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0070_curation"

STATEMENTS = [
    "ALTER TABLE photos ADD COLUMN title_ko TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE photos ADD COLUMN caption_ko TEXT NOT NULL DEFAULT ''",
    # '' when the date is the camera's own (to the second); else what the
    # archivist said: the day, the month, the year, or about that year.
    """ALTER TABLE photos ADD COLUMN taken_precision TEXT NOT NULL DEFAULT ''
       CHECK (taken_precision IN ('', 'day', 'month', 'year', 'circa'))""",
    # NULL: the file's EXIF orientation (photos.orientation) makes it upright.
    "ALTER TABLE photos ADD COLUMN orientation_override INTEGER CHECK (orientation_override BETWEEN 1 AND 8)",
    # No foreign keys: the history outlives the records it describes.
    """
    CREATE TABLE edit_changes (
        id INTEGER PRIMARY KEY,
        record_type TEXT NOT NULL,          -- photo, poster, ...
        action TEXT NOT NULL,               -- edit, bulk, revert, rotate, publish...
        username TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        reverts INTEGER                     -- the change this one undid
    )
    """,
    """
    CREATE TABLE edit_entries (
        id INTEGER PRIMARY KEY,
        change_id INTEGER NOT NULL REFERENCES edit_changes (id),
        record_type TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        field TEXT NOT NULL,
        before TEXT,                        -- JSON
        after TEXT,                         -- JSON
        reverted_by INTEGER                 -- the change that undid this entry
    )
    """,
    "CREATE INDEX edit_entries_record ON edit_entries (record_type, record_id, change_id)",
    "CREATE INDEX edit_entries_change ON edit_entries (change_id, record_id)",
    # The change log of 0003_search, with the new text columns.
    "DROP TRIGGER search_photo_update",
    """
    CREATE TRIGGER search_photo_update AFTER UPDATE OF title, caption, transcription,
        original_filename, trip, taken_at, uploaded_at, camera_make, camera_model,
        gps_lat, gps_lon, is_public, title_ko, caption_ko, taken_precision ON photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.id);
    END
    """,
    "DROP VIEW photos_with_tags",
]

FACET_COLUMNS = (("set", "sets"), ("subject", "subjects"), ("film", "films"),
                 ("trip", "trips"), ("place", "places"), ("keyword", "keywords"))


def apply(db):
    for statement in STATEMENTS:
        db.execute(statement)
    facet_columns = ",\n".join(
        f"""            (SELECT group_concat(tags.label, '; ') FROM photo_tags
             JOIN tags ON tags.id = photo_tags.tag_id
             WHERE photo_tags.photo_id = photos.id AND tags.facet = '{facet}') AS {column}"""
        for facet, column in FACET_COLUMNS
    )  # fixed names from this list only; nothing here comes from input
    db.execute(
        f"""
        CREATE VIEW photos_with_tags AS
        SELECT
            photos.id, photos.title, photos.caption, photos.original_filename, photos.taken_at,
            photos.photographer, photos.trip, photos.rights, photos.width, photos.height,
            photos.camera_make, photos.camera_model, photos.sha256, photos.uploaded_at,
            photos.is_public, photos.title_ko, photos.caption_ko, photos.taken_precision,
{facet_columns}
        FROM photos
        """
    )
