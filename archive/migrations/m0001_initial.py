"""Migration 0001_initial: Photos, tags, aliases and tags on photos; the seed vocabulary of the backlot.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0001_initial"

# The vocabulary as it was seeded when this step was written.
# (slug, English label, Korean label, description)
SEED_SETS = [
    ("chinese-street", "Chinese street", "중국 거리", ""),
    ("japanese-street", "Japanese street", "일본 거리", ""),
    ("european-street", "European street", "유럽 거리", ""),
    ("colonial-korean-street", "Colonial-era Korean street", "일제강점기 거리", ""),
    ("south-korean-street", "South Korean street", "남조선 거리", ""),
    ("manchurian-street", "1930s Manchurian street", "만주 거리", ""),
    ("railway", "Railway set", "철길", ""),
    ("entrance-plaza", "Studio entrance plaza", "정문 광장", "Statues and mosaics."),
]
SEED_SUBJECTS = [
    ("film-poster", "Film poster", "영화 포스터", ""),
    ("replica-poster", "Replica of a western film poster", "서양 영화 포스터 복제", ""),
    ("advert", "Hand-painted advert", "손으로 그린 광고", ""),
    ("shop-sign", "Shop sign", "상점 간판", ""),
    ("restaurant-sign", "Restaurant sign", "식당 간판", ""),
    ("street-sign", "Street sign", "거리 표지판", ""),
    ("statue", "Statue", "동상", ""),
    ("mosaic", "Mosaic", "모자이크", ""),
    ("facade", "Set façade", "세트 외관", ""),
    ("costume", "Costume", "의상", ""),
    ("film-shoot", "Film shoot in progress", "촬영 중", ""),
]
SEED_FILMS = [
    ("the-flower-girl", "The Flower Girl", "꽃파는 처녀", "1972"),
    ("a-broad-bellflower", "A Broad Bellflower", "도라지꽃", "1987"),
    ("hong-kil-dong", "Hong Kil Dong", "홍길동", "1986"),
    ("order-no-027", "Order No. 027", "명령-027호", "1986"),
    ("my-native-home", "My Native Home", "내 고향", "1949"),
    ("comrade-kim-goes-flying", "Comrade Kim Goes Flying", "김동무는 하늘을 난다", "2012"),
    ("the-seven-year-itch", "The Seven Year Itch", "7년만의 외출",
     "1955; a replica poster hangs on the European street."),
]


def apply(db):
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
    for facet, rows in (("set", SEED_SETS), ("subject", SEED_SUBJECTS), ("film", SEED_FILMS)):
        for slug, label, label_ko, description in rows:
            db.execute(
                "INSERT OR IGNORE INTO tags (facet, slug, label, label_ko, description) VALUES (?, ?, ?, ?, ?)",
                [facet, slug, label, label_ko, description],
            )
