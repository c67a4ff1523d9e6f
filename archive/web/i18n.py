"""The interface in Korean and English (Flask-Babel).

The language is the visitor's choice, kept in a cookie by the header's
switch (/language/<code>); before any choice, the browser's Accept-Language.
The catalogues live in the package as .po files (archive/translations) and
are compiled when the app starts, into a temporary folder named after their
contents: a fresh clone and an installed wheel both work, a compiled file
can never be older than its source, and every process (gunicorn's workers,
the test servers, a worker killed without clean-up) shares one folder per
version of the catalogues instead of leaving one behind each."""

import atexit
import hashlib
import os
import shutil
import stat
import tempfile
from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, gettext

from archive.web import DEFAULT_LANGUAGE as DEFAULT
from archive.web import LANGUAGES, language, local_path, tag_label, words
from archive.web.scripts import script

COOKIE = "lang"
CATALOGUES = Path(__file__).resolve().parent.parent / "translations"

bp = Blueprint("i18n", __name__)


def init_app(app):
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues())
    Babel(app, locale_selector=select_language)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(language=language, languages=LANGUAGES, label_of=tag_label, label_lang=label_lang,
                                 other_label=other_label, taken_label=taken_label, words=words,
                                 script=script)
    app.jinja_env.filters["number"] = format_decimal


def compile_catalogues(source=CATALOGUES):
    """Every <lang>/LC_MESSAGES/*.po under source, compiled to .mo in a
    temporary folder named after the catalogues' contents (made once, then
    reused); returns the folder."""
    sources = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256()
    for po_path in sources:
        digest.update(str(po_path.relative_to(source)).encode() + b"\0" + po_path.read_bytes() + b"\0")
    target = Path(tempfile.gettempdir()) / f"archive-translations-{os.getuid()}-{digest.hexdigest()[:16]}"
    if _ours(target) and all((target / mo).exists() for mo in _compiled_names(sources, source)):
        return target
    # Written aside and renamed into place, so no process ever reads a half-made folder.
    building = Path(tempfile.mkdtemp(prefix="archive-translations-building-"))
    _compile(sources, source, building)
    try:
        os.rename(building, target)
    except OSError:  # another process got there first, or the name is taken
        shutil.rmtree(building, ignore_errors=True)
        if _ours(target) and not all((target / mo).exists() for mo in _compiled_names(sources, source)):
            shutil.rmtree(target, ignore_errors=True)  # emptied by a tmp cleaner: the next start makes it again
    if _ours(target):
        return target
    # The shared name belongs to someone else: compile into a folder of this process's own.
    own = Path(tempfile.mkdtemp(prefix="archive-translations-"))
    atexit.register(shutil.rmtree, own, ignore_errors=True)
    _compile(sources, source, own)
    return own


def _compiled_names(sources, source):
    return [po_path.relative_to(source).with_suffix(".mo") for po_path in sources]


def _compile(sources, source, target):
    for po_path, name in zip(sources, _compiled_names(sources, source)):
        with po_path.open("rb") as f:
            catalogue = read_po(f, locale=po_path.parent.parent.name)
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as f:
            write_mo(f, catalogue)


def _ours(folder):
    """Whether folder is a directory of this user that no one else may write
    (as mkdtemp makes them): another user's folder in /tmp is never trusted."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def select_language():
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


@bp.get("/language/<code>")
def choose(code):
    """The header's switch: remember the language for a year, back to the page."""
    if code not in LANGUAGES:
        code = DEFAULT
    response = redirect(local_path(request.args.get("next")) or url_for("gallery.index"))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure))
    return response


def other_label(row):
    """A tag's label in the other language, shown beside it; "" when it has the same or none."""
    other = row.get("label") if language() == "ko" else row.get("label_ko")
    return other if other and other != tag_label(row) else ""


def label_lang(row):
    """The lang of the label tag_label shows: a Korean page shows an English
    label where a tag has no Korean one, and the other way round."""
    shown = tag_label(row)
    return "ko" if shown and shown == row.get("label_ko") and shown != row.get("label") else "en"


def taken_label(photo):
    """The date taken as precisely as it is known, written the page's way:
    "3 October 2019, 14:22" / "2019년 10월 3일 오후 2:22", "October 2019" /
    "2019년 10월", "2019", "about 2019" / "2019년경"; None when unknown."""
    taken = photo.get("taken_at")
    if not taken:
        return None
    precision = photo.get("taken_precision") or ""
    year = int(taken[:4])
    if precision == "circa":
        return gettext("about %(year)s", year=year)
    if precision == "year":
        return str(year) if language() == "en" else f"{year}년"
    month, day = int(taken[5:7] or 1), int(taken[8:10] or 1)
    if precision == "month":
        return format_date(date(year, month, 1), "MMMM y" if language() == "en" else "y년 M월")
    if precision == "day" or len(taken) < 16:
        return format_date(date(year, month, day), "long")
    return format_datetime(datetime(year, month, day, int(taken[11:13]), int(taken[14:16])),
                           "d MMMM y, HH:mm" if language() == "en" else "y년 M월 d일 HH:mm")
