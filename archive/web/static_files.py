"""Stylesheets, scripts and icons under addresses that change with their
contents: url_for('static', ...) adds ?v= and the first characters of the
file's SHA-256, and a request carrying the current one is answered
"cached for a year, immutable". A browser then asks for each file once,
however many pages it opens, and a changed file comes under a new address
the next page names, so nobody is left with an old stylesheet.

An address with an old or missing ?v= still gets the file, with the usual
short cache (a revalidation by ETag): a page cached before a deploy still
finds its stylesheet.

The stylesheets every page loads come as one file, /styles/NAME,NAME….css
(stylesheets_url): each is a render-blocking request, and one request
instead of seven lets the first paint come sooner. The files stay apart in
the source; they are joined, in the order named, when first asked for.
"""

import hashlib
import os
import re
import stat

from flask import Blueprint, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION = "v"

# A bundle names a few plain stylesheets of the static folder, without ".css".
STYLESHEET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")
MOST_STYLESHEETS = 16
# The pages ask for a handful of bundles; a request may name any other mix,
# which is joined and sent but not kept past this many.
MOST_KEPT_BUNDLES = 32

_versions = {}  # path -> ((mtime_ns, size), version), this process's
_bundles = {}  # names -> ((each file's mtime_ns and size), version, bytes), this process's

bp = Blueprint("static_files", __name__)


def init_app(app):
    app.url_defaults(add_version)
    app.after_request(cache_versioned)
    app.register_blueprint(bp)
    app.jinja_env.globals["stylesheets_url"] = stylesheets_url


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
    found = _static_file(filename)
    if found is None:
        return None
    path, key = found
    known = _versions.get(path)
    if known and known[0] == key:
        return known[1]
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:12]
    _versions[path] = (key, digest)
    return digest


def _static_file(filename):
    """(path, (mtime_ns, size)) of a plain file in the static folder, or None."""
    path = safe_join(current_app.static_folder, filename)
    try:
        found = os.stat(path) if path else None
    except OSError:
        return None
    if found is None or not stat.S_ISREG(found.st_mode):
        return None
    return path, (found.st_mtime_ns, found.st_size)


def stylesheets_url(*names):
    """The address of the stylesheets names (static files NAME.css; a false
    name is left out), joined in that order, at their current version."""
    names = [name for name in names if name]
    found = bundle(names)
    if found is None:
        # A stylesheet missing from the install costs its own rules, not every page.
        present = [name for name in names if _static_file(name + ".css") is not None]
        current_app.logger.error("stylesheets missing from the static folder: %s",
                                 ", ".join(sorted(set(names) - set(present))))
        names, found = present, bundle(present)
        if found is None:
            return ""
    return url_for("static_files.stylesheets", names=",".join(names), v=found[0])


@bp.get("/styles/<names>.css")
def stylesheets(names):
    found = bundle(names.split(","))
    if found is None:
        abort(404)
    version, data = found
    response = Response(data, mimetype="text/css")
    response.set_etag(version)
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get(VERSION) == version else "no-cache"
    return response.make_conditional(request)


def bundle(names):
    """(version, bytes) of the stylesheets names one after another, or None
    when a name is not one of the static folder's stylesheets. Joined again
    only when one of them changes."""
    if not 0 < len(names) <= MOST_STYLESHEETS or len(set(names)) != len(names) or \
            not all(STYLESHEET_NAME.fullmatch(name) for name in names):
        return None
    files = [_static_file(name + ".css") for name in names]
    if None in files:
        return None
    paths, key = [path for path, _ in files], [file_key for _, file_key in files]
    known = _bundles.get(tuple(names))
    if known and known[0] == key:
        return known[1:]
    parts = []
    for path in paths:
        with open(path, "rb") as f:
            parts.append(f.read())
    # Each file from a new line, so the last rule of one never runs into the next.
    data = b"".join(part.rstrip(b"\n") + b"\n" for part in parts)
    version = hashlib.sha256(data).hexdigest()[:12]
    if tuple(names) in _bundles or len(_bundles) < MOST_KEPT_BUNDLES:
        _bundles[tuple(names)] = (key, version, data)
    return version, data
