"""The list a visitor reached a photo from: a gallery page, a set, a film,
a trip or a subject, or search results. It rides along in the photo's URL
(?in=/search?q=...), so previous, next and "back to results" work without
a session, survive a reload and can be shared.

Every such list is a search (the gallery is the empty query, a set page is
set:<slug>), so the photo page asks the search engine for the same ids in
the same order and finds its neighbours there."""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from archive.search import engine as search
from archive.search.query import QueryError, quote_value
from archive.web import can_see_private, get_db, local_path

# The endpoints whose pages are lists of photos, and the facet a page of
# one tag narrows to (None: the query comes from the URL's arguments).
LISTS = {
    "gallery.index": None,
    "search.results": None,
    "search.set_page": "set",
    "browse.subject_page": "subject",
    "browse.film_page": "film",
    "browse.trip_page": "trip",
}
DEFAULT_SORT = {"search.results": "relevance"}


@dataclass(frozen=True)
class Listing:
    endpoint: str
    path: str  # the list's address, as the visitor saw it
    query: str
    sort: str
    stacked: bool


@dataclass(frozen=True)
class Neighbours:
    position: int  # 1-based
    total: int
    previous: int | None
    next: int | None
    back: str  # the list's page that holds this photo


def current_list_path():
    """This page's address when it is a list of photos, for its photo links; else None."""
    if request.endpoint in LISTS:
        return local_path(request.full_path)
    return None


def photo_url(photo, within=None):
    """A photo's page, carrying the list it is shown in (this page's, unless given)."""
    within = within or current_list_path()
    return url_for("gallery.photo", photo_id=photo["id"], **({"in": within} if within else {}))


def parse(value):
    """The Listing an ?in= value names, or None for anything that is not one of our lists."""
    path = local_path(value)
    if path is None:
        return None
    parts = urlsplit(path)
    try:
        endpoint, view_args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    if endpoint not in LISTS:
        return None
    args = dict(parse_qsl(parts.query))
    facet = LISTS[endpoint]
    if facet is not None:
        query = f"{facet}:{quote_value(view_args['slug'])}"
    elif endpoint == "gallery.index":
        query = f"set:{quote_value(args['set'])}" if args.get("set") else ""
    else:
        query = args.get("q", "")
    sort = args.get("sort") or DEFAULT_SORT.get(endpoint, "newest")
    stacked = args.get("stacked", "true").lower() not in ("false", "0", "no")
    return Listing(endpoint, path, query, sort, stacked)


def neighbours(listing, photo_id):
    """Where the photo stands in the list, or None when it is not in it (any more)."""
    try:
        ids = np.asarray(search.search_ids(get_db(), listing.query, sort=listing.sort,
                                           include_private=can_see_private(), stacked=listing.stacked))
    except QueryError:
        return None
    found = np.flatnonzero(ids == photo_id)
    if not len(found):
        return None
    at, total = int(found[0]), len(ids)
    return Neighbours(
        position=at + 1, total=total,
        previous=int(ids[at - 1]) if at > 0 else None,
        next=int(ids[at + 1]) if at + 1 < total else None,
        back=_page_holding(listing.path, at // current_app.config["PER_PAGE"] + 1),
    )


def _page_holding(path, page):
    parts = urlsplit(path)
    args = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
    if page > 1:
        args.append(("page", str(page)))
    return parts.path + ("?" + urlencode(args) if args else "")
