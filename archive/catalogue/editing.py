"""Editing what a photo shows after import: its titles and captions (in
English and Korean), transcription, date taken and how precisely it is
known, trip, photographer and rights; its orientation; whether it is
public. Every change goes into the edit history (history.py), from which
any change can be reverted.

The web form, PATCH /api/photos/<id>, the bulk edit of search results and
`manage_archive.py photos edit` all call edit_photo / edit_photos here.
Search, facets, IIIF manifests, exports and citations read the row, so they
follow at once: the search index catches up through the change log that
SQL triggers write (migration 0070_curation adds the new columns to it).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from archive.catalogue import history, orientation, photos, tags
from archive.db import one, write_transaction
from archive.dedup import generation
from archive.dedup import lookup as fingerprints
from archive.imaging import decoding as imaging

MAX_BULK = 5000


@dataclass(frozen=True)
class Field:
    label: str  # what a person calls it
    max_length: int = 0  # text fields only
    multiline: bool = False


# What archivists edit, in the order the form shows them.
FIELDS = {
    "title": Field("title", 300),
    "title_ko": Field("Korean title", 300),
    "caption": Field("caption", 5000, multiline=True),
    "caption_ko": Field("Korean caption", 5000, multiline=True),
    "transcription": Field("transcription", 20000, multiline=True),
    "taken_at": Field("date taken"),
    "taken_precision": Field("precision of the date"),
    "trip": Field("trip", 200),
    "photographer": Field("photographer", 200),
    "rights": Field("rights", 500),
}
EDITABLE = tuple(FIELDS)
# Also kept in the history, but changed by their own actions (publishing,
# turning), so a revert can put them back too.
OWN_ACTIONS = {"is_public": Field("visibility"), "orientation_override": Field("orientation")}
LABELS = {name: field.label for name, field in {**FIELDS, **OWN_ACTIONS}.items()}

PRECISIONS = {
    "": "as written",
    "day": "the day",
    "month": "the month",
    "year": "the year",
    "circa": "about that year (circa)",
}
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?)?)?")
EARLIEST_YEAR, LATEST_YEAR = 1850, 2100


class EditError(ValueError):
    """An edit that cannot be made; `fields` says what is wrong with each field."""

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.fields = fields or {}


# -- reading and checking values ---------------------------------------------------


def current_values(db, photo_id):
    """The editable values of a photo (and its visibility and orientation), or None."""
    row = one(db, "SELECT * FROM photos WHERE id = ?", [photo_id]) if 0 < photo_id < 2**63 else None
    if row is None:
        return None
    values = {name: row[name] for name in EDITABLE}
    values["is_public"] = bool(row["is_public"])
    values["orientation_override"] = row["orientation_override"]
    return values


def clean(values, allowed=EDITABLE, strict=True):
    """The values as they are stored: text trimmed and in NFC, without control
    characters, within its length; a date in ISO form with its precision.
    Raises EditError naming each bad field; an unknown field is one. Not
    strict: a value the archive itself stored (a revert's) may hold a year
    no archivist would type, as a camera's clock can."""
    errors, out = {}, {}
    for name, value in values.items():
        if name not in allowed:
            errors[name] = [f"{name!r} cannot be edited here; the fields are {', '.join(allowed)}"]
            continue
        try:
            out[name] = _clean_one(name, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if "taken_at" in out or "taken_precision" in out:
        try:
            taken = _combined_taken(out, strict)
        except ValueError as exc:
            errors.setdefault("taken_at", []).append(str(exc))
        else:
            out.update(taken)
    if errors:
        first = next(iter(errors))
        raise EditError(f"{LABELS.get(first, first)}: {errors[first][0]}", errors)
    return out


def _clean_one(name, value):
    if name == "is_public":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if name == "orientation_override":
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8):
            raise ValueError("must be an EXIF orientation, 1 to 8, or null")
        return value
    if name == "taken_at":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("must be a date as text, like 2019-10-03, 2019-10 or 2019, or null")
        return value.strip()
    if not isinstance(value, str):
        raise ValueError("must be text")
    if name == "taken_precision":
        value = value.strip().lower()
        if value not in PRECISIONS:
            raise ValueError(f"must be one of {', '.join(repr(p) for p in PRECISIONS)}")
        return value
    return clean_text(value, FIELDS[name])


def clean_text(value, field):
    """Text as it is kept: NFC, no control characters (line breaks stay in
    long text), no space at either end, within its length."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n" if field.multiline else ""
    value = "".join(" " if ch in "\t\n" and ch not in keep else ch for ch in value)
    value = "".join(ch for ch in value if ch in keep or unicodedata.category(ch)[0] != "C")
    value = "\n".join(line.rstrip() for line in value.strip().split("\n"))
    if len(value) > field.max_length:
        raise ValueError(f"is {len(value)} characters long; at most {field.max_length}")
    return value


def _combined_taken(out, strict=True):
    """taken_at and taken_precision together: the date as stored for its
    precision. A precision given alone is applied later, to the date the
    photo has (see _taken_for)."""
    if "taken_at" not in out:
        return {}
    return dict(zip(("taken_at", "taken_precision"),
                    normal_taken(out["taken_at"], out.get("taken_precision"), strict)))


def normal_taken(text, precision=None, strict=True):
    """(taken_at, taken_precision) as stored, from a date written as 2019,
    2019-10, 2019-10-03 or 2019-10-03T14:22[:05], and a precision (None or
    "": as precise as it is written). A day or coarser is kept as a date
    (its first day); a time to the second."""
    if text is None:
        if precision:
            raise ValueError("give the date before its precision")
        return None, ""
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a date; write 2019-10-03, 2019-10 or 2019 (a time may follow: "
                         "2019-10-03 14:22)")
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    if strict and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"{year} is not a year a photograph here was taken in")
    try:
        moment = datetime(year, month or 1, day or 1, hour or 0, minute or 0, second or 0)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    written = "" if hour is not None else "day" if day else "month" if month else "year"
    precision = precision or written
    needs = {"": "", "day": "day", "month": "month", "year": "year", "circa": "year"}[precision]
    order = ("", "day", "month", "year")
    if order.index(written) > order.index(needs):
        raise ValueError(f"{text!r} does not say the {needs or 'time'}")
    if precision == "":
        return moment.isoformat(timespec="seconds"), ""
    if precision == "day":
        return moment.date().isoformat(), "day"
    if precision == "month":
        return f"{year:04d}-{moment.month:02d}-01", "month"
    return f"{year:04d}-01-01", precision


def taken_as_written(photo):
    """A photo's date as an archivist would type it: 2019, 2019-10,
    2019-10-03 or 2019-10-03 14:22:05."""
    taken = photo.get("taken_at")
    if not taken:
        return ""
    precision = photo.get("taken_precision") or ""
    if precision in ("year", "circa"):
        return taken[:4]
    if precision == "month":
        return taken[:7]
    return taken[:10] if precision == "day" else taken[:19].replace("T", " ")


def _taken_for(values, row):
    """A precision sent without a date applies to the date the photo has."""
    if "taken_precision" in values and "taken_at" not in values:
        if row["taken_at"] is None and values["taken_precision"]:
            raise EditError("date taken: give the date before its precision",
                            {"taken_precision": ["give the date before its precision"]})
        if row["taken_at"] is not None:
            taken = row["taken_at"][:19]
            try:
                stored = normal_taken(taken, values["taken_precision"] or _written_precision(taken))
            except ValueError as exc:
                raise EditError(f"date taken: {exc}", {"taken_precision": [str(exc)]}) from None
            values = {**values, "taken_at": stored[0], "taken_precision": stored[1]}
    return values


def _written_precision(taken):
    return "" if "T" in taken else "day"


# -- writing -------------------------------------------------------------------------


def edit_photo(db, photo_id, values, username="", action="edit", reverting=None, change_id=None,
               allowed=EDITABLE, strict=True):
    """Change a photo's fields (a partial dict: only what is sent changes)
    and keep the change in the history. Returns the change's id, or None
    when nothing changed. Raises EditError, changing nothing, for a bad
    value or an unknown photo."""
    cleaned = clean(values, allowed, strict)
    row = one(db, "SELECT * FROM photos WHERE id = ?", [photo_id]) if 0 < photo_id < 2**63 else None
    if row is None:
        raise EditError(f"no photo {photo_id}")
    turned = None
    if "orientation_override" in cleaned and cleaned["orientation_override"] != row["orientation_override"]:
        try:  # the pixels first, outside the write lock where possible (see orientation.py)
            turned = orientation.reorient(db, row, cleaned["orientation_override"])
        except orientation.OrientationError as exc:
            raise EditError(str(exc)) from None
    with write_transaction(db):
        row = one(db, "SELECT * FROM photos WHERE id = ?", [photo_id])
        if row is None:
            raise EditError(f"no photo {photo_id}")
        cleaned = _taken_for(cleaned, row)
        if "trip" in cleaned:
            cleaned["trip"] = tags.canonical_trip(db, cleaned["trip"])
        columns = {name: value for name, value in cleaned.items() if _stored(value) != _stored(row[name])}
        if turned is not None:
            columns.update(turned.columns)
        if not columns:
            return None
        if "trip" in columns:
            _move_trip_tag(db, photo_id, row["trip"], columns["trip"], username)
        assignments = ", ".join(f"{name} = ?" for name in columns)  # names from FIELDS and the row only
        db.execute(f"UPDATE photos SET {assignments} WHERE id = ?",
                   [_stored(value) for value in columns.values()] + [photo_id])
        if turned is not None:
            fingerprints.save_fingerprint(db, photo_id, turned.fingerprint)
            generation.bump_generation(db)
        recorded = [name for name in columns if name in LABELS]
        change_id = history.record(
            db, "photo", [(photo_id, name, _shown(name, row[name]), columns[name]) for name in recorded],
            username, action="revert" if reverting else action, reverts=reverting, change_id=change_id)
    if turned is not None:
        orientation.remove_other_derivatives(db, row, turned.columns["orientation_override"])
    return change_id


def _stored(value):
    return int(value) if isinstance(value, bool) else value


def _shown(name, value):
    return bool(value) if name == "is_public" else value


def _move_trip_tag(db, photo_id, old, new, username):
    """The trip's tag follows the trip: the old one off, the new one on."""
    if old:
        tag = tags.find_tag(db, "trip", old)
        if tag is not None and db.execute("DELETE FROM photo_tags WHERE photo_id = ? AND tag_id = ?",
                                          [photo_id, tag["id"]]).rowcount:
            tags.record_history(db, "removed", tag["id"], photo_id=photo_id, username=username,
                                detail="trip edited")
    if new:
        tags.tag_photo(db, photo_id, [tags.resolve_tag(db, "trip", new)], added_by=username)


def edit_photos(db, photo_ids, values, username=""):
    """The same values on many photos (a bulk edit), as one change. Returns
    (change id or None, how many photos changed)."""
    photo_ids = sorted({int(i) for i in photo_ids})
    if not photo_ids:
        raise EditError("choose at least one photo")
    if len(photo_ids) > MAX_BULK:
        raise EditError(f"at most {MAX_BULK} photos at a time")
    clean(values)  # a bad value is refused before any photo is touched
    change_id, changed = None, 0
    with write_transaction(db):
        found = photos.existing_ids(db, photo_ids)
        missing = [i for i in photo_ids if i not in found]
        if missing:
            raise EditError(f"no photo {missing[0]}")
        for photo_id in photo_ids:
            made = edit_photo(db, photo_id, values, username, action="bulk" if len(photo_ids) > 1 else "edit",
                              change_id=change_id)
            changed += made is not None
            change_id = change_id or made
    return change_id, changed


def turn_photo(db, photo_id, turn, username=""):
    """Turn (cw, ccw, half) or mirror a photo from how it is shown now.
    Returns the change's id."""
    row = one(db, "SELECT * FROM photos WHERE id = ?", [photo_id]) if 0 < photo_id < 2**63 else None
    if row is None:
        raise EditError(f"no photo {photo_id}")
    try:
        override = orientation.after_turn(row, turn)
    except orientation.OrientationError as exc:
        raise EditError(str(exc)) from None
    return edit_photo(db, photo_id, {"orientation_override": override}, username, action="rotate",
                      allowed=("orientation_override",))


def _write(db, photo_id, values, username, reverting=None, change_id=None):
    return edit_photo(db, photo_id, values, username, reverting=reverting, change_id=change_id,
                      allowed=tuple(LABELS), strict=False)


PHOTO = history.Kind("photo", read=current_values, write=_write, labels=LABELS)


def revert(db, change_id, username="", photo_id=None):
    """Undo a change to photos (to one of them, with photo_id). Returns the new change's id."""
    return history.revert(db, PHOTO, change_id, username, record_id=photo_id)


# -- showing the history ---------------------------------------------------------------


def photo_history(db, photo_id, limit=50):
    """The changes to a photo, newest first. Each entry gets what a person
    reads (its field's label, its values before and after as text), and
    each change its "rows" to show: its entries, with a date and its
    precision changed together as one row ("2019" -> "about 1987")."""
    row = one(db, "SELECT orientation FROM photos WHERE id = ?", [photo_id]) or {"orientation": 1}
    changes = history.changes(db, "photo", photo_id, limit=limit)
    for change in changes:
        for entry in change["entries"]:
            entry["label"] = LABELS.get(entry["field"], entry["field"])
            entry["before_text"] = describe(entry["field"], entry["before"], row["orientation"])
            entry["after_text"] = describe(entry["field"], entry["after"], row["orientation"])
        change["rows"] = _rows(change["entries"])
    return changes


def _rows(entries):
    by_field = {entry["field"]: entry for entry in entries}
    if "taken_at" not in by_field or "taken_precision" not in by_field:
        return entries
    taken, precision = by_field["taken_at"], by_field["taken_precision"]

    def told(when):
        return photos.taken_label({"taken_at": taken[when], "taken_precision": precision[when]}) or describe(
            "taken_at", None)

    merged = {**taken, "before_text": told("before"), "after_text": told("after"),
              # The date with its precision, for a page to write in its own language.
              **{f"{when}_taken": {"taken_at": taken[when], "taken_precision": precision[when]}
                 for when in ("before", "after")}}
    return [merged if entry is taken else entry for entry in entries if entry is not precision]


def describe(field, value, file_orientation=1):
    """A value of the history as a person reads it."""
    if field == "is_public":
        return "public" if value else "private"
    if field == "orientation_override":
        return imaging.describe_orientation(file_orientation, value)
    if field == "taken_precision":
        return PRECISIONS.get(value or "", value)
    if value in (None, ""):
        return "(empty)" if field != "taken_at" else "(unknown)"
    return str(value)
