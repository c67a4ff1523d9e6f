"""The photo row: its columns, who may see it, and reading it (one photo,
many, a page).

Everything that shows or exports photos reads them here, so a row arrives the
same way everywhere: a dict of its columns, with "warnings" decoded from JSON
and "tags" the list of its tag rows (by facet, then label).
"""

import json
import math
from dataclasses import dataclass

from archive.catalogue import tags
from archive.db import in_chunks, one

# The photo's columns as the rest of the archive sees them, in the order every
# export lists them (the CSV, the JSON records, a bag's metadata), each with
# what it holds. The table itself is made by the migrations; a test checks the
# two agree, so a new column is either here or in INTERNAL.
COLUMNS = {
    "id": int,
    "sha256": str,
    "original_filename": str,
    "format": str,
    "mime_type": str,
    "file_size": int,
    "width": int,
    "height": int,
    "title": str,
    "caption": str,
    "transcription": str,
    "rights": str,
    "taken_at": str | None,  # ISO 8601 camera time, no zone
    "camera_make": str | None,
    "camera_model": str | None,
    "lens": str | None,
    "exposure_time": str | None,
    "f_number": float | None,
    "iso": int | None,
    "focal_length": float | None,
    "gps_lat": float | None,  # exact positions: archivists only
    "gps_lon": float | None,
    "trip": str,
    "photographer": str,
    "source": str,  # web | cli
    "uploaded_by": str | None,  # an archivist's login name: archivists only
    "uploaded_at": str,
    "is_public": bool,
    # Added after the first release, so they come last in every export.
    "title_ko": str,  # the title in Korean; "title" is the English (or only) one
    "caption_ko": str,
    "taken_precision": str,  # "" (the camera's time), day, month, year or circa
}
# Columns the archive keeps for itself: how the file is stored and drawn, its
# hashes, and the import's warnings (exported decoded, beside the columns).
INTERNAL = ("ext", "orientation", "orientation_override", "phash", "dhash", "display_edge", "warnings")
# Where a photo came from: the part of the row that a duplicate group merges.
PROVENANCE = ("original_filename", "trip", "photographer", "source", "uploaded_by", "uploaded_at")

PUBLIC_ONLY = " AND photos.is_public = 1"


def visibility(include_private):
    """The clause that keeps private photos from those who may not see them."""
    return "" if include_private else PUBLIC_ONLY


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def get_photo(db, photo_id, include_private=True):
    """One photo with its tags, or None; a private one is None unless included."""
    if not 0 < photo_id < 2**63:  # past SQLite's integers: no such photo, not an overflow
        return None
    row = one(db, "SELECT * FROM photos WHERE id = ?" + visibility(include_private), [photo_id])
    return _with_tags(db, [row])[0] if row else None


def get_photos(db, photo_ids, include_private=True):
    """The photos of photo_ids with their tags, in that order; an unknown or
    hidden id is left out."""
    wanted = [int(i) for i in photo_ids]
    found = {row["id"]: dict(row) for row in in_chunks(
        db, "SELECT * FROM photos WHERE id IN ({marks})" + visibility(include_private), wanted)}
    return _with_tags(db, [found[i] for i in dict.fromkeys(wanted) if i in found])


def get_by_sha256(db, sha256):
    """The photo row whose original has this SHA-256 (no tags), or None."""
    return one(db, "SELECT * FROM photos WHERE sha256 = ?", [sha256])


def existing_ids(db, photo_ids, include_private=True):
    """Which of photo_ids name a photo this caller may see."""
    return {row["id"] for row in in_chunks(
        db, "SELECT id FROM photos WHERE id IN ({marks})" + visibility(include_private), photo_ids)}


def all_ids(db, include_private=True):
    """Every visible photo's id, oldest first."""
    return [row["id"] for row in db.query(
        "SELECT id FROM photos WHERE 1" + visibility(include_private) + " ORDER BY id")]


def count(db, include_private=True):
    return db.execute("SELECT count(*) FROM photos WHERE 1" + visibility(include_private)).fetchone()[0]


def total_bytes(db):
    """The size of every original together."""
    return db.execute("SELECT coalesce(sum(file_size), 0) FROM photos").fetchone()[0]


def _with_tags(db, rows):
    tags_of = tags.tags_of_photos(db, [row["id"] for row in rows])
    for row in rows:
        row["warnings"] = json.loads(row["warnings"])
        row["tags"] = tags_of[row["id"]]
    return rows


def display_title(photo, language="en"):
    """What a photo is called: its title (the Korean one first for a Korean
    reader), else the start of a caption, else the file name."""
    titles = (photo.get("title_ko", ""), photo["title"]) if language == "ko" else \
        (photo["title"], photo.get("title_ko", ""))
    captions = (photo.get("caption_ko", ""), photo["caption"]) if language == "ko" else \
        (photo["caption"], photo.get("caption_ko", ""))
    return next((text for text in titles if text), None) or next(
        (text[:80] for text in captions if text), None) or photo["original_filename"]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def taken_label(photo):
    """The date taken as precisely as it is known: "3 October 2019, 14:22",
    "October 2019", "2019", "about 2019"; None when unknown."""
    taken = photo.get("taken_at")
    if not taken:
        return None
    precision = photo.get("taken_precision") or ""
    year, month, day = taken[:4], int(taken[5:7] or 1), int(taken[8:10] or 1)
    if precision == "circa":
        return f"about {year}"
    if precision == "year":
        return year
    if precision == "month":
        return f"{MONTHS[month - 1]} {year}"
    date = f"{day} {MONTHS[month - 1]} {year}"
    return date if precision == "day" or len(taken) < 16 else f"{date}, {taken[11:16]}"


def camera_label(photo):
    make, model = photo.get("camera_make") or "", photo.get("camera_model") or ""
    # Models often repeat the make ("Canon" / "Canon EOS 40D").
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return " ".join(part for part in (make, model) if part) or None


def exposure_summary(photo):
    parts = []
    if photo.get("exposure_time"):
        parts.append(f"{photo['exposure_time']} s")
    if photo.get("f_number"):
        parts.append(f"f/{photo['f_number']:g}")
    if photo.get("iso"):
        parts.append(f"ISO {photo['iso']}")
    if photo.get("focal_length"):
        parts.append(f"{photo['focal_length']:g} mm")
    return " · ".join(parts) or None
