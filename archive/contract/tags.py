"""Tags as JSON: autocomplete (GET /api/tags) and changing a photo's tags."""

from typing import Annotated, Literal

from pydantic import Field

from archive.catalogue.tags import FACETS
from archive.contract.shapes import Body, Count, Shape, TagSlugs, explained

SPECS = '"add" and "remove" are lists of FACET:VALUE strings'


class Tag(Shape):
    facet: Literal[tuple(FACETS)]
    slug: str
    spec: str = Field(description="FACET:SLUG, as uploads and tag changes name it")
    label: str
    label_ko: str | None
    aliases: list[str]
    photos: Count


class TagList(Shape):
    results: Annotated[list[Tag], Field(max_length=20)]


class TagChangeBody(Body):
    add: Annotated[list[str], explained(SPECS)] = Field([], description="FACET:VALUE tags to add")
    remove: Annotated[list[str], explained(SPECS)] = Field([], description="FACET:VALUE tags to remove")
    model_config = {"json_schema_extra": {"examples": [{"add": ["subject:film-poster"],
                                                        "remove": ["keyword:blurred"]}]}}


class TagChange(Shape):
    added: Count
    removed: Count
    tags: TagSlugs


def tag_list(rows):
    return TagList(results=[Tag(**row, spec=f"{row['facet']}:{row['slug']}") for row in rows])
