"""The JSON API of photos: a page of them, and one. Every /api/ view
declares its shapes with contract.operation (see web/contract.py)."""

from flask import Blueprint, abort, current_app

from archive.contract import photos as shapes
from archive.contract.queries import PageQuery
from archive.web import can_see_exact, get_visible_photo
from archive.web.contract import links, operation, query
from archive.web.gallery import newest_photos

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/photos")
@operation("listPhotos", (shapes.PhotoPage, "A page of photos"), query=PageQuery)
def photo_list():
    """Photos, newest uploads first, a page at a time

    As the gallery shows them: the confirmed copies of one photograph once, as their primary, with `versions`
    saying how many there are (GET /api/photos/{id}/versions lists them)."""
    asked = query(PageQuery)
    page = newest_photos(asked.page, asked.size(current_app.config["PER_PAGE"]))
    return shapes.photo_page(page, links())


@bp.get("/photos/<int:photo_id>")
@operation("getPhoto", (shapes.Photo, "The photo"), errors={404: "No such photo, or one this request may not see"})
def photo_detail(photo_id):
    """One photo with its metadata, tags and links"""
    record = get_visible_photo(photo_id)
    if record is None:
        abort(404, description=f"no photo {photo_id}")
    return shapes.photo(record, links(), exact=can_see_exact(record))
