"""Tags on photos: adding and removing (one photo or hundreds), the history
of who changed what, and suggestions for a photo.

Suggestions come from the photo's duplicate group and its other shots, and
from photos of the same trip taken within minutes of it.
"""

from datetime import datetime, timedelta

from archive.catalogue import photos, tags
from archive.db import write_transaction
from archive.dedup import decisions as duplicates

SAME_TRIP_MINUTES = 15
MAX_BULK = 5000


class TaggingError(ValueError):
    """Tags that cannot be applied; the message says why."""


def resolve_specs(db, specs, create=True):
    """Tag ids for specs. FACET:VALUE, or a bare word meaning a keyword; new
    keywords (and other free tags) are created when create is true."""
    ids = []
    for spec in specs:
        try:
            if ":" in spec and spec.split(":", 1)[0].strip().lower() in tags.FACETS:
                facet, value = tags.parse_tag_spec(spec)
            else:
                facet, value = "keyword", spec.strip()
            tag_id = tags.resolve_tag(db, facet, value, create=create)
        except tags.UnknownTag as exc:
            raise TaggingError(str(exc)) from None
        if tag_id not in ids:
            ids.append(tag_id)
    return ids


def check_specs(db, specs):
    """What each of specs would do, before anything is tagged: for each
    {"spec", "facet", "value", "tag" (the tag row it names, or None),
    "status", "message", "create"}. status is "known"; "new" (a free tag,
    made when used); "unknown" (a set, subject or film not in the
    vocabulary, with `create` saying what an archivist may create); or
    "invalid" (not FACET:VALUE)."""
    results = []
    for spec in specs:
        entry = {"spec": spec, "facet": None, "value": None, "tag": None, "status": "known", "message": None,
                 "create": None}
        try:
            if ":" in spec and spec.split(":", 1)[0].strip().lower() in tags.FACETS:
                facet, value = tags.parse_tag_spec(spec)
            elif ":" in spec:
                tags.parse_tag_spec(spec)  # raises: an unknown facet
                raise AssertionError("parse_tag_spec refuses unknown facets")
            else:
                facet, value = "keyword", spec.strip()
        except tags.UnknownTag as exc:
            entry.update(status="invalid", message=str(exc))
            results.append(entry)
            continue
        entry.update(facet=facet, value=value)
        row = tags.find_tag(db, facet, value)
        if row is not None:
            entry["tag"] = dict(row)
        elif facet in tags.CONTROLLED_FACETS:
            entry.update(status="unknown", message=f"no {facet} called {value!r} in the vocabulary yet",
                         create={"facet": facet, "name": value})
        elif not tags.slugify(value):
            entry.update(status="invalid", message=f"{value!r} makes an empty tag")
        else:
            entry.update(status="new", message=f"a new {facet}, made when it is first used")
        results.append(entry)
    return results


def _check_photos(db, photo_ids):
    photo_ids = sorted({int(i) for i in photo_ids})
    if not photo_ids:
        raise TaggingError("choose at least one photo")
    if len(photo_ids) > MAX_BULK:
        raise TaggingError(f"at most {MAX_BULK} photos at a time")
    found = photos.existing_ids(db, photo_ids)
    missing = [i for i in photo_ids if i not in found]
    if missing:
        raise TaggingError(f"no photo {missing[0]}")
    return photo_ids


def change_tags(db, photo_ids, add=(), remove=(), username=""):
    """Add and remove tag specs on photos, all in one transaction.

    Returns {"added": n, "removed": n} counting (photo, tag) links that changed."""
    add, remove = list(add), list(remove)
    if not add and not remove:
        raise TaggingError("name at least one tag to add or remove")
    with write_transaction(db):
        photo_ids = _check_photos(db, photo_ids)
        add_ids = resolve_specs(db, add, create=True)
        remove_ids = resolve_specs(db, remove, create=False) if remove else []
        added = removed = 0
        for photo_id in photo_ids:
            added += len(tags.tag_photo(db, photo_id, add_ids, added_by=username))
            for tag_id in remove_ids:
                cursor = db.execute("DELETE FROM photo_tags WHERE photo_id = ? AND tag_id = ?",
                                    [photo_id, tag_id])
                if cursor.rowcount:
                    removed += 1
                    tags.record_history(db, "removed", tag_id, photo_id=photo_id, username=username)
    return {"added": added, "removed": removed}


def history(db, photo_id, limit=50):
    """The latest tag changes on a photo, newest first."""
    return [dict(row) for row in db.query(
        "SELECT tag_history.*, tags.label FROM tag_history LEFT JOIN tags ON tags.id = tag_history.tag_id"
        " WHERE photo_id = ? ORDER BY tag_history.id DESC LIMIT ?", [photo_id, limit])]


def same_trip_neighbours(db, photo, minutes=SAME_TRIP_MINUTES):
    """Ids of photos of the same trip taken within minutes of this one."""
    if not photo.get("trip") or not photo.get("taken_at"):
        return []
    try:
        taken = datetime.fromisoformat(photo["taken_at"])
    except ValueError:
        return []
    low = (taken - timedelta(minutes=minutes)).isoformat(timespec="seconds")
    high = (taken + timedelta(minutes=minutes)).isoformat(timespec="seconds")
    return [row[0] for row in db.execute(
        "SELECT id FROM photos WHERE trip = ? AND taken_at BETWEEN ? AND ? AND id != ?",
        [photo["trip"], low, high, photo["id"]])]


def group_neighbours(db, photo_id):
    """Ids of the photo's other versions and its other shots."""
    return sorted(duplicates.neighbour_ids(db, photo_id))


def suggestions(db, photo, limit=12, include_private=True):
    """Tags worth adding to a photo, each {"tag", "count", "reason"}, best first.

    The tags of its group come before those of photos taken nearby."""
    have = {row[0] for row in db.execute("SELECT tag_id FROM photo_tags WHERE photo_id = ?", [photo["id"]])}
    out, seen = [], set(have)
    for reason, neighbours in (
        ("in its group of duplicates and related shots", group_neighbours(db, photo["id"])),
        (f"on photos of the same trip taken within {SAME_TRIP_MINUTES} minutes",
         same_trip_neighbours(db, photo)),
    ):
        if not neighbours:
            continue
        marks = ",".join("?" * len(neighbours[:500]))
        visibility = "" if include_private else " AND photos.is_public = 1"
        rows = db.query(
            "SELECT tags.*, count(*) AS n FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
            " JOIN photos ON photos.id = photo_tags.photo_id"
            f" WHERE photo_tags.photo_id IN ({marks}) AND tags.facet != 'trip'{visibility}"
            " GROUP BY tags.id ORDER BY n DESC, tags.facet, tags.label",
            neighbours[:500])
        for row in rows:
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            row = dict(row)
            out.append({"tag": row, "count": row.pop("n"), "reason": reason})
    return out[:limit]
