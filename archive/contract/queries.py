"""Query strings of /api/: what each operation reads from the URL.

Page numbers are forgiving, as they always were: anything that is not a
page number is page 1, so a hand-edited link still shows something. What
can only be a mistake (an unknown facet, ids that are not ids) is refused.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from archive.catalogue.tags import FACETS
from archive.contract.shapes import Shape
from archive.search.engine import SORTS

MAX_PER_PAGE = 200
MAX_PAGE = 999_999
IDS = re.compile(r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,999}$")


def number(fallback, highest=None, cap=None):
    """A whole number from 1 (to highest), at most cap; anything else is fallback."""

    def read(value):
        text = str(value)
        # isdigit() alone also passes "²" and other digits int() refuses.
        if not (text.isascii() and text.isdigit() and 0 < int(text) <= (highest or int(text))):
            return fallback
        return min(int(text), cap) if cap else int(text)

    return BeforeValidator(read)


def documented(schema):
    """What the document says of a parameter: the values a caller should
    send, even where the server forgives others."""
    return WithJsonSchema(schema)


def refuse_unless(check, message):
    def read(value):
        if value is not None and not check(value):
            raise PydanticCustomError("explained", message, {"value": value})
        return value

    return AfterValidator(read)


def _no_null_defaults(schema):
    # A parameter left out is absent, not null: a query string has no null.
    for prop in schema.get("properties", {}).values():
        if prop.get("default", "") is None:
            del prop["default"]


class Query(Shape):
    """A query string: every parameter optional, each read as text."""

    model_config = {"json_schema_extra": _no_null_defaults}


PageNumber = Annotated[int, number(1, MAX_PAGE), documented({
    "type": "integer", "minimum": 1, "maximum": MAX_PAGE,
    "description": "Page number, from 1 (anything else is page 1)."})]
PageSize = Annotated[int | None, number(1, MAX_PAGE, cap=MAX_PER_PAGE), documented({
    "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
    "description": f"Photos a page, at most {MAX_PER_PAGE}; the archive's own page size when left out."})]
SearchText = Annotated[str, documented({
    "type": "string", "maxLength": 500,
    "description": "Words and FACET:VALUE terms, e.g. `subject:film-poster taken:1987`; "
                   "empty finds every visible photo"})]
Sort = Annotated[str, documented({"type": "string", "enum": list(SORTS), "default": "relevance"})]
Stacked = Annotated[bool, BeforeValidator(lambda value: str(value).strip().lower() not in ("false", "0", "no")),
                    documented({"type": "boolean", "default": True,
                                "description": "false: every copy of a stack of confirmed duplicates, not only its "
                                               "primary (is:duplicate shows every copy anyway)"})]


class PageQuery(Query):
    page: PageNumber = 1
    per_page: PageSize = None

    def size(self, default):
        return self.per_page or min(default, MAX_PER_PAGE)


class SearchQuery(PageQuery):
    q: SearchText = ""
    sort: Sort = "relevance"
    stacked: Stacked = True


class SearchCsvQuery(Query):
    q: SearchText = ""
    sort: Sort = "relevance"
    stacked: Stacked = True


class ExportQuery(Query):
    ids: Annotated[str | None, refuse_unless(IDS.match, "ids must be photo ids separated by commas, e.g. 3,5,8"),
                   documented({"type": "string", "pattern": IDS.pattern,
                               "description": "Only these photos: ids separated by commas, e.g. 3,5,8. "
                                              "All visible photos when absent."})] = None
    q: Annotated[str | None, documented({
        "type": "string", "maxLength": 2000,
        "description": "Only the photos this search finds (the query language of /api/search); "
                       "not together with ids."})] = None

    def photo_ids(self):
        return [int(part) for part in self.ids.split(",")] if self.ids is not None else None


class TagQuery(Query):
    q: Annotated[str, documented({"type": "string", "description": "The start of a slug, alias or label"})] = ""
    facet: Annotated[str | None,
                     BeforeValidator(lambda value: value or None),
                     refuse_unless(FACETS.__contains__, f"unknown facet '{{value}}'; facets are {', '.join(FACETS)}"),
                     documented({"type": "string", "enum": list(FACETS)})] = None


class TagCheckQuery(Query):
    tags: Annotated[str, documented({"type": "string", "maxLength": 2000,
                                     "description": "FACET:VALUE tags, comma-separated (a bare word is a keyword)"}),
                    refuse_unless(lambda value: len(value) <= 2000, "tags is longer than 2000 characters")] = ""


class UploadCheckQuery(Query):
    trip: Annotated[str, documented({"type": "string", "description": "The batch's trip"})] = ""
    photographer: Annotated[str, documented({"type": "string"})] = ""
    tags: Annotated[str, documented({"type": "string", "description": "FACET:VALUE tags, comma-separated"})] = ""


class ReviewQuery(Query):
    limit: Annotated[int, number(50, cap=500), documented({
        "type": "integer", "minimum": 1, "maximum": 500, "default": 50,
        "description": "At most this many, up to 500 (anything else is 50)"})] = 50
