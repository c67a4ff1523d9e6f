"""The JSON API. Errors under /api/ are JSON too (see errors.py)."""

from flask import Blueprint, abort, current_app, jsonify, request, url_for

from archive.catalogue import photos, tags
from archive.web import can_see_exact, can_see_private, display_url, get_db, get_visible_photo, thumbnail_url
from archive.web.gallery import page_arg

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_PER_PAGE = 200


@bp.get("/photos")
def photo_list():
    per_page = page_arg("per_page") if "per_page" in request.args else current_app.config["PER_PAGE"]
    page = photos.list_photos(get_db(), page=page_arg(), per_page=min(per_page, MAX_PER_PAGE),
                               include_private=can_see_private())
    return jsonify(
        {
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
            "results": [photo_summary(row) for row in page.items],
        }
    )


@bp.get("/photos/<int:photo_id>")
def photo_detail(photo_id):
    record = get_visible_photo(photo_id)
    if record is None:
        abort(404, description=f"no photo {photo_id}")
    return jsonify(photo_json(record))


def photo_summary(row):
    return {
        "id": row["id"],
        "url": url_for("gallery.photo", photo_id=row["id"], _external=True),
        "title": photos.display_title(row),
        "original_filename": row["original_filename"],
        "sha256": row["sha256"],
        "width": row["width"],
        "height": row["height"],
        "taken_at": row["taken_at"],
        "thumbnail_url": thumbnail_url(row, _external=True),
    }


def photo_json(photo):
    return {
        **photo_summary(photo),
        "title": photo["title"],
        "caption": photo["caption"],
        "transcription": photo["transcription"],
        "camera": photos.camera_label(photo),
        "camera_make": photo["camera_make"],
        "camera_model": photo["camera_model"],
        "lens": photo["lens"],
        "exposure_time": photo["exposure_time"],
        "f_number": photo["f_number"],
        "iso": photo["iso"],
        "focal_length": photo["focal_length"],
        "format": photo["format"],
        "file_size": photo["file_size"],
        "tags": tags.slugs_by_facet(photo["tags"]),
        "display_url": display_url(photo, _external=True),
        "iiif_image": url_for("iiif.image_base", identifier=str(photo["id"]), _external=True),
        "iiif_manifest": url_for("iiif.photo_manifest", photo_id=photo["id"], _external=True),
        "rights": photo["rights"],
        # Exact GPS and the original (which keeps it) only for those who may see them.
        **exact_fields(photo),
        "is_public": bool(photo["is_public"]),
        "provenance": {
            "original_filename": photo["original_filename"],
            "trip": photo["trip"],
            "photographer": photo["photographer"],
            "source": photo["source"],
            "uploaded_by": photo["uploaded_by"],
            "uploaded_at": photo["uploaded_at"],
        },
        "warnings": photo["warnings"],
    }


def exact_fields(photo):
    if not can_see_exact(photo):
        return {"gps": None, "original_url": None}
    gps = None if photo["gps_lat"] is None else {"lat": photo["gps_lat"], "lon": photo["gps_lon"]}
    return {"gps": gps, "original_url": url_for("media.original", photo_id=photo["id"], _external=True)}
