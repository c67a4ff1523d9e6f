"""A search as JSON: what GET /api/search returns and `search --json` prints."""

from typing import Annotated, Literal

from pydantic import Field

from archive.catalogue import photos
from archive.contract.photos import ListedPhoto, summary_fields
from archive.contract.shapes import Count, Shape, TagSlugs, Url
from archive.search.engine import SORTS

Sort = Literal[tuple(SORTS)]


class SearchResult(ListedPhoto):
    permalink: Url
    camera: str | None
    uploaded_at: str
    tags: TagSlugs


class FacetEntry(Shape):
    value: str
    label: str
    label_ko: str | None = Field(None, description="Tags only: the Korean label, if any")
    count: Annotated[int, Field(ge=1)]
    query: str = Field(description="The query narrowed to this value")


class SearchPage(Shape):
    query: str
    sort: Sort
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    pages: Annotated[int, Field(ge=1)]
    results: list[SearchResult]
    facets: dict[str, list[FacetEntry]] = Field(
        description="Counts over every matching photo, by facet (set, subject, film, trip, year, camera)")


def search_result(row, links):
    """One photo of a search; its tags come grouped by facet from the engine."""
    return SearchResult(
        **summary_fields(row, links),
        versions=row.get("versions", 1),
        permalink=links.page(row["id"]),
        camera=photos.camera_label(row),
        uploaded_at=row["uploaded_at"],
        tags={facet: [tag["slug"] for tag in items] for facet, items in row["tags"].items()},
    )


def search_page(result, links):
    page = result.page
    return SearchPage(
        query=result.query, sort=result.sort, total=page.total, page=page.page, per_page=page.per_page,
        pages=page.pages, results=[search_result(row, links) for row in page.items],
        facets={facet: [FacetEntry.model_validate(entry) for entry in entries]
                for facet, entries in result.facets.items()},
    )
