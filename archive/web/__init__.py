"""Blueprints of the web interface and the JSON API, and what they share."""

import functools
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from archive import db as archive_db
from archive.ingest.pipeline import Ingester

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"


def language():
    """The page's language code: "en" or "ko" (web/i18n.py chooses it)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def get_db():
    """The request's database connection, opened on first use, closed at teardown."""
    if "db" not in g:
        g.db = archive_db.connect(current_app.config["DATA_DIR"])
    return g.db


def _current_account():
    """The logged-in archive.auth.User, or None for a visitor."""
    return getattr(current_user, "account", None)


def current_username():
    """The logged-in username, or "" for a visitor."""
    account = _current_account()
    return account.username if account else ""


def is_admin():
    account = _current_account()
    return bool(account and account.is_admin)


def can_see_private():
    """Whether the person making this request may see private photos: a
    logged-in archivist or admin.

    Every view that shows photos asks this one question, so access rules
    live in one place."""
    account = _current_account()
    return bool(account and account.is_archivist)


def can_see_exact(photo):
    """Exact GPS and the original file: archivists, and everyone for a trip an
    admin opened."""
    from archive.catalogue import settings

    return can_see_private() or settings.trip_is_open(get_db(), photo["trip"])


def archivist_required(view):
    """Only archivists and admins; a visitor is sent to log in (401 under /api/)."""
    return _role_required(view, lambda account: account.is_archivist)


def admin_required(view):
    """Only admins; a visitor is sent to log in (401 under /api/), an archivist gets 403."""
    return _role_required(view, lambda account: account.is_admin)


def _role_required(view, allowed):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        return _refusal(allowed) or view(*args, **kwargs)

    wrapped.role_check = allowed  # for refuse_early, before CSRF reads the body
    return wrapped


def _refusal(allowed):
    """None when the logged-in account passes `allowed`; else the answer."""
    account = _current_account()
    if account is None:
        if request.path.startswith("/api/"):
            abort(401, description="log in as an archivist first")
        return redirect(url_for("accounts.login", next=local_path(request.full_path)))
    if not allowed(account):
        abort(403, description="your account may not do this")
    return None


