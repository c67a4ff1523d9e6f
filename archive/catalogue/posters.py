"""Poster records: what is painted on one wall of one street set, photographed
on every trip.

A poster has titles in English and Korean, a kind and a status from short
vocabularies, its set (a set tag) and place on the set, what it depicts or
replicates (a film tag, a product, words), the text painted on it and a
translation, notes, and the photo shown for it. Photos link to posters
many to many; a link may carry the poster's region on the photo (x, y, w,
h in the upright photo's full pixels). First and last seen are not stored:
they come from the linked photos' dates (poster_browse.py).

Every change, a link or an unlink too, is one change in the edit history
(history.py) of record type "poster": a field's before and after, and for
a link the field "photo:ID" going from null (not linked) to {"region": ...}.
So a revert puts links back as it puts titles back, through `write` here.

The web form, the JSON API and `manage_archive.py posters ...` all call
create, edit, link and unlink here.
"""

import re

from archive.catalogue import history, tags
from archive.catalogue.editing import EditError, Field, clean_text
from archive.clock import now_iso
from archive.db import one, write_transaction

KINDS = {
    "film-poster-replica": "film-poster replica",
    "advert": "advert",
    "shop-sign": "shop sign",
    "slogan": "slogan",
    "notice": "notice",
    "mural": "mural",
    "other": "other",
}
STATUSES = {
    "standing": "standing",
    "repainted": "repainted",
    "gone": "gone",
    "unknown": "unknown",
}

# The text fields, in the order the form shows them.
TEXT_FIELDS = {
    "title": Field("title", 300),
    "title_ko": Field("Korean title", 300),
    "place": Field("place on the set", 300),
    "product": Field("product", 300),
    "depicts": Field("what it depicts", 2000, multiline=True),
    "painted_text": Field("painted text", 20000, multiline=True),
    "translation": Field("translation", 20000, multiline=True),
    "notes": Field("notes", 20000, multiline=True),
}
# set and film are tag slugs (null: none); best_photo a linked photo's id;
# slug names the poster in links and queries (poster:SLUG).
FIELDS = ("title", "title_ko", "slug", "kind", "status", "set", "place", "film", "product", "depicts",
          "painted_text", "translation", "notes", "best_photo")
LABELS = {**{name: field.label for name, field in TEXT_FIELDS.items()},
          "slug": "slug", "kind": "kind", "status": "status", "set": "set", "film": "film it replicates",
          "best_photo": "photo shown", "made": "made"}
MADE = "made"  # when and by whom, kept in the history of a deletion only
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_LENGTH = 80
_LINK = re.compile(r"photo:([1-9][0-9]{0,17})")
MAX_PHOTOS = 5000  # linked at once, as a bulk edit of photos


class PosterError(EditError):
    """A poster change that cannot be made; `fields` says what is wrong with each field."""


def link_field(photo_id):
    return f"photo:{photo_id}"


def linked_photo(field):
    """The photo id a history field "photo:ID" names, or None for another field."""
    match = _LINK.fullmatch(field)
    return int(match.group(1)) if match else None


def label_of(field):
    photo_id = linked_photo(field)
    return f"photo {photo_id}" if photo_id else LABELS.get(field, field)


# -- reading ------------------------------------------------------------------------


def get_row(db, poster_id):
    """The poster's row, or None."""
    if not isinstance(poster_id, int) or not 0 < poster_id < 2**63:
        return None
    return one(db, "SELECT * FROM posters WHERE id = ?", [poster_id])


def by_slug(db, slug):
    return one(db, "SELECT * FROM posters WHERE slug = ?", [slug])


def find(db, value):
    """The poster a value names: its id, or its slug; None when none does."""
    value = str(value).strip()
    if value.isascii() and value.isdigit():
        row = get_row(db, int(value)) if len(value) < 19 else None
        if row is not None:
            return row
    return by_slug(db, value)


def links_of(db, poster_id):
    """{photo_id: region or None} of a poster's photos."""
    return {row[0]: _region(row[1:]) for row in db.execute(
        "SELECT photo_id, x, y, w, h FROM poster_photos WHERE poster_id = ? ORDER BY photo_id", [poster_id])}


def _region(values):
    x, y, w, h = values
    return None if x is None else {"x": x, "y": y, "w": w, "h": h}


