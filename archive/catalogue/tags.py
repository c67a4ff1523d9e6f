"""The tag vocabulary: facets, tags, aliases, and tags on photos."""

import re
import unicodedata

from archive.clock import now_iso
from archive.db import in_chunks, one

# Facets whose tags archivists curate; a value outside the vocabulary is an
# error. In the free facets a new value simply becomes a new tag.
CONTROLLED_FACETS = ("set", "subject", "film")
FREE_FACETS = ("trip", "place", "keyword")
FACETS = CONTROLLED_FACETS + FREE_FACETS

class UnknownTag(ValueError):
    """A value that names no tag in a controlled facet, or a facet that does not exist."""


def slugify(text):
    """A URL-safe slug that keeps Korean letters: 'Order No. 027' -> 'order-no-027'."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[\W_]+", "-", text).strip("-")


def slugify_path(text):
    """A hierarchical slug: 'European street / Cafe' -> 'european-street/cafe'."""
    return "/".join(part for part in (slugify(p) for p in text.split("/")) if part)


def split_specs(text):
    """'subject:advert, keyword:cinema' or one per line -> ['subject:advert', 'keyword:cinema']."""
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def parse_tag_spec(spec):
    """'facet:value' -> (facet, value), with a clear error for anything else."""
    facet, sep, value = spec.partition(":")
    facet, value = facet.strip().lower(), value.strip()
    if not sep or not value:
        raise UnknownTag(f"{spec!r} is not FACET:VALUE (for example set:european-street)")
    if facet not in FACETS:
        raise UnknownTag(f"unknown facet {facet!r}; facets are {', '.join(FACETS)}")
    return facet, value


def count_tags(db):
    return db.execute("SELECT count(*) FROM tags").fetchone()[0]


def get_tag(db, tag_id):
    """The tag row with this id, or None."""
    return one(db, "SELECT * FROM tags WHERE id = ?", [tag_id])


def find_tag(db, facet, value):
    """The tag row a value names in a facet: by slug, alias or label (either language)."""
    slug = slugify_path(value)
    row = one(db, "SELECT * FROM tags WHERE facet = ? AND slug = ?", [facet, slug])
    if row is None:
        row = one(
            db,
            "SELECT tags.* FROM tag_aliases JOIN tags ON tags.id = tag_aliases.tag_id"
            " WHERE tag_aliases.facet = ? AND tag_aliases.alias = ?",
            [facet, slug],
        )
    if row is None:
        row = one(
            db,
            "SELECT * FROM tags WHERE facet = ? AND (lower(label) = lower(?) OR label_ko = ?)",
            [facet, value.strip(), value.strip()],
        )
    return row


def resolve_tag(db, facet, value, create=True):
    """The id of the tag a value names; free facets create missing tags when asked."""
    row = find_tag(db, facet, value)
    if row is not None:
        return row["id"]
    if facet in CONTROLLED_FACETS or not create:
        raise UnknownTag(f"no {facet} tag called {value!r}")
    slug = slugify(value)
    if not slug:
        raise UnknownTag(f"{value!r} makes an empty tag")
    # Free tags are flat: 'a/b' becomes 'a-b', which may exist already.
    existing = one(db, "SELECT id FROM tags WHERE facet = ? AND slug = ?", [facet, slug])
    if existing is not None:
        return existing["id"]
    return db["tags"].insert({"facet": facet, "slug": slug, "label": value.strip()}).last_pk


def canonical_trip(db, text):
    """A trip as the vocabulary spells it: "2019 Autumn" is the trip tag
    "2019 autumn" when that exists (the same slug, alias or label in any
    case), so one trip never becomes two; a new trip as written."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    row = find_tag(db, "trip", text)
    return row["label"] if row is not None else text


def check_tag_specs(db, specs):
    """Validate FACET:VALUE specs before any work starts; returns (facet, value) pairs."""
    pairs = [parse_tag_spec(spec) for spec in specs]
    for facet, value in pairs:
        if facet in CONTROLLED_FACETS and find_tag(db, facet, value) is None:
            raise UnknownTag(f"no {facet} tag called {value!r}")
    return pairs


def tag_photo(db, photo_id, tag_ids, added_by=""):
    """Put tags on a photo; each tag newly added is written to the tag history."""
    added_at = now_iso()
    added = []
    for tag_id in tag_ids:
        cursor = db.execute(
            "INSERT OR IGNORE INTO photo_tags (photo_id, tag_id, added_by, added_at)"
            " VALUES (?, ?, ?, ?)",
            [photo_id, tag_id, added_by, added_at],
        )
        if cursor.rowcount:
            added.append(tag_id)
    for tag_id in added:
        record_history(db, "added", tag_id, photo_id=photo_id, username=added_by, at=added_at)
    return added


def record_history(db, action, tag_id, photo_id=None, username="", detail="", at=None):
    """One line of the tag history (table from migration 0003_search): who, when, what."""
    tag = one(db, "SELECT facet, slug FROM tags WHERE id = ?", [tag_id])
    db.execute(
        "INSERT INTO tag_history (at, username, action, photo_id, tag_id, facet, slug, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [at or now_iso(), username, action, photo_id, tag_id,
         tag["facet"] if tag else "", tag["slug"] if tag else "", detail],
    )


def tags_of_photo(db, photo_id):
    """Tag rows on one photo, ordered by facet then label."""
    return [
        dict(row)
        for row in db.query(
            "SELECT tags.* FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
            " WHERE photo_tags.photo_id = ? ORDER BY tags.facet, tags.label",
            [photo_id],
        )
    ]


def tags_of_photos(db, photo_ids):
    """{photo id: its tag rows, ordered by facet then label} for many photos."""
    found = {photo_id: [] for photo_id in photo_ids}
    for row in in_chunks(
        db,
        "SELECT photo_tags.photo_id, tags.* FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
        " WHERE photo_tags.photo_id IN ({marks}) ORDER BY tags.facet, tags.label",
        list(found),
    ):
        row = dict(row)
        found[row.pop("photo_id")].append(row)
    return found


def slugs_by_facet(tag_rows):
    grouped = {}
    for row in tag_rows:
        grouped.setdefault(row["facet"], []).append(row["slug"])
    return grouped
