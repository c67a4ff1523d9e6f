"""Blueprints of the web interface and the JSON API, and what they share."""

from flask import current_app, g

from archive import db as archive_db
from archive.ingest import Ingester


def get_db():
    """The request's database connection, opened on first use, closed at teardown."""
    if "db" not in g:
        g.db = archive_db.connect(current_app.config["DATA_DIR"])
    return g.db


def can_see_private():
    """Whether the person making this request may see private photos.

    Every view that shows photos asks this one question, so access rules
    live in one place."""
    return True


def current_username():
    """Who is making this request, recorded with archivists' decisions.

    Everyone is anonymous ("") until accounts land; the accounts work
    replaces this with the signed-in user's name."""
    return ""


def archivist_required(view):
    """Marks a view that only archivists may use.

    A no-op until accounts land: the accounts work makes it refuse everyone
    else. Every archivist-only view wears it, so that is one change."""
    return view


def get_visible_photo(photo_id):
    """The photo with its tags if this request may see it, else None (a 404)."""
    from archive import photos

    return photos.get_photo(get_db(), photo_id, include_private=can_see_private())


def get_ingester():
    return Ingester.from_config(get_db(), current_app.config)


def thumbnail_url(photo, **kwargs):
    return _derivative_url(photo, "thumbnail", **kwargs)


def display_url(photo, **kwargs):
    return _derivative_url(photo, "display", **kwargs)


def _derivative_url(photo, which, **kwargs):
    from flask import url_for

    from archive import imaging

    name = imaging.derivative_name(imaging.STANDARD_EDGES[which])
    return url_for("media.derivative", sha256=photo["sha256"], name=name, **kwargs)


def fit_size(photo, edge):
    """The size of a derivative that fits photo within edge × edge, never upscaled."""
    width, height = photo["width"], photo["height"]
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def photo_alt(photo):
    from archive import photos

    if photo.get("caption"):
        return photo["caption"][:200]
    return photos.display_title(photo)


def register_template_helpers(app):
    from archive import imaging, photos

    app.jinja_env.globals.update(
        thumbnail_url=thumbnail_url,
        display_url=display_url,
        fit_size=fit_size,
        thumb_size=lambda photo: fit_size(photo, imaging.STANDARD_EDGES["thumbnail"]),
        photo_alt=photo_alt,
        display_title=photos.display_title,
        camera_label=photos.camera_label,
        exposure_summary=photos.exposure_summary,
    )