def editable_values(db, poster_id):
    """The poster's fields as the history keeps them (tags as slugs), and one
    "photo:ID" field a linked photo, or None for no such poster."""
    row = get_row(db, poster_id)
    if row is None:
        return None
    values = {name: row[name] for name in TEXT_FIELDS}
    values.update(slug=row["slug"], kind=row["kind"], status=row["status"], best_photo=row["best_photo_id"],
                  set=_slug(db, row["set_id"]), film=_slug(db, row["film_id"]))
    for photo_id, region in links_of(db, poster_id).items():
        values[link_field(photo_id)] = {"region": region}
    return values


def _slug(db, tag_id):
    if tag_id is None:
        return None
    row = one(db, "SELECT slug FROM tags WHERE id = ?", [tag_id])
    return row["slug"] if row else None


def posters_of_photo(db, photo_id):
    """The posters a photo shows, each row with its "region" on this photo."""
    rows = [dict(row) for row in db.query(
        "SELECT posters.*, pp.x, pp.y, pp.w, pp.h FROM poster_photos pp JOIN posters ON posters.id = pp.poster_id"
        " WHERE pp.photo_id = ? ORDER BY posters.title, posters.id", [photo_id])]
    for row in rows:
        row["region"] = _region([row.pop(k) for k in ("x", "y", "w", "h")])
    return rows


# -- checking -----------------------------------------------------------------------


def clean(db, values, strict=True):
    """The values as they are stored, or PosterError naming each bad field.
    A set or film is named by its slug, alias or label and kept as the tag's
    slug; a link's value is null (unlinked) or {"region": null or {x, y, w,
    h}}, checked against the photo's size."""
    errors, out = {}, {}
    for name, value in values.items():
        try:
            out[name] = _clean_one(db, name, value, strict)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        first = next(iter(errors))
        raise PosterError(f"{label_of(first)}: {errors[first][0]}", errors)
    return out


def _clean_one(db, name, value, strict):
    photo_id = linked_photo(name)
    if photo_id is not None:
        return _clean_link(db, photo_id, value, strict)
    if name in TEXT_FIELDS:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return clean_text(value, TEXT_FIELDS[name])
    if name == "slug":
        return clean_slug(value)
    if name in ("kind", "status"):
        choices = KINDS if name == "kind" else STATUSES
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value.strip().lower()
    if name in ("set", "film"):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError(f"must be the name of a {name} tag, or null")
        tag = tags.find_tag(db, name, value)
        if tag is None:
            raise ValueError(f"no {name} tag called {value.strip()!r}")
        return tag["slug"]
    if name == "best_photo":
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
            raise ValueError("must be the id of one of the poster's photos, or null")
        return value
    raise ValueError(f"cannot be edited; the fields are {', '.join(FIELDS)}")


def clean_slug(value):
    """A slug as kept: lower-case letters, digits and single hyphens, not
    digits alone (a number names a poster by its id)."""
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = value.strip()
    if not value:
        raise ValueError("give the poster a slug: lower-case letters, digits and hyphens")
    if len(value) > SLUG_LENGTH:
        raise ValueError(f"is {len(value)} characters long; at most {SLUG_LENGTH}")
    if not SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug: use lower-case letters a-z, digits and single hyphens between "
                         "them, like the-seven-year-itch")
    if value.isdigit():
        raise ValueError("cannot be digits alone, which name a poster by its id")
    return value


def _clean_link(db, photo_id, value, strict):
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"region"}:
        raise ValueError('must be null (not linked) or {"region": null or {"x", "y", "w", "h"}}')
    photo = one(db, "SELECT width, height FROM photos WHERE id = ?", [photo_id])
    if photo is None:
        raise ValueError(f"no photo {photo_id}")
    return {"region": clean_region(value.get("region"), photo["width"], photo["height"], strict)}


def clean_region(region, width, height, strict=True):
    """A region as kept: {x, y, w, h} of whole pixels inside the photo, or None.
    Not strict (a revert's value): a photo turned since may no longer hold it
    whole, so it is only kept inside."""
    if region is None:
        return None
    if isinstance(region, (list, tuple)) and len(region) == 4:
        region = dict(zip("xywh", region))
    if not isinstance(region, dict) or set(region) != set("xywh"):
        raise ValueError("a region is x, y, w and h (in the photo's pixels)")
    numbers = {}
    for key in "xywh":
        value = region[key]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value >= 2**31:
            raise ValueError(f"the region's {key} must be a whole number of pixels, 0 or more")
        numbers[key] = value
    if numbers["w"] < 1 or numbers["h"] < 1:
        raise ValueError("the region must be at least one pixel wide and high")
    if numbers["x"] + numbers["w"] > width or numbers["y"] + numbers["h"] > height:
        if strict:
            raise ValueError(f"the region must lie inside the photo ({width} × {height} pixels)")
        numbers["x"], numbers["y"] = min(numbers["x"], width - 1), min(numbers["y"], height - 1)
        numbers["w"] = min(numbers["w"], width - numbers["x"])
        numbers["h"] = min(numbers["h"], height - numbers["y"])
    return numbers


