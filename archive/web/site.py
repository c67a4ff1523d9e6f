"""What a site has besides its pages: the favicon, the web app manifest,
and the interactive API page (Swagger UI, whose files come in a Python
package, flask-swagger-ui, and are served from here: no CDN)."""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from flask_babel import gettext

from archive.web.contract import operation

bp = Blueprint("site", __name__)

SWAGGER_UI = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
# Swagger UI styles its parts from its script (style attributes): the API
# page alone allows them; every other page keeps the strict policy.
API_DOCS_POLICY = "; ".join([
    "default-src 'self'", "img-src 'self' data:", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'",
])


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for it whatever the page says; an answer keeps their consoles clean.
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: a name and icons for a phone's home screen, in the page's language."""
    body = {
        "name": gettext("Backlot poster archive"),
        "short_name": gettext("Poster archive"),
        "description": gettext("Photographs of the hand-painted posters and signs on the street sets of the "
                               "Korean Art Film Studio, Pyongyang."),
        "start_url": url_for("gallery.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f7f3ec",
        "theme_color": "#1d1b18",
        "icons": [
            {"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": url_for("static", filename="icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/api/docs")
@operation("apiDocs", (None, "An HTML page"), media_type="text/html")
def api_docs():
    """This description as a page to read and try calls from (Swagger UI)"""
    response = current_app.make_response(render_template("site/api_docs.html"))
    response.headers["Content-Security-Policy"] = API_DOCS_POLICY
    return response


@bp.get("/swagger-ui/<path:name>")
def swagger_ui_file(name):
    return send_from_directory(SWAGGER_UI, name, max_age=7 * 24 * 3600)
