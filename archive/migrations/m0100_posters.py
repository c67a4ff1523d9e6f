"""Migration 0100_posters: posters as records of their own.

- posters: one row a poster that stands (or stood) on a street set: its
  titles, kind, set and place on the set, what it replicates (a film tag, a
  product, words), the text painted on it, a translation, notes, a status,
  and the photo shown for it. A slug names it in links and queries
  (poster:SLUG).
- poster_photos: which photos show which poster (many to many), each link
  with the poster's region on the photo (x, y, w, h in the upright photo's
  full pixels) when someone drew it.
- poster_suggestions: photos an import matched as another shot of a photo
  of a poster, waiting for an archivist to link or dismiss them.
- The search change log learns of posters: a change to a poster or a link
  writes its photos' ids, as their full-text rows hold the poster's words.
- Every photo is indexed again: the full-text rows now hold posters and
  fold Traditional Chinese to Simplified (search/fulltext.py).

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0100_posters"

KINDS = ("film-poster-replica", "advert", "shop-sign", "slogan", "notice", "mural", "other")
STATUSES = ("standing", "repainted", "gone", "unknown")


def _in(values):
    return ", ".join(f"'{value}'" for value in values)  # fixed names from this module only


STATEMENTS = [
    f"""
    CREATE TABLE posters (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        title_ko TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ({_in(KINDS)})),
        set_id INTEGER REFERENCES tags (id) ON DELETE SET NULL,
        place TEXT NOT NULL DEFAULT '',          -- where on the set, in words
        film_id INTEGER REFERENCES tags (id) ON DELETE SET NULL,
        product TEXT NOT NULL DEFAULT '',
        depicts TEXT NOT NULL DEFAULT '',        -- what it shows or replicates, in words
        painted_text TEXT NOT NULL DEFAULT '',
        translation TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ({_in(STATUSES)})),
        best_photo_id INTEGER REFERENCES photos (id) ON DELETE SET NULL,
        created_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX posters_set ON posters (set_id)",
    "CREATE INDEX posters_film ON posters (film_id)",
    """
    CREATE TABLE poster_photos (
        poster_id INTEGER NOT NULL REFERENCES posters (id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        x INTEGER, y INTEGER, w INTEGER, h INTEGER,  -- all four or none
        linked_by TEXT NOT NULL DEFAULT '',
        linked_at TEXT NOT NULL,
        PRIMARY KEY (poster_id, photo_id),
        CHECK ((x IS NULL) = (y IS NULL) AND (x IS NULL) = (w IS NULL) AND (x IS NULL) = (h IS NULL)),
        CHECK (x IS NULL OR (x >= 0 AND y >= 0 AND w > 0 AND h > 0))
    )
    """,
    "CREATE INDEX poster_photos_photo ON poster_photos (photo_id, poster_id)",
    """
    CREATE TABLE poster_suggestions (
        poster_id INTEGER NOT NULL REFERENCES posters (id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        matched_photo_id INTEGER REFERENCES photos (id) ON DELETE SET NULL,
        made_at TEXT NOT NULL,
        PRIMARY KEY (poster_id, photo_id)
    )
    """,
    "CREATE INDEX poster_suggestions_photo ON poster_suggestions (photo_id)",
    """
    CREATE TRIGGER search_poster_update AFTER UPDATE ON posters BEGIN
        INSERT INTO search_changes (photo_id) SELECT photo_id FROM poster_photos WHERE poster_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER search_poster_link_insert AFTER INSERT ON poster_photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.photo_id);
    END
    """,
    """
    CREATE TRIGGER search_poster_link_update AFTER UPDATE ON poster_photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (NEW.photo_id);
    END
    """,
    """
    CREATE TRIGGER search_poster_link_delete AFTER DELETE ON poster_photos BEGIN
        INSERT INTO search_changes (photo_id) VALUES (OLD.photo_id);
    END
    """,
    "INSERT INTO search_changes (photo_id) SELECT id FROM photos",
]


def apply(db):
    for statement in STATEMENTS:
        db.execute(statement)