# -- writing ------------------------------------------------------------------------


def edit(db, poster_id, values, username="", action="edit", reverting=None, change_id=None, strict=True):
    """Change a poster's fields and links (a partial dict: only what is sent
    changes; "photo:ID": null unlinks, {"region": ...} links) and keep the
    change in the history. Returns the change's id, or None when nothing
    changed. Raises PosterError, changing nothing, for a bad value."""
    if not isinstance(values, dict):
        raise PosterError("send the fields to change")
    cleaned = clean(db, values, strict)
    with write_transaction(db):
        before = editable_values(db, poster_id)
        if before is None:
            raise PosterError(f"no poster {poster_id}")
        changed = {name: value for name, value in cleaned.items() if before.get(name) != value}
        if not changed:
            return None
        if "slug" in changed and by_slug(db, changed["slug"]) is not None:
            raise PosterError(f"slug: another poster is called {changed['slug']!r}",
                              {"slug": [f"another poster is called {changed['slug']!r}"]})
        links = {linked_photo(name): value for name, value in changed.items() if linked_photo(name)}
        if len(links) > MAX_PHOTOS:
            raise PosterError(f"at most {MAX_PHOTOS} photos at a time")
        columns = {name: value for name, value in changed.items() if not linked_photo(name)}
        _write_links(db, poster_id, links, username)
        best = columns.get("best_photo", before["best_photo"])
        linked_now = {**{linked_photo(k): v for k, v in before.items() if linked_photo(k)}, **links}
        if best is not None and linked_now.get(best) is None:
            if "best_photo" in columns:
                raise PosterError(f"photo shown: photo {best} is not one of the poster's photos",
                                  {"best_photo": ["must be one of the poster's photos"]})
            columns["best_photo"] = None  # the photo shown was unlinked: the timeline's first stands in
        _write_columns(db, poster_id, columns)
        entries = [(poster_id, name, before.get(name), value) for name, value in changed.items()]
        if "best_photo" in columns and "best_photo" not in changed:
            entries.append((poster_id, "best_photo", before["best_photo"], None))
        return history.record(db, "poster", entries, username,
                              action="revert" if reverting and action == "edit" else action,
                              reverts=reverting, change_id=change_id)


def _write_columns(db, poster_id, columns):
    if not columns:
        return
    stored = {}
    for name, value in columns.items():
        if name in ("set", "film"):
            stored[f"{name}_id"] = tags.find_tag(db, name, value)["id"] if value else None
        elif name == "best_photo":
            stored["best_photo_id"] = value
        else:
            stored[name] = value
    assignments = ", ".join(f"{name} = ?" for name in stored)  # names from FIELDS only
    db.execute(f"UPDATE posters SET {assignments} WHERE id = ?", [*stored.values(), poster_id])


def _write_links(db, poster_id, links, username):
    now = now_iso()
    for photo_id, value in links.items():
        if value is None:
            db.execute("DELETE FROM poster_photos WHERE poster_id = ? AND photo_id = ?", [poster_id, photo_id])
            continue
        region = value["region"] or {}
        db.execute(
            "INSERT INTO poster_photos (poster_id, photo_id, x, y, w, h, linked_by, linked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (poster_id, photo_id) DO UPDATE SET"
            " x = excluded.x, y = excluded.y, w = excluded.w, h = excluded.h",
            [poster_id, photo_id, region.get("x"), region.get("y"), region.get("w"), region.get("h"), username,
             now])
        # A linked photo no longer waits as a suggestion for this poster.
        db.execute("DELETE FROM poster_suggestions WHERE poster_id = ? AND photo_id = ?", [poster_id, photo_id])


