"""The backlot sets (facet "set") as a tree, and the photos taken on each."""

from archive.catalogue import tags


def all_sets(db):
    """Every set tag, by label."""
    return [dict(r) for r in db.query("SELECT * FROM tags WHERE facet = 'set' ORDER BY label, id")]


def find_set(db, slug):
    return next(iter(db.query("SELECT * FROM tags WHERE facet = 'set' AND slug = ?", [slug])), None)


def descendants(db, tag_id):
    """The ids of a set and every set below it (a set can hold smaller sets)."""
    rows = db.query(
        """
        WITH RECURSIVE below(id) AS (
            SELECT ?
            UNION
            SELECT tags.id FROM tags JOIN below ON tags.parent_id = below.id
            WHERE tags.facet = 'set'
        )
        SELECT id FROM below
        """,
        [tag_id],
    )
    return [r["id"] for r in rows]


def photos_in_set(db, tag_id, include_private):
    """Photos tagged with the set or a set below it, oldest shot first, each with its tags."""
    ids = descendants(db, tag_id)
    marks = ",".join("?" for _ in ids)  # placeholders only; values stay parameters
    rows = db.query(
        "SELECT DISTINCT photos.* FROM photos JOIN photo_tags ON photo_tags.photo_id = photos.id"
        f" WHERE photo_tags.tag_id IN ({marks})"
        + ("" if include_private else " AND photos.is_public = 1")
        + " ORDER BY coalesce(photos.taken_at, photos.uploaded_at), photos.id",
        ids,
    )
    result = []
    for row in rows:
        photo = dict(row)
        photo["tags"] = tags.tags_of_photo(db, photo["id"])
        result.append(photo)
    return result


def count_in_set(db, tag_id, include_private):
    ids = descendants(db, tag_id)
    marks = ",".join("?" for _ in ids)
    return db.execute(
        "SELECT count(DISTINCT photos.id) FROM photos JOIN photo_tags ON photo_tags.photo_id = photos.id"
        f" WHERE photo_tags.tag_id IN ({marks})"
        + ("" if include_private else " AND photos.is_public = 1"),
        ids,
    ).fetchone()[0]


def children(db, tag_id):
    return [dict(r) for r in db.query(
        "SELECT * FROM tags WHERE facet = 'set' AND parent_id = ? ORDER BY label, id", [tag_id])]


def top_level(db):
    return [dict(r) for r in db.query(
        "SELECT * FROM tags WHERE facet = 'set' AND parent_id IS NULL ORDER BY label, id")]
