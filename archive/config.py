"""Defaults for the archive, each overridable from the environment (ARCHIVE_*)."""

import os
from pathlib import Path

DEFAULT_DATA_DIR = "media"

# Long edges of the two derivatives made at ingest. The display image is the
# reduced decode as it comes whenever its long edge lies between the two
# display bounds (see imaging.analyse), so it is at least DISPLAY_EDGE (or
# the photo's own size) and at most DISPLAY_MAX_EDGE.
THUMBNAIL_EDGE = 400
DISPLAY_EDGE = 1600
DISPLAY_MAX_EDGE = 2048

# "Copyright Not Evaluated": the honest default until an archivist sets one.
DEFAULT_RIGHTS = "http://rightsstatements.org/vocab/CNE/1.0/"
DEFAULT_ATTRIBUTION = "Backlot poster archive: photographs of the Korean Art Film Studio's street sets"


def _int_env(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def _bool_env(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be yes or no, not {value!r}")


def data_dir_from_env():
    return Path(os.environ.get("ARCHIVE_DATA") or DEFAULT_DATA_DIR)


def defaults():
    """The settings an app or a command starts from, before any override."""
    return {
        "DATA_DIR": data_dir_from_env(),
        # A camera JPEG is 3-15 MB and a TIFF scan can be far larger; past this
        # a file is refused before it is read.
        "MAX_FILE_BYTES": _int_env("ARCHIVE_MAX_FILE_MB", 200) * 1024 * 1024,
        # Pixels in one image; past this it is treated as a decompression bomb.
        "MAX_IMAGE_PIXELS": _int_env("ARCHIVE_MAX_MEGAPIXELS", 200) * 1_000_000,
        "PER_PAGE": _int_env("ARCHIVE_PER_PAGE", 48),
        "SECRET_KEY": os.environ.get("ARCHIVE_SECRET_KEY"),
        # Behind nginx: the internal location that serves the data directory,
        # e.g. /_media (see docs/nginx.conf). Unset: Flask sends files itself.
        "MEDIA_ACCEL_PREFIX": os.environ.get("ARCHIVE_MEDIA_ACCEL_PREFIX") or None,
        # The archive's licence or rights statement (a Creative Commons or
        # RightsStatements.org URI, as IIIF requires) and its credit line.
        "ARCHIVE_RIGHTS": os.environ.get("ARCHIVE_RIGHTS") or DEFAULT_RIGHTS,
        "ARCHIVE_ATTRIBUTION": os.environ.get("ARCHIVE_ATTRIBUTION") or DEFAULT_ATTRIBUTION,
        # Largest IIIF image made on request, in pixels (a 'max' beyond it shrinks).
        "IIIF_MAX_AREA": _int_env("ARCHIVE_IIIF_MAX_MEGAPIXELS", 40) * 1_000_000,
        # Photos larger than this get a tile pyramid when imported, and every
        # image request of them decodes only the tiles it needs.
        "PYRAMID_PIXELS": _int_env("ARCHIVE_IIIF_PYRAMID_MEGAPIXELS", 30) * 1_000_000,
        # The most memory the first decode of one file may take (in a child
        # process, worked out per pixel and colour mode); a file that would
        # need more is refused before it is decoded.
        "DECODE_MAX_BYTES": _int_env("ARCHIVE_DECODE_MAX_MB", 2048) * 1024 * 1024,
        # Room for images made on request (IIIF images, extra sizes); past it
        # the least recently used are deleted. 0 keeps none of them.
        "CACHE_MAX_BYTES": _int_env("ARCHIVE_CACHE_MAX_MB", 1024) * 1024 * 1024,
        # Heavy image renders at once across all the server's processes on one
        # data directory; one more is answered 503 with Retry-After, so that
        # workers stay free for pages.
        "RENDER_SLOTS": _int_env("ARCHIVE_RENDER_SLOTS", 2),
        # The archive's public address (https://archive.example.org): the
        # base of the absolute links in documents that shared caches keep.
        # Unset, they are made from the request and kept private.
        "PUBLIC_URL": (os.environ.get("ARCHIVE_PUBLIC_URL") or "").rstrip("/") or None,
        # Whether new photos are public; an admin's choice on the settings
        # page (stored in the database) wins over this.
        "DEFAULT_PUBLIC": _bool_env("ARCHIVE_DEFAULT_PUBLIC", True),
        # Reverse proxies in front of the server whose X-Forwarded-* headers
        # are believed (client address for login throttling, HTTPS for
        # Secure cookies). 0 when the server faces the network itself.
        "TRUSTED_PROXIES": _int_env("ARCHIVE_TRUSTED_PROXIES", 0),
        # A login session ends after this long without a request, and after
        # the second however busy it is.
        "SESSION_IDLE_MINUTES": _int_env("ARCHIVE_SESSION_IDLE_MINUTES", 120),
        "SESSION_MAX_HOURS": _int_env("ARCHIVE_SESSION_MAX_HOURS", 24),
        # Deleted photos' originals wait in trash/ this long (a backup running
        # meanwhile still finds them) before `purge` or `verify --repair` removes them.
        "TRASH_DAYS": _int_env("ARCHIVE_TRASH_DAYS", 7),
    }