def local_path(target):
    """target if it is a path on this site, else None: every redirect to an
    address a request named (?next=, a form's next) goes through here, so it
    never sends anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    # Werkzeug's full_path ends in "?" when there is no query string.
    return target.rstrip("?") or "/"


def refuse_early():
    """Registered to run before every other before_request (CSRF's among them):
    a request to a role-only view from someone without the role is answered
    before its body is read, so an anonymous upload is never even parsed."""
    view = current_app.view_functions.get(request.endpoint)
    allowed = getattr(view, "role_check", None)
    return _refusal(allowed) if allowed else None


def get_visible_photo(photo_id):
    """The photo with its tags if this request may see it, else None (a 404)."""
    from archive.catalogue import photos

    return photos.get_photo(get_db(), photo_id, include_private=can_see_private())


def get_ingester():
    return Ingester.from_config(get_db(), current_app.config)


def thumbnail_url(photo, **kwargs):
    from archive.imaging import decoding as imaging

    return fit_url(photo, imaging.THUMBNAIL_EDGE, **kwargs)


def display_url(photo, **kwargs):
    return fit_url(photo, photo["display_edge"], **kwargs)


def display_size(photo):
    return fit_size(photo, photo["display_edge"])


def fit_url(photo, edge, **kwargs):
    from flask import url_for

    from archive.imaging import decoding as imaging

    name = imaging.derivative_name(edge, photo.get("orientation_override"))
    return url_for("media.derivative", sha256=photo["sha256"], name=name, **kwargs)


def srcset(photo, up_to):
    """A srcset of the served sizes and the photo's display image up to
    up_to, none larger than the photo itself. Served sizes from 1600 up to a
    larger display image are left out: the display image, made at ingest,
    serves there without a first request having to make them."""
    from archive.imaging import decoding as imaging

    long_edge = max(photo["width"], photo["height"])
    display = photo["display_edge"]
    edges = sorted({e for e in imaging.SERVED_EDGES if not imaging.DISPLAY_EDGE <= e < display} | {display})
    entries = []
    for edge in edges:
        if edge > up_to:
            break
        width = fit_size(photo, edge)[0]
        entries.append(f"{fit_url(photo, edge)} {width}w")
        if edge >= long_edge:
            break  # larger names would hold the same, full-size pixels
    return ", ".join(entries)


def ratio_class(photo):
    """The class that gives a tile its photo's shape: the width over the
    height in steps of 0.05, from 0.25 to 4 (tiles.css has one rule each), so
    the page lays the tile out before its picture arrives."""
    return f"r{round(_tile_ratio(photo) * 100):03d}"


def _tile_ratio(photo):
    """A tile's width over its height, as tiles.css knows it (steps of 0.05, 0.25 to 4)."""
    ratio = min(4.0, max(0.25, photo["width"] / max(1, photo["height"])))
    return round(ratio * 20) / 20


# The justified grid's row height (museum.css, --row): on a phone, and wider.
TILE_ROW = {"(max-width: 30rem)": 110, "": 220}


def tile_sizes(photo):
    """The sizes attribute of a tile's picture: its width at the grid's row
    height, where the row starts before it is stretched to fill the line
    (museum.css's flex-basis), on a phone and wider. The browser then picks
    from the srcset by the tile's own shape and the screen's density: a
    portrait tile is narrow and gets a narrow picture, a phone gets a
    phone's picture."""
    ratio = _tile_ratio(photo)
    return ", ".join(f"{media} {round(ratio * row)}px".strip() for media, row in TILE_ROW.items())


def fit_size(photo, edge):
    """The size of a derivative that fits photo within edge × edge, never upscaled."""
    width, height = photo["width"], photo["height"]
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def photo_alt(photo):
    """Alt text: the caption, else what the tags say it shows and where
    ("Film poster, The Flower Girl — European street"), else the title."""
    from archive.catalogue import photos

    captions = ("caption_ko", "caption") if language() == "ko" else ("caption", "caption_ko")
    for field in captions:
        if photo.get(field):
            return photo[field][:200]
    described = tag_description(photo.get("tags") or [])
    return described or photos.display_title(photo, language())


def tag_description(tag_rows):
    # Tags come as a list of rows (one photo) or grouped by facet (search rows).
    if isinstance(tag_rows, dict):
        tag_rows = [row for rows in tag_rows.values() for row in rows]
    labels = {facet: [tag_label(row) for row in tag_rows if row["facet"] == facet]
              for facet in ("subject", "film", "set")}
    what = ", ".join(labels["subject"] + labels["film"])
    where = ", ".join(labels["set"])
    return " — ".join(part for part in (what, where) if part)[:200]


def tag_label(row):
    """A tag's label in the page's language first (its other label when it has none in this one)."""
    first, second = ("label_ko", "label") if language() == "ko" else ("label", "label_ko")
    return row.get(first) or row.get(second) or ""


def byte_size(size):
    """A size for people: "820 bytes", "50 KB", "1.23 MB" (three figures,
    units of 1000)."""
    if size < 1000:
        return f"{size:.0f} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1000
        figures = float(f"{size:.3g}")
        if figures < 1000 or unit == "TB":
            return f"{figures:g} {unit}"


def site_context():
    """What the header of every page shows besides the role: for archivists,
    how many groups of photos wait for review (counted again only once the
    queue has changed, see dedup.decisions.open_count), and photos suggested
    for posters, which the queue lists too."""
    from archive.catalogue import poster_growth
    from archive.dedup import decisions

    if not can_see_private():
        return {"open_reviews": 0}
    return {"open_reviews": decisions.open_group_count(get_db()) + poster_growth.waiting_count(get_db())}


def register_template_helpers(app):
    from archive.catalogue import photos
    from archive.imaging import decoding as imaging

    app.context_processor(site_context)
    app.jinja_env.filters["filesize"] = byte_size
    app.jinja_env.globals.update(
        thumbnail_url=thumbnail_url,
        display_url=display_url,
        fit_size=fit_size,
        display_size=display_size,
        srcset=srcset,
        fit_url=fit_url,
        thumb_size=lambda photo: fit_size(photo, imaging.THUMBNAIL_EDGE),
        photo_alt=photo_alt,
        ratio_class=ratio_class,
        tile_sizes=tile_sizes,
        display_title=lambda photo: photos.display_title(photo, language()),
        camera_label=photos.camera_label,
        exposure_summary=photos.exposure_summary,
        can_see_private=can_see_private,
        current_username=current_username,
        is_admin=is_admin,
    )


def page_arg(name="page"):
    """A positive page number from the query string; anything else is page 1."""
    value = request.args.get(name, "1")
    # isdigit() alone also passes "²" and other digits int() refuses.
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 1_000_000 else 1
