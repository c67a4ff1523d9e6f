"""Posters grow from the photos: made from one photo, from its confirmed
group (the copies of one photograph and the other shots of the same
poster), or from a review cluster; and kept growing by imports.

When an import matches a photo that a poster already has:
- the same photograph (a duplicate): the new photo is linked to that poster
  at once, in the poster's history as an "import" change, so it can be
  reverted like any other;
- another shot of the same poster: the new photo is suggested for the
  poster (poster_suggestions), listed on the poster's page for an archivist
  to link or dismiss.
"""

from archive.catalogue import photos as photo_rows
from archive.catalogue import posters
from archive.catalogue.tags import find_tag
from archive.clock import now_iso
from archive.db import in_chunks, write_transaction
from archive.dedup import decisions

IMPORTER = "import"


def group_photo_ids(db, photo_id):
    """The photo, its confirmed copies and its confirmed other shots (with their copies)."""
    members = decisions.group_members(db, photo_id)
    return sorted(members | decisions.other_shot_ids(db, members))


def proposed_values(db, photo_ids):
    """A new poster's values from its photos: the first title found, and the
    set and film that the photos' tags name, when exactly one of each."""
    rows = photo_rows.get_photos(db, photo_ids)
    values = {}
    for key in ("title", "title_ko"):
        found = next((row[key] for row in rows if row[key]), "")
        if found:
            values[key] = found
    transcribed = next((row["transcription"] for row in rows if row["transcription"]), "")
    if transcribed:
        values["painted_text"] = transcribed
    for facet in ("set", "film"):
        slugs = {tag["slug"] for row in rows for tag in row["tags"] if tag["facet"] == facet}
        if len(slugs) == 1 and find_tag(db, facet, next(iter(slugs))) is not None:
            values[facet] = next(iter(slugs))
    if "film" in values:
        values["kind"] = "film-poster-replica"
    if not values.get("title") and not values.get("title_ko"):
        first = rows[0] if rows else None
        values["title"] = photo_rows.display_title(first) if first else "Untitled poster"
    return values


def from_photos(db, photo_ids, username="", values=None, best=None):
    """A poster of these photos (proposed values overridden by values), as
    one change. Returns the poster's id."""
    photo_ids = sorted({int(i) for i in photo_ids})
    if not photo_ids:
        raise posters.PosterError("choose at least one photo")
    missing = set(photo_ids) - photo_rows.existing_ids(db, photo_ids)
    if missing:
        raise posters.PosterError(f"no photo {min(missing)}")
    fields = {**proposed_values(db, photo_ids), **(values or {})}
    if best is not None:
        fields["best_photo"] = best
    return posters.create(db, fields, username, photos=photo_ids)


def from_group(db, photo_id, username="", values=None):
    """A poster of a photo's confirmed group, the group's primary shown."""
    members = decisions.group_members(db, photo_id)
    best = decisions.primary_of(db, members)
    return from_photos(db, group_photo_ids(db, photo_id), username, values, best=best)


def after_import(db, photo_id, matches):
    """Inside the new photo's transaction: link it to the posters of the
    photos it copies, suggest it for those of the photos it is another shot
    of. matches: [{"photo_id", "kind"}] as the import reports them."""
    duplicates = [m["photo_id"] for m in matches if m["kind"] == "duplicate"]
    others = [m["photo_id"] for m in matches if m["kind"] != "duplicate"]
    if not matches:
        return
    poster_of = {}
    for row in in_chunks(db, "SELECT poster_id, photo_id FROM poster_photos WHERE photo_id IN ({marks})",
                         duplicates + others):
        poster_of.setdefault(row["photo_id"], set()).add(row["poster_id"])
    linked = set()
    for matched in duplicates:
        for poster_id in sorted(poster_of.get(matched, ())):
            if poster_id not in linked:
                posters.edit(db, poster_id, {posters.link_field(photo_id): {"region": None}}, IMPORTER,
                             action="import")
                linked.add(poster_id)
    with write_transaction(db):
        for matched in others:
            for poster_id in sorted(poster_of.get(matched, ()) - linked):
                db.execute("INSERT OR IGNORE INTO poster_suggestions (poster_id, photo_id, matched_photo_id,"
                           " made_at) VALUES (?, ?, ?, ?)", [poster_id, photo_id, matched, now_iso()])


def confirm_suggestion(db, poster_id, photo_id, username=""):
    """Link a suggested photo to its poster. Returns the change's id."""
    if not _is_suggested(db, poster_id, photo_id):
        raise posters.PosterError(f"photo {photo_id} is not suggested for poster {poster_id}")
    return posters.link(db, poster_id, photo_id, username=username)


def dismiss_suggestion(db, poster_id, photo_id):
    """Forget a suggestion: the photo is not of this poster."""
    with write_transaction(db):
        if not _is_suggested(db, poster_id, photo_id):
            raise posters.PosterError(f"photo {photo_id} is not suggested for poster {poster_id}")
        db.execute("DELETE FROM poster_suggestions WHERE poster_id = ? AND photo_id = ?", [poster_id, photo_id])


def _is_suggested(db, poster_id, photo_id):
    return db.execute("SELECT 1 FROM poster_suggestions WHERE poster_id = ? AND photo_id = ?",
                      [poster_id, photo_id]).fetchone() is not None
