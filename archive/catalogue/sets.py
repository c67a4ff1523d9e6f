"""The backlot sets (facet "set"), and the photos taken on each. The tree
they form is catalogue/tree.py's."""

from archive.catalogue import photos, tree
from archive.db import in_chunks, one


def all_sets(db):
    """Every set tag, by label."""
    return [dict(r) for r in db.query("SELECT * FROM tags WHERE facet = 'set' ORDER BY label, id")]


def find_set(db, slug):
    return one(db, "SELECT * FROM tags WHERE facet = 'set' AND slug = ?", [slug])


def count_in_set(db, tag_id, include_private):
    return len(_ids_in(db, tag_id, include_private))


def _ids_in(db, tag_id, include_private):
    return {row["id"] for row in in_chunks(
        db, "SELECT photos.id FROM photos JOIN photo_tags ON photo_tags.photo_id = photos.id"
            " WHERE photo_tags.tag_id IN ({marks})" + photos.visibility(include_private),
        tree.descendants(db, tag_id))}


def children(db, tag_id):
    return sorted(tree.children(db, tag_id), key=lambda row: (row["label"], row["id"]))


def top_level(db):
    return tree.top_level(db, "set")
