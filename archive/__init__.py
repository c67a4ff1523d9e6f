"""The poster archive: create_app() is the application factory."""

import os
import secrets
from pathlib import Path

from archive import config as archive_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def templates_folder():
    """The page templates: inside the package when installed from a wheel
    (pyproject maps the checkout's templates/ there), at the top of the
    checkout when run from it, where the owner keeps them."""
    packaged = Path(__file__).resolve().parent / "templates"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "templates"


def create_app(config=None):
    # Flask is imported here rather than above: every command line command
    # imports this package, and most of them (import, verify, backup...)
    # never start the web application.
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    app = Flask(
        __name__,
        template_folder=str(templates_folder()),
        static_folder="static",
    )
    app.config.update(archive_config.defaults())
    app.config.update(config or {})
    # Absolute: Flask's send_file reads a relative path against the package
    # folder, not the folder the archive was started in.
    app.config["DATA_DIR"] = Path(app.config["DATA_DIR"]).resolve()
    # Werkzeug refuses a request body past this before the view runs; the
    # slack covers the multipart framing around a batch of files.
    # (Flask's defaults hold the key with None, so setdefault would not do.)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_FILE_BYTES"] * 8
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret(app.config["DATA_DIR"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"

    # Create and migrate the database now, not on the first request.
    from archive import db as archive_db  # here, not at the top: a bounded image child imports this package

    archive_db.connect(app.config["DATA_DIR"]).close()
    app.teardown_appcontext(_close_db)
    CSRFProtect(app)

    from archive.web import (
        accounts,
        admin,
        api,
        errors,
        gallery,
        media,
        publishing,
        register_template_helpers,
        review,
        security,
        upload,
    )
    from archive.web import search as search_views
    from archive.web import tagging as tagging_views

    for blueprint in (gallery.bp, upload.bp, media.bp, api.bp, search_views.bp, tagging_views.bp,
                      review.bp):
        app.register_blueprint(blueprint)
    from archive.web import iiif, standards_api
    from archive.web import transcription as transcription_views

    for blueprint in (iiif.bp, standards_api.bp, transcription_views.bp):
        app.register_blueprint(blueprint)
    from archive.web import browse, compression, i18n, site, static_files

    app.register_blueprint(browse.bp)
    app.register_blueprint(site.bp)
    from archive.web import editing
    from archive.web import posters as poster_views

    for blueprint in (accounts.bp, admin.bp, publishing.bp, editing.bp, poster_views.bp):
        app.register_blueprint(blueprint)
    accounts.init_app(app)
    errors.register(app)
    security.init_app(app)
    static_files.init_app(app)
    compression.init_app(app)
    register_template_helpers(app)
    i18n.init_app(app)
    return app


def _close_db(exc=None):
    from flask import g

    db = g.pop("db", None)
    if db is not None:
        db.close()


def _persistent_secret(data_dir):
    """A secret key kept in the data directory, so sessions survive a restart."""
    path = Path(data_dir) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key

