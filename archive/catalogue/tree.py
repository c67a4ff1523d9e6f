"""The tag tree: in the hierarchical facets (sets and places) a tag may hold
smaller ones, its slug being its parent's slug, a slash, and its own
("european-street/cafe"). Parents, children, everything below a tag, and how
deep the tree may grow all live here.
"""

from archive.db import one

HIERARCHICAL_FACETS = ("set", "place")
MAX_DEPTH = 3  # migration 0003_search's triggers follow children three levels down


def depth(slug):
    """0 for a tag at the top of its facet, 1 for one inside it, ..."""
    return slug.count("/")


def parent(db, tag):
    """The tag row a tag sits in, or None at the top."""
    return one(db, "SELECT * FROM tags WHERE id = ?", [tag["parent_id"]]) if tag["parent_id"] else None


def children(db, tag_id):
    """The tags directly inside one, by slug."""
    return [dict(row) for row in db.query("SELECT * FROM tags WHERE parent_id = ? ORDER BY slug", [tag_id])]


def top_level(db, facet):
    return [dict(row) for row in db.query(
        "SELECT * FROM tags WHERE facet = ? AND parent_id IS NULL ORDER BY label, id", [facet])]


def descendants(db, tag_id):
    """The ids of a tag and of every tag below it."""
    rows = db.query(
        """
        WITH RECURSIVE below(id) AS (
            SELECT ?
            UNION
            SELECT tags.id FROM tags JOIN below ON tags.parent_id = below.id
        )
        SELECT id FROM below
        """,
        [tag_id],
    )
    return [row["id"] for row in rows]


def height(db, tag_id):
    """Levels from a tag down to its deepest descendant, itself counted."""
    return 1 + max((height(db, child["id"]) for child in children(db, tag_id)), default=0)


def fits_under(parent_tag, height_below=1):
    """Whether a subtree this high may hang below parent_tag (None: the top)."""
    levels_above = depth(parent_tag["slug"]) + 1 if parent_tag else 0
    return levels_above + height_below <= MAX_DEPTH
