"""Posters grow from the photos: made from one photo, from its confirmed
group (the copies of one photograph and the other shots of the same
poster), or from a review cluster (the photos marked as the same
photograph or another shot, not the unrelated ones); and kept growing by
imports.

When an import matches a photo that a poster already has:
- the same photograph (a duplicate): the new photo is linked to that poster
  at once, in the poster's history as an "import" change, so it can be
  reverted like any other;
- another shot of the same poster: the new photo is suggested for the
  poster (poster_suggestions), listed on the poster's page for an archivist
  to link or dismiss, and in the review queue beside the clusters
  (waiting, waiting_count).
"""

from archive.catalogue import photos as photo_rows
from archive.catalogue import posters
from archive.catalogue.tags import find_tag
from archive.clock import now_iso
from archive.db import in_chunks, write_transaction
from archive.dedup import clusters, decisions

IMPORTER = "import"


def group_photo_ids(db, photo_id):
    """The photo, its confirmed copies and its confirmed other shots (with their copies)."""
    members = decisions.group_members(db, photo_id)
    return sorted(members | decisions.other_shot_ids(db, members))


def proposed_values(db, photo_ids):
    """A new poster's values from its photos: the first title found (none
    when none has one: a file name is no poster's title), and the set and
    film that the photos' tags name, when exactly one of each."""
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
    return values  # untitled photos make an untitled poster, its slug from its set and kind


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


def from_cluster(db, key, username="", marks=None, primary=None, values=None, expected=None,
                 include_private=True):
    """A poster of the photos of an open review cluster that show it: the
    primary and those marked the same photograph or another shot of it, not
    those marked unrelated. marks: {photo_id: "same" | "other" |
    "unrelated"} as the archivist set them; a photo left out keeps the
    proposal. expected: the photo ids the archivist saw (ClusterChanged when
    the cluster holds others now). The primary is the photo shown. Nothing
    is decided: the cluster stays open."""
    marks = dict(marks or {})
    cluster = clusters.cluster_of(db, key, include_private)
    if cluster is None:
        raise posters.PosterError(f"no open cluster holds photo {key}")
    if expected is not None and sorted(set(expected)) != cluster.photo_ids:
        raise clusters.ClusterChanged(
            f"the cluster now holds photos {', '.join(map(str, cluster.photo_ids))}; look at it again")
    strangers = sorted(set(marks) - set(cluster.photo_ids))
    if strangers:
        raise posters.PosterError(f"photos {', '.join(map(str, strangers))} are not in this cluster")
    bad = sorted({mark for mark in marks.values() if mark not in clusters.MARKS})
    if bad:
        raise posters.PosterError(f"a mark must be one of {', '.join(clusters.MARKS)}, not {bad[0]!r}")
    clusters.proposal(db, cluster, primary)
    marks[cluster.primary] = "same"  # the primary is the photograph the others are marked against
    shown = [m.photo_id for m in cluster.members if marks.get(m.photo_id, m.mark) in ("same", "other")]
    return from_photos(db, shown, username, values, best=cluster.primary)


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
            for poster_id in sorted(poster_of.get(matched, set()) - linked):
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


def waiting(db, include_private=True):
    """Every photo suggested for a poster, waiting for an archivist, oldest
    suggestion first: what the review queue lists beside the clusters. Each
    {"poster": {id, slug, title, title_ko, kind}, "photo": its row,
    "matched_photo_id", "made_at"}."""
    rows = [dict(r) for r in db.query(
        "SELECT s.poster_id, s.photo_id, s.matched_photo_id, s.made_at, p.slug, p.title, p.title_ko, p.kind"
        " FROM poster_suggestions s JOIN posters p ON p.id = s.poster_id ORDER BY s.made_at, s.poster_id, s.photo_id")]
    found = {p["id"]: p for p in photo_rows.get_photos(db, sorted({r["photo_id"] for r in rows}),
                                                       include_private=include_private)}
    return [{"poster": {"id": r["poster_id"], **{k: r[k] for k in ("slug", "title", "title_ko", "kind")}},
             "photo": found[r["photo_id"]], "matched_photo_id": r["matched_photo_id"], "made_at": r["made_at"]}
            for r in rows if r["photo_id"] in found]


def waiting_count(db, include_private=True):
    """How many photos wait as suggestions for posters (counted as waiting() lists them)."""
    return db.execute("SELECT count(*) FROM poster_suggestions s JOIN photos ON photos.id = s.photo_id WHERE 1"
                      + photo_rows.visibility(include_private)).fetchone()[0]
