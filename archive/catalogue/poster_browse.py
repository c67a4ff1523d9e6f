"""Reading posters as people look at them: one poster with its photos as a
timeline by trip, first and last seen; and the list of posters with facets
(set, kind, film, decade first seen, status).

First and last seen come from the dates the linked photos were taken, of
the photos this reader may see: a visitor never learns a date from a
private photo. A poster none of whose photos a visitor may see is not
there for them.
"""

from dataclasses import dataclass

from archive.catalogue import photos as photo_rows
from archive.catalogue import posters
from archive.catalogue.photos import Page, visibility
from archive.db import one

FACETS = ("set", "kind", "film", "decade", "status")


def get(db, poster, include_private=True):
    """The poster (an id, a slug, or its row) with everything its page and
    JSON show, or None when there is none or this reader may not see it:
    "photos" (rows with tags and "region", by date taken), "first_seen",
    "last_seen", "trips" (the timeline: [{"trip", "photos"}] in order),
    "set_tag", "film_tag", "best" (the photo shown), "suggested"."""
    row = poster if isinstance(poster, dict) else posters.find(db, poster)
    if row is None:
        return None
    row = dict(row)
    regions = posters.links_of(db, row["id"])
    shown = photo_rows.get_photos(db, sorted(regions), include_private=include_private)
    if not shown and not include_private:
        return None
    for photo in shown:
        photo["region"] = regions[photo["id"]]
    shown.sort(key=_taken_order)
    row["photos"] = shown
    dated = [p["taken_at"] for p in shown if p["taken_at"]]
    row["first_seen"] = min(dated)[:10] if dated else None
    row["last_seen"] = max(dated)[:10] if dated else None
    row["trips"] = timeline(shown)
    row["set_tag"] = _tag(db, row["set_id"])
    row["film_tag"] = _tag(db, row["film_id"])
    by_id = {p["id"]: p for p in shown}
    row["best"] = by_id.get(row["best_photo_id"]) or (shown[0] if shown else None)
    row["kind_label"] = posters.KINDS[row["kind"]]
    row["suggested"] = suggested_photos(db, row["id"]) if include_private else []
    return row


def _taken_order(photo):
    # Undated photos last, in the order they came.
    return (photo["taken_at"] is None, photo["taken_at"] or "", photo["uploaded_at"], photo["id"])


def timeline(photos):
    """The photos (in date order) grouped by trip, in the order the trips
    were first seen; photos with no trip make a group of their own."""
    groups = []
    for photo in photos:
        trip = photo["trip"] or ""
        if not groups or groups[-1]["trip"] != trip:
            existing = next((g for g in groups if g["trip"] == trip), None)
            if existing is not None and existing is not groups[-1]:
                existing["photos"].append(photo)
                continue
            groups.append({"trip": trip, "photos": []})
        groups[-1]["photos"].append(photo)
    for group in groups:
        dated = [p["taken_at"] for p in group["photos"] if p["taken_at"]]
        group["first"] = min(dated)[:10] if dated else None
        group["last"] = max(dated)[:10] if dated else None
    return groups


def suggested_photos(db, poster_id):
    """Photos an import found to be other shots of the poster's photos,
    waiting for an archivist: rows with "matched_photo_id"."""
    rows = [dict(r) for r in db.query(
        "SELECT photo_id, matched_photo_id FROM poster_suggestions WHERE poster_id = ? ORDER BY photo_id",
        [poster_id])]
    found = {p["id"]: p for p in photo_rows.get_photos(db, [r["photo_id"] for r in rows])}
    out = []
    for row in rows:
        if row["photo_id"] in found:
            out.append({**found[row["photo_id"]], "matched_photo_id": row["matched_photo_id"]})
    return out


def _tag(db, tag_id):
    return one(db, "SELECT * FROM tags WHERE id = ?", [tag_id]) if tag_id is not None else None


@dataclass
class Listing:
    page: Page  # items: poster rows with first_seen, last_seen, photo_count, best (a photo row)
    facets: dict  # facet -> [{"value", "label", "count", "selected"}]
    chosen: dict  # facet -> value


