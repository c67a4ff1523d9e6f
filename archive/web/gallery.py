"""The public gallery: the grid of photos and one photo's page."""

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext

from archive.catalogue import editing, photos, posters, tagging, versions
from archive.imaging import decoding as imaging
from archive.search import engine as search
from archive.transcription import drafts
from archive.web import (
    browse,
    can_see_exact,
    can_see_private,
    get_db,
    get_visible_photo,
    is_admin,
    language,
    listing,
    page_arg,
    words,
)
from archive.web.i18n import taken_label

bp = Blueprint("gallery", __name__)


bp.add_app_template_global(listing.photo_url, "photo_url")

# The gallery's orders: the search engine's names, the words are the template's.
GALLERY_SORTS = ("newest", "taken", "taken-desc")


@bp.get("/")
def index():
    """The gallery: every visible photo, newest first or by date taken, of one set or all."""
    sort = request.args.get("sort", "newest")
    sort = sort if sort in GALLERY_SORTS else "newest"
    sets = [row for row in browse.browsable_tags("set") if row["count"]]
    chosen = request.args.get("set", "")
    if chosen and chosen not in {row["slug"] for row in sets}:
        abort(404, description=gettext("There is no set called %(name)s with photos in it.", name=chosen))
    query = f"set:{chosen}" if chosen else ""
    page = search.search(get_db(), query, page=page_arg(), per_page=current_app.config["PER_PAGE"], sort=sort,
                         include_private=can_see_private(), with_facets=False).page
    if page.page > page.pages and page.total:
        abort(404)
    keep = {**({"sort": sort} if sort != "newest" else {}), **({"set": chosen} if chosen else {})}
    return render_template("gallery/index.html", page=page, sort=sort, sorts=GALLERY_SORTS, sets=sets,
                           chosen=chosen, keep=keep)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    record = get_visible_photo(photo_id)
    if record is None:
        abort(404)
    return render_template("gallery/photo.html", **photo_context(record))


# The facets the photo page's panel names one by one, in this order; the
# other tags (keywords, places) are listed together below them.
PANEL_FACETS = ("set", "subject", "film")


def photo_context(record):
    """Everything the photo page shows (the edit form's error page too)."""
    db, archivist, photo_id = get_db(), can_see_private(), record["id"]
    within = listing.parse(request.args.get("in"))
    near = listing.neighbours(within, photo_id) if within else None
    by_facet = {}
    for row in record["tags"]:
        by_facet.setdefault(row["facet"], []).append(row)
    return {
        "photo": record,
        "title": photos.display_title(record, language()),
        "within": within.path if near else None,  # carried on to the neighbours
        "near": near,
        "panel_tags": {facet: by_facet.get(facet, []) for facet in PANEL_FACETS},
        "trip_tag": (by_facet.get("trip") or [None])[0],
        "other_tags": [row for row in record["tags"] if row["facet"] not in PANEL_FACETS + ("trip",)],
        "exact": can_see_exact(record),  # the original and the exact location
        "may_edit": archivist,  # editing, publishing, tagging; the suggestions and histories are theirs
        "may_delete": is_admin(),
        "suggestions": [{**s, "why": words.tag_suggestion(s["count"], s["reason"])}
                        for s in tagging.suggestions(db, record, include_private=True)] if archivist else [],
        "tag_history": tagging.history(db, photo_id, limit=20) if archivist else [],
        "edit_history": words.history_values(editing.photo_history(db, photo_id, limit=50), words.photo_fields(),
                                             _history_value) if archivist else [],
        "edit_fields": editing.FIELDS,
        "precisions": words.precisions(),
        "orientation": words.orientation(imaging.describe_orientation(record["orientation"],
                                                                      record["orientation_override"])),
        "taken": taken_label(record),
        "taken_input": editing.taken_as_written(record),
        "group": versions.versions_of(db, photo_id, include_private=archivist),
        "cite": cite_line(record),
        "photo_posters": posters.posters_of_photo(db, photo_id),
        "poster_choices": posters.choices(db) if archivist else [],
        "photo_drafts": drafts.for_photo(db, photo_id) if archivist else [],
        "viewer_images": [url_for("iiif.image_info", identifier=str(photo_id))],
        "viewer_manifest": url_for("iiif.photo_manifest", photo_id=photo_id),
    }


def newest_photos(page, per_page):
    """A page of the gallery: newest uploads first, each stack of confirmed
    copies once (as its primary, with how many versions it has)."""
    return search.search(get_db(), "", page=page, per_page=per_page, sort="newest",
                         include_private=can_see_private(), with_facets=False).page


def cite_line(photo):
    """A citation for one photo, with its permanent address, in the page's language."""
    parts = [photos.display_title(photo, language()).rstrip(".") + "."]
    # A date an archivist gave is cited as precisely as it is known ("about 1987").
    taken = (taken_label(photo) if photo.get("taken_precision") else (photo.get("taken_at") or "")[:10]) \
        or gettext("date unknown")
    if photo.get("photographer"):
        parts.append(gettext("Photograph by %(who)s, %(taken)s.", who=photo["photographer"], taken=taken))
    else:
        parts.append(gettext("Photograph, %(taken)s.", taken=taken))
    parts.append(gettext("Backlot poster archive, photo %(id)s.", id=photo["id"]))
    parts.append(url_for("gallery.photo", photo_id=photo["id"], _external=True))
    parts.append(gettext("(accessed %(day)s)", day=date.today().isoformat()))
    return " ".join(parts)


def _history_value(entry, when):
    """words.history_value, with a date changed together with its precision
    written the page's way ("2019년경")."""
    taken = entry.get(f"{when}_taken")
    if taken is not None:
        return taken_label(taken) or gettext("(unknown)")
    return words.history_value(entry, when)