def create(db, values, username="", photos=(), action="create"):
    """A new poster with values and photos linked to it, as one change.
    photos: photo ids, or (id, region) pairs. A poster needs a title (or
    Korean title), unless it has photos to be known by. Its slug is the one
    given, or made from its title, or else from its set and kind. Returns
    the poster's id."""
    if not isinstance(values, dict):
        raise PosterError("send the poster's fields")
    cleaned = clean(db, values)
    if not cleaned.get("title") and not cleaned.get("title_ko") and not photos:
        raise PosterError("title: give the poster a title, in English or Korean",
                          {"title": ["give the poster a title, in English or Korean"]})
    links = {}
    for item in photos:
        photo_id, region = item if isinstance(item, tuple) else (item, None)
        links[link_field(int(photo_id))] = {"region": region}
    if len(links) > MAX_PHOTOS:
        raise PosterError(f"at most {MAX_PHOTOS} photos at a time")
    with write_transaction(db):
        for field in links:  # every photo exists before the poster does
            clean(db, {field: links[field]})
        if cleaned.get("slug") and by_slug(db, cleaned["slug"]) is not None:
            raise PosterError(f"slug: another poster is called {cleaned['slug']!r}",
                              {"slug": [f"another poster is called {cleaned['slug']!r}"]})
        poster_id = db.execute(
            "INSERT INTO posters (id, slug, created_by, created_at) VALUES (?, ?, ?, ?)",
            [_free_id(db), cleaned.get("slug") or _free_slug(db, _slug_words(cleaned)), username,
             now_iso()]).lastrowid
        fields = {**{k: v for k, v in cleaned.items() if k != "slug"}, **links}
        if fields.get("best_photo") is None and links:
            fields["best_photo"] = linked_photo(next(iter(links)))
        edit(db, poster_id, fields, username, action=action)
    return poster_id


def _slug_words(values):
    """What a new poster's slug is made of: its title, or its set and kind
    ("european-street-advert"), never a file name."""
    title = values.get("title") or values.get("title_ko")
    if title:
        return title
    kind = values.get("kind") or "other"
    return " ".join(part for part in (values.get("set"), "poster" if kind == "other" else kind) if part)


def _free_id(db):
    """An id no poster has had: a deleted poster's history stays its own."""
    return 1 + db.execute("SELECT max(coalesce((SELECT max(id) FROM posters), 0), coalesce((SELECT max(record_id)"
                          " FROM edit_entries WHERE record_type = 'poster'), 0))").fetchone()[0]


def _free_slug(db, title):
    base = tags.slugify(title)[:60].strip("-") or "poster"
    if base.isdigit():
        base = f"poster-{base}"
    slug, n = base, 2
    while db.execute("SELECT 1 FROM posters WHERE slug = ?", [slug]).fetchone():
        slug, n = f"{base}-{n}", n + 1
    return slug


def link(db, poster_id, photo_id, region=None, username=""):
    """Link a photo to a poster (or move its region). Returns the change's id, or None."""
    return edit(db, poster_id, {link_field(photo_id): {"region": region}}, username, action="link")


def unlink(db, poster_id, photo_id, username=""):
    """Take a photo off a poster. Returns the change's id, or None when it was not linked."""
    return edit(db, poster_id, {link_field(photo_id): None}, username, action="unlink")


def _write(db, poster_id, values, username, reverting=None, change_id=None):
    return edit(db, poster_id, values, username, reverting=reverting, change_id=change_id, strict=False)


POSTER = history.Kind("poster", read=editable_values, write=_write, labels=LABELS)


def revert(db, change_id, username="", poster_id=None):
    """Undo a change to a poster (a deletion too: see restore). Returns the new change's id."""
    change = history.get_change(db, change_id, record_id=poster_id) if 0 < change_id < 2**63 else None
    if change is not None and change["record_type"] == "poster" and change["action"] == "delete":
        return restore(db, change_id, username)
    return history.revert(db, POSTER, change_id, username, record_id=poster_id)


def delete(db, poster_id, username=""):
    """Delete a poster record; its photos stay as they are. What it was,
    every field and link and when and by whom it was made, is kept in its
    history as one "delete" change (each value before, null after), which
    `restore` (or reverting it) brings back under the same id. Returns the
    change's id."""
    with write_transaction(db):
        before = editable_values(db, poster_id)
        if before is None:
            raise PosterError(f"no poster {poster_id}")
        row = get_row(db, poster_id)
        before[MADE] = {"by": row["created_by"], "at": row["created_at"]}
        change_id = history.record(db, "poster", [(poster_id, name, value, None) for name, value in before.items()],
                                   username, action="delete")
        db.execute("DELETE FROM poster_photos WHERE poster_id = ?", [poster_id])
        db.execute("DELETE FROM poster_suggestions WHERE poster_id = ?", [poster_id])
        db.execute("DELETE FROM posters WHERE id = ?", [poster_id])
    return change_id


