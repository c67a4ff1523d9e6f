"""The words the pages' scripts show, in the page's language.

A page includes a script with `script("upload")` (a template global): it
writes the script's messages as JSON in a <script type="application/json"
data-messages> element next to the <script> tag, and static/messages.js
reads them (`archiveMessages.text(key, values)`, `.plural(key, count,
values)`). The messages are gettext'd here, so extraction and the Korean
catalogue's test cover them as they cover every template.

A message with plural forms is sent as {"one": ..., "other": ...}: the
catalogue's forms for 1 and for 2, which the script picks between with
Intl.PluralRules for the page's language (Korean has one form, so both are
the same; English has two). Placeholders stay %(name)s, filled in by the
script."""

from flask import url_for
from flask_babel import gettext, ngettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from archive.web import words

KEEP = {"num": "%(num)s"}  # for gettext: the placeholder written back as itself


class _Count(int):
    """A count that picks ngettext's form as a number does, and is written
    back as the placeholder ngettext fills in with it."""

    def __str__(self):
        return "%(num)s"


def _forms(choose):
    """{"one", "other"} of a plural message; choose(n) is its ngettext call."""
    return {"one": choose(_Count(1)), "other": choose(_Count(2))}


def _lightbox():
    return {
        "viewer": gettext("Photo viewer"), "previous": gettext("Previous photo"), "next": gettext("Next photo"),
        "close": gettext("Close the viewer"),
        "position": gettext("%(position)s of %(total)s", **_kept("position", "total")),
    }


def _zoom():
    return {
        "zoomIn": gettext("Zoom in"), "zoomOut": gettext("Zoom out"), "fit": gettext("Fit the photo"),
        "fitShort": gettext("Fit"), "viewport": gettext("Photo: use + and − to zoom, arrow keys to pan"),
    }


def _review():
    return {
        "same": gettext("%(num)s the same photograph", **KEEP),
        "other": _forms(lambda n: ngettext("%(num)s other shot", "%(num)s other shots", n)),
        "unrelated": gettext("%(num)s not related", **KEEP),
    }


def _viewer():
    """OpenSeadragon's button tooltips (its Tooltips.* strings)."""
    return {"tooltips": {
        "FullPage": gettext("Toggle full page"), "Home": gettext("Go home"), "ZoomIn": gettext("Zoom in"),
        "ZoomOut": gettext("Zoom out"), "NextPage": gettext("Next page"), "PreviousPage": gettext("Previous page"),
        "RotateLeft": gettext("Rotate left"), "RotateRight": gettext("Rotate right"),
        "Flip": gettext("Flip horizontally"),
    }}


def _tagging():
    return {
        "ticked": gettext("(%(num)s ticked)", **KEEP),
        "tickAll": gettext("Tick all on this page"), "untickAll": gettext("Untick all on this page"),
        "unknown": gettext("No %(facet)s “%(name)s” in the vocabulary yet.", **_kept("facet", "name")),
        "create": gettext("Create %(facet)s “%(name)s”", **_kept("facet", "name")),
        "created": gettext("Created %(facet)s “%(name)s”.", **_kept("facet", "name")),
        "notCreated": gettext("Could not create it"),
        "facets": words.facets(),
    }


def _upload():
    return {
        "skipped": gettext("Skipped: not a photo file"),
        "chosen": _forms(lambda n: ngettext("%(num)s photo chosen", "%(num)s photos chosen", n)),
        "joinsTrip": gettext("The photos join the trip “%(trip)s”.", **_kept("trip")),
        "unknownTags": _forms(lambda n: ngettext(
            "This tag is not in the vocabulary and would not be applied: %(tags)s. Create it with the button "
            "under the Tags box, or upload without.",
            "These tags are not in the vocabulary and would not be applied: %(tags)s. Create them with the button "
            "under the Tags box, or upload without.", n, **_kept("tags"))),
        "uploadWithout": _forms(lambda n: ngettext("Upload without it", "Upload without them", n)),
        "chooseFirst": gettext("Choose or drop some photos first."),
        "nothingSent": gettext("Nothing sent yet: see the note above the Upload button."),
        "uploadOf": gettext("Upload of %(name)s", **_kept("name")),
        "waiting": gettext("Waiting"), "uploading": gettext("Uploading"),
        "rejected": gettext("Rejected: %(reason)s", **_kept("reason")),
        "answered": gettext("the server answered %(status)s", **_kept("status")),
        "lost": gettext("Failed: the connection was lost"),
        "importedAs": gettext("Imported as %(photo)s", **_kept("photo")),
        "duplicateOf": gettext("Duplicate of %(photo)s; nothing stored", **_kept("photo")),
        "photo": gettext("photo %(id)s", **_kept("id")),
        "looksLike": gettext("Looks like %(photo)s", **_kept("photo")),
        "samePhotograph": gettext("the same photograph"), "anotherShot": gettext("another shot of the same scene"),
        "review": gettext("review"),
        # Counted by the duplicates, the one word English says in the plural.
        "summary": _forms(lambda n: ngettext("%(imported)s imported, %(num)s duplicate, %(rejected)s rejected",
                                             "%(imported)s imported, %(num)s duplicates, %(rejected)s rejected", n,
                                             **_kept("imported", "rejected"))),
        "summarySkipped": _forms(lambda n: ngettext(
            "%(imported)s imported, %(num)s duplicate, %(rejected)s rejected, %(skipped)s skipped",
            "%(imported)s imported, %(num)s duplicates, %(rejected)s rejected, %(skipped)s skipped", n,
            **_kept("imported", "rejected", "skipped"))),
        "toGo": gettext("%(summary)s — %(num)s still to go", **_kept("summary", "num")),
        "warnings": {"no EXIF metadata": words.import_warning("no EXIF metadata")},
        "newSuggestions": _forms(lambda n: ngettext("%(num)s new suggestion to review",
                                                    "%(num)s new suggestions to review", n)),
    }


def _kept(*names):
    return {name: f"%({name})s" for name in names}


MESSAGES = {"lightbox": _lightbox, "zoom": _zoom, "review": _review, "tagging": _tagging, "upload": _upload,
            "iiif-viewer": _viewer}


def messages(name):
    """The messages of one script, in the page's language ({} for a script without any)."""
    return MESSAGES[name]() if name in MESSAGES else {}


def script(name):
    """A script of static/ with its messages beside it: what a template writes to include it."""
    found = messages(name)
    tag = Markup('<script src="{}" defer></script>').format(url_for("static", filename=f"{name}.js"))
    if not found:
        return tag
    # Safe inside <script>: <, >, & and ' escaped; Korean as itself, a third of its \uXXXX size.
    data = htmlsafe_json_dumps(found, ensure_ascii=False)
    return Markup('<script type="application/json" data-messages="{}">{}</script>\n').format(
        escape(name), data) + tag
