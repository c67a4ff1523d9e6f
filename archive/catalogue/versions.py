"""A photo's versions as one record: the copies an archivist confirmed as the
same photograph, the union of their tags and captions, their provenance, and
the other shots of the same poster."""

from archive.catalogue import tags
from archive.dedup import decisions


def versions_of(db, photo_id, include_private=True):
    """The duplicate group of a photo, with the union of its members' tags,
    captions and provenance, and the other shots of the same poster."""
    members = decisions.group_members(db, photo_id)
    primary = decisions.primary_of(db, members) if len(members) > 1 else photo_id
    rows = [r for r in decisions.photos_by_id(db, members) if include_private or r["is_public"]]
    rows.sort(key=lambda r: (r["id"] != primary, r["id"]))
    union_tags, seen = [], set()
    for row in rows:
        for tag in tags.tags_of_photo(db, row["id"]):
            if tag["id"] not in seen:
                seen.add(tag["id"])
                union_tags.append(tag)
    union_tags.sort(key=lambda t: (t["facet"], t["label"]))
    captions = []
    for row in rows:
        if row["caption"] and row["caption"] not in captions:
            captions.append(row["caption"])
    related_rows = [r for r in decisions.photos_by_id(db, decisions.other_shot_ids(db, members))
                    if include_private or r["is_public"]]
    return {
        "primary": primary,
        "versions": rows,
        "tags": union_tags,
        "captions": captions,
        "provenance": [
            {key: row[key] for key in ("id", "original_filename", "trip", "photographer", "source",
                                       "uploaded_by", "uploaded_at", "width", "height")}
            for row in rows
        ],
        "other_shots": sorted(related_rows, key=lambda r: r["id"]),
    }
