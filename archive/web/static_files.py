"""Stylesheets, scripts and icons under addresses that change with their
contents: url_for('static', ...) adds ?v= and the first characters of the
file's SHA-256, and a request carrying the current one is answered
"cached for a year, immutable". A browser then asks for each file once,
however many pages it opens, and a changed file comes under a new address
the next page names, so nobody is left with an old stylesheet.

An address with an old or missing ?v= still gets the file, with the usual
short cache (a revalidation by ETag): a page cached before a deploy still
finds its stylesheet.
"""

import hashlib
import os
import stat

from flask import current_app, request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION = "v"

_versions = {}  # path -> ((mtime_ns, size), version), this process's


def init_app(app):
    app.url_defaults(add_version)
    app.after_request(cache_versioned)


def add_version(endpoint, values):
    if endpoint != "static" or VERSION in values or "filename" not in values:
        return
    version = version_of(values["filename"])
    if version:
        values[VERSION] = version


def cache_versioned(response):
    if request.endpoint == "static" and response.status_code in (200, 304) and \
            request.args.get(VERSION) and request.args[VERSION] == version_of(request.view_args["filename"]):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def version_of(filename):
    """The first 12 hex digits of the static file's SHA-256, or None when
    filename is not a file there (a folder, a name that leaves it). Read
    again only when the file's time or size changes."""
    path = safe_join(current_app.static_folder, filename)
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    key = (found.st_mtime_ns, found.st_size)
    known = _versions.get(path)
    if known and known[0] == key:
        return known[1]
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:12]
    _versions[path] = (key, digest)
    return digest