def listing(db, chosen=None, page=1, per_page=24, include_private=False, text=""):
    """A page of posters narrowed by chosen facets ({facet: value}) and a
    few words (matched in titles, place and painted text), with the facet
    counts over every poster that the other choices leave."""
    chosen = {facet: value for facet, value in (chosen or {}).items() if facet in FACETS and value}
    rows = _summaries(db, include_private)
    words = [w.lower() for w in (text or "").split() if w]
    if words:
        rows = [row for row in rows if all(w in row["_text"] for w in words)]
    matching = [row for row in rows if all(_value(row, f) == v for f, v in chosen.items())]
    facets = {}
    for facet in FACETS:
        others = [row for row in rows if all(_value(row, f) == v for f, v in chosen.items() if f != facet)]
        counts = {}
        for row in others:
            value = _value(row, facet)
            if value:
                counts[value] = counts.get(value, 0) + 1
        labels = {_value(row, facet): _label(row, facet) for row in others}
        entries = [{"value": value, "label": labels[value], "count": count, "selected": chosen.get(facet) == value}
                   for value, count in counts.items()]
        if facet in ("set", "film"):  # and the Korean name, for a page in Korean
            korean = {_value(row, facet): row[f"{facet}_label_ko"] for row in others}
            for entry in entries:
                entry["label_ko"] = korean[entry["value"]] or ""
        key = (lambda e: e["value"]) if facet == "decade" else (lambda e: (-e["count"], e["label"]))
        facets[facet] = sorted(entries, key=key)
    matching.sort(key=lambda row: (row["first_seen"] is None, row["first_seen"] or "", row["title"] or "",
                                   row["id"]))
    start = (page - 1) * per_page
    items = matching[start : start + per_page]
    best = {p["id"]: p for p in photo_rows.get_photos(db, [r["best_id"] for r in items if r["best_id"]],
                                                      include_private=include_private)}
    for row in items:
        row["best"] = best.get(row["best_id"])
    return Listing(Page(items, page, per_page, len(matching)), facets, chosen)


def _summaries(db, include_private):
    """Every poster this reader may see, with its seen dates and counts."""
    clause = visibility(include_private)
    rows = [dict(r) for r in db.query(
        "SELECT posters.*, s.slug AS set_slug, s.label AS set_label, s.label_ko AS set_label_ko,"
        " f.slug AS film_slug, f.label AS film_label, f.label_ko AS film_label_ko,"
        " (SELECT min(photos.taken_at) FROM poster_photos pp JOIN photos ON photos.id = pp.photo_id"
        f"   WHERE pp.poster_id = posters.id{clause}) AS first_seen,"
        " (SELECT max(photos.taken_at) FROM poster_photos pp JOIN photos ON photos.id = pp.photo_id"
        f"   WHERE pp.poster_id = posters.id{clause}) AS last_seen,"
        " (SELECT count(*) FROM poster_photos pp JOIN photos ON photos.id = pp.photo_id"
        f"   WHERE pp.poster_id = posters.id{clause}) AS photo_count,"
        " coalesce((SELECT pp.photo_id FROM poster_photos pp JOIN photos ON photos.id = pp.photo_id"
        f"   WHERE pp.poster_id = posters.id AND pp.photo_id = posters.best_photo_id{clause}),"
        " (SELECT pp.photo_id FROM poster_photos pp JOIN photos ON photos.id = pp.photo_id"
        f"   WHERE pp.poster_id = posters.id{clause}"
        "   ORDER BY photos.taken_at IS NULL, photos.taken_at, photos.id LIMIT 1)) AS best_id"
        " FROM posters LEFT JOIN tags s ON s.id = posters.set_id LEFT JOIN tags f ON f.id = posters.film_id"
        " ORDER BY posters.id")]
    out = []
    for row in rows:
        if not include_private and not row["photo_count"]:
            continue
        row["first_seen"] = row["first_seen"][:10] if row["first_seen"] else None
        row["last_seen"] = row["last_seen"][:10] if row["last_seen"] else None
        row["kind_label"] = posters.KINDS[row["kind"]]
        row["_text"] = " ".join(str(row[k] or "") for k in (
            "title", "title_ko", "place", "product", "depicts", "painted_text", "translation", "slug")).lower()
        out.append(row)
    return out


def _value(row, facet):
    if facet == "set":
        return row["set_slug"]
    if facet == "film":
        return row["film_slug"]
    if facet == "decade":
        return f"{row['first_seen'][:3]}0s" if row["first_seen"] else None
    return row[facet]


def _label(row, facet):
    if facet in ("set", "film"):
        return row[f"{facet}_label"]
    if facet == "kind":
        return posters.KINDS[row["kind"]]
    if facet == "status":
        return posters.STATUSES[row["status"]]
    return _value(row, facet)