def restore(db, change_id, username=""):
    """Bring a deleted poster back from the change that deleted it: its id,
    fields and links (to the photos that still exist), under its old slug
    unless another poster has taken it since (then a free one like it).
    One "restore" change, which reverts the deletion. Returns its id."""
    with write_transaction(db):
        change = history.get_change(db, change_id) if 0 < change_id < 2**63 else None
        if change is None or change["record_type"] != "poster" or change["action"] != "delete":
            raise history.HistoryError(f"no deletion of a poster in change {change_id}")
        if change["reverted"]:
            raise history.HistoryError(f"change {change_id} was already reverted: the poster was restored")
        [poster_id] = change["record_ids"]
        if get_row(db, poster_id) is not None:
            raise history.HistoryError(f"poster {poster_id} exists")
        values = {entry["field"]: entry["before"] for entry in change["entries"]}
        made = values.pop(MADE, None) or {}
        slug = values.pop("slug")
        if by_slug(db, slug) is not None:
            slug = _free_slug(db, slug)
        values = {name: value for name, value in values.items()
                  if not linked_photo(name) or one(db, "SELECT 1 FROM photos WHERE id = ?", [linked_photo(name)])}
        if values.get("best_photo") is not None and link_field(values["best_photo"]) not in values:
            values["best_photo"] = None
        db.execute("INSERT INTO posters (id, slug, created_by, created_at) VALUES (?, ?, ?, ?)",
                   [poster_id, slug, made.get("by", ""), made.get("at") or now_iso()])
        new_change = edit(db, poster_id, values, username, action="restore", reverting=change_id, strict=False)
        if new_change is None:  # a poster of empty fields and no photos: the restore is still a change
            new_change = history.record(db, "poster", [(poster_id, "slug", None, slug)], username,
                                        action="restore", reverts=change_id)
        db.execute("UPDATE edit_entries SET reverted_by = ? WHERE change_id = ?", [new_change, change_id])
    return new_change


def deleted_change(db, poster_id):
    """The change that deleted this poster, when it is deleted (and was not restored), or None."""
    if get_row(db, poster_id) is not None:
        return None
    row = one(db, "SELECT c.* FROM edit_changes c JOIN edit_entries e ON e.change_id = c.id"
                  " WHERE e.record_type = 'poster' AND e.record_id = ? AND c.action = 'delete'"
                  " ORDER BY c.id DESC LIMIT 1", [poster_id])
    return row


def poster_history(db, poster_id, limit=50):
    """The poster's changes, newest first, each entry with what a person reads."""
    changes = history.changes(db, "poster", poster_id, limit=limit)
    for change in changes:
        for entry in change["entries"]:
            entry["label"] = label_of(entry["field"])
            entry["before_text"] = describe(entry["field"], entry["before"])
            entry["after_text"] = describe(entry["field"], entry["after"])
    return changes


def describe(field, value):
    if linked_photo(field):
        if value is None:
            return "not linked"
        region = value.get("region")
        return "linked" + (f", region {region['x']},{region['y']} {region['w']} × {region['h']}" if region else "")
    if field == "kind":
        return KINDS.get(value, value)
    if field == MADE:
        return f"{(value.get('at') or '')[:16].replace('T', ' ')} by {value.get('by') or 'someone'}" if value else \
            "(empty)"
    if value in (None, ""):
        return "(empty)"
    return str(value)


def choices(db, limit=1000):
    """Posters to link a photo to, by title: rows of id, slug, title, title_ko."""
    return [dict(row) for row in db.query(
        "SELECT id, slug, title, title_ko FROM posters ORDER BY lower(title), title_ko, id LIMIT ?", [limit])]


def photo_ids(db, poster_id=None, kind=None):
    """Ids of the photos linked to a poster, to posters of a kind, or (with
    neither) to any poster: what poster:, kind: and has:poster find."""
    sql, params = "SELECT DISTINCT pp.photo_id FROM poster_photos pp JOIN posters ON posters.id = pp.poster_id", []
    if poster_id is not None:
        sql += " WHERE posters.id = ?"
        params.append(poster_id)
    elif kind is not None:
        sql += " WHERE posters.kind = ?"
        params.append(kind)
    return [row[0] for row in db.execute(sql + " ORDER BY pp.photo_id", params)]


def links_by_poster(db):
    """Every link as (poster id, slug, title, title_ko, photo id), for search's poster facet."""
    return db.execute("SELECT posters.id, posters.slug, posters.title, posters.title_ko, pp.photo_id"
                      " FROM poster_photos pp JOIN posters ON posters.id = pp.poster_id").fetchall()
