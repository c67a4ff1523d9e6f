"""The public gallery: the grid of photos and one photo's page."""

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, url_for

from archive.catalogue import editing, photos, tagging, versions
from archive.imaging import decoding as imaging
from archive.search import engine as search
from archive.web import can_see_exact, can_see_private, get_db, get_visible_photo, is_admin

bp = Blueprint("gallery", __name__)


@bp.get("/")
def index():
    page = newest_photos(page_arg(), current_app.config["PER_PAGE"])
    if page.page > page.pages and page.total:
        abort(404)
    return render_template("gallery/index.html", page=page)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    record = get_visible_photo(photo_id)
    if record is None:
        abort(404)
    return render_template("gallery/photo.html", **photo_context(record))


def photo_context(record):
    """Everything the photo page shows (the edit form's error page too)."""
    db, archivist, photo_id = get_db(), can_see_private(), record["id"]
    return {
        "photo": record,
        "exact": can_see_exact(record),  # the original and the exact location
        "may_edit": archivist,  # editing, publishing, tagging; the suggestions and histories are theirs
        "may_delete": is_admin(),
        "suggestions": tagging.suggestions(db, record, include_private=True) if archivist else [],
        "tag_history": tagging.history(db, photo_id, limit=20) if archivist else [],
        "edit_history": editing.photo_history(db, photo_id, limit=50) if archivist else [],
        "edit_fields": editing.FIELDS,
        "precisions": editing.PRECISIONS,
        "orientation": imaging.describe_orientation(record["orientation"], record["orientation_override"]),
        "taken": photos.taken_label(record),
        "taken_input": editing.taken_as_written(record),
        "group": versions.versions_of(db, photo_id, include_private=archivist),
        "cite": cite_line(record),
    }


def newest_photos(page, per_page):
    """A page of the gallery: newest uploads first, each stack of confirmed
    copies once (as its primary, with how many versions it has)."""
    return search.search(get_db(), "", page=page, per_page=per_page, sort="newest",
                         include_private=can_see_private(), with_facets=False).page


def cite_line(photo):
    """A citation for one photo, with its permanent address."""
    parts = [photos.display_title(photo).rstrip(".") + "."]
    # A date an archivist gave is cited as precisely as it is known ("about 1987").
    taken = photos.taken_label(photo) if photo.get("taken_precision") else (photo.get("taken_at") or "")[:10]
    by = f" by {photo['photographer']}" if photo.get("photographer") else ""
    parts.append(f"Photograph{by}, {taken or 'date unknown'}.")
    parts.append(f"Backlot poster archive, photo {photo['id']}.")
    parts.append(url_for("gallery.photo", photo_id=photo["id"], _external=True))
    parts.append(f"(accessed {date.today().isoformat()})")
    return " ".join(parts)


def page_arg(name="page"):
    """A positive page number from the query string; anything else is page 1."""
    value = request.args.get(name, "1")
    # isdigit() alone also passes "²" and other digits int() refuses.
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 1_000_000 else 1
