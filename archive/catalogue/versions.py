"""A photo's versions as one record: the copies an archivist confirmed as the
same photograph, the union of their tags and captions, their provenance, and
the other shots of the same poster."""

from archive.catalogue import photos
from archive.dedup import decisions


def versions_of(db, photo_id, include_private=True):
    """The duplicate group of a photo, with the union of its members' tags,
    captions and provenance, and the other shots of the same poster."""
    members = decisions.group_members(db, photo_id)
    primary = decisions.primary_of(db, members) if len(members) > 1 else photo_id
    rows = photos.get_photos(db, sorted(members), include_private=include_private)
    rows.sort(key=lambda r: (r["id"] != primary, r["id"]))
    union_tags = list({tag["id"]: tag for row in rows for tag in row["tags"]}.values())
    union_tags.sort(key=lambda t: (t["facet"], t["label"]))
    captions = list(dict.fromkeys(row["caption"] for row in rows if row["caption"]))
    return {
        "primary": primary,
        "versions": rows,
        "tags": union_tags,
        "captions": captions,
        "provenance": [{key: row[key] for key in ("id", *photos.PROVENANCE, "width", "height")}
                       for row in rows],
        "other_shots": photos.get_photos(db, sorted(decisions.other_shot_ids(db, members)),
                                         include_private=include_private),
    }
