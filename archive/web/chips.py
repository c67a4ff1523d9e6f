"""The filters a search applied, as chips above its results: each names one
condition in words ("Set: European street", "Taken: 2016–2019") and links to
the same search without it. A query with OR at its top is one whole
condition, and gets no chips (the search box still shows it)."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext

from archive.catalogue import tags
from archive.search.query import Camera, Has, Is, Not, Tag, Taken, Text, parts
from archive.web import get_db, tag_label


@dataclass(frozen=True)
class Chip:
    label: str
    remove: str  # the search without this condition
    negated: bool


def facet_names():
    return {"set": gettext("Set"), "subject": gettext("Subject"), "film": gettext("Film"), "trip": gettext("Trip"),
            "place": gettext("Place"), "keyword": gettext("Keyword")}


def of(query, sort, stacked):
    found = parts(query)
    if not found:
        return []
    extra = {} if stacked else {"stacked": "false"}
    return [Chip(describe(part.node.item if isinstance(part.node, Not) else part.node, part.text),
                 url_for("search.results", q=part.rest, **({"sort": sort} if sort != "relevance" else {}), **extra),
                 isinstance(part.node, Not))
            for part in found]


def describe(node, text):
    """A condition in words, in the page's language."""
    if isinstance(node, Tag):
        row = tags.find_tag(get_db(), node.facet, node.value)
        name = facet_names().get(node.facet, node.facet)
        return f"{name}: {tag_label(row) if row else node.value}"
    if isinstance(node, Text):
        return f"“{node.text}”"
    if isinstance(node, Taken):
        return gettext("Taken: %(period)s", period=text.split(":", 1)[1])
    if isinstance(node, Camera):
        return gettext("Camera: %(name)s", name=node.text)
    if isinstance(node, Is):
        return {"untagged": gettext("Untagged"), "duplicate": gettext("Copies"), "public": gettext("Public"),
                "private": gettext("Private")}.get(node.what, text)
    if isinstance(node, Has):
        return {"gps": gettext("Has a location"), "caption": gettext("Has a caption"),
                "transcription": gettext("Has painted words"), "title": gettext("Has a title"),
                "date": gettext("Has a date")}.get(node.what, text)
    return text
