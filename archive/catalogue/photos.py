"""Reading photos: one photo, a page of them, and their plain-data form."""

import json
import math
from dataclasses import dataclass

from archive.catalogue import tags


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
    row = next(iter(db.query("SELECT * FROM photos WHERE id = ?", [photo_id])), None)
    if row is None or (not row["is_public"] and not include_private):
        return None
    photo = dict(row)
    photo["warnings"] = json.loads(photo["warnings"])
    photo["tags"] = tags.tags_of_photo(db, photo_id)
    return photo


def list_photos(db, page=1, per_page=48, include_private=True):
    """Newest uploads first."""
    # Both statements are fixed text; only the visibility clause differs.
    where = "" if include_private else " WHERE is_public = 1"
    total = db.execute("SELECT count(*) FROM photos" + where).fetchone()[0]
    rows = db.query(
        "SELECT * FROM photos" + where + " ORDER BY uploaded_at DESC, id DESC LIMIT ? OFFSET ?",
        [per_page, (page - 1) * per_page],
    )
    return Page(items=[dict(row) for row in rows], page=page, per_page=per_page, total=total)


def display_title(photo):
    return photo["title"] or photo["caption"][:80] or photo["original_filename"]


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
