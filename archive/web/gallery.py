"""The public gallery: the grid of photos and one photo's page."""

from flask import Blueprint, abort, current_app, render_template, request

from archive.catalogue import photos
from archive.web import can_see_private, get_db, get_visible_photo

bp = Blueprint("gallery", __name__)


@bp.get("/")
def index():
    page = photos.list_photos(
        get_db(), page=page_arg(), per_page=current_app.config["PER_PAGE"],
        include_private=can_see_private(),
    )
    if page.page > page.pages and page.total:
        abort(404)
    return render_template("gallery/index.html", page=page)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    record = get_visible_photo(photo_id)
    if record is None:
        abort(404)
    return render_template("gallery/photo.html", photo=record)


def page_arg(name="page"):
    """A positive page number from the query string; anything else is page 1."""
    value = request.args.get(name, "1")
    # isdigit() alone also passes "²" and other digits int() refuses.
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 1_000_000 else 1
