"""Tags as JSON: autocomplete (GET /api/tags) and changing a photo's tags."""

from typing import Annotated, Literal

from pydantic import Field, StrictStr

from archive.catalogue.tags import CONTROLLED_FACETS, FACETS
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


class TagCreateBody(Body):
    facet: Annotated[Literal[tuple(FACETS)], explained(f"facet must be one of {', '.join(FACETS)}")]
    name: Annotated[StrictStr, explained("name must be text")] = Field(
        description="What the tag is called; its slug is made from it (a set may name its parent: "
                    "european-street/cafe)")
    label: Annotated[StrictStr | None, explained("label must be text")] = Field(
        None, description="The English label, when it differs from the name")
    label_ko: Annotated[StrictStr, explained("label_ko must be text")] = Field("", description="The Korean label")
    model_config = {"json_schema_extra": {"examples": [{"facet": "film", "name": "Sea of Blood",
                                                        "label_ko": "피바다"}]}}


class CreatableTag(Shape):
    facet: Literal[tuple(CONTROLLED_FACETS)]
    name: str


class TagCheck(Shape):
    spec: str
    facet: str | None
    value: str | None
    status: Literal["known", "new", "unknown", "invalid"] = Field(
        description="known: in the vocabulary; new: a free tag (trip, place, keyword) made when first used; "
                    "unknown: a set, subject or film not in the vocabulary (see create); invalid: not FACET:VALUE")
    message: str | None
    tag: Tag | None = Field(description="The tag it names, when known")
    create: CreatableTag | None = Field(description="For an unknown tag: what POST /api/tags would create")


class TagChecks(Shape):
    results: list[TagCheck]


def tag(row):
    return Tag(**{**row, "aliases": row.get("aliases", []), "photos": row.get("photos", 0)},
               spec=f"{row['facet']}:{row['slug']}")


def tag_list(rows):
    return TagList(results=[tag(row) for row in rows])


def tag_checks(results):
    return TagChecks(results=[TagCheck(**{**entry, "tag": tag(entry["tag"]) if entry["tag"] else None})
                              for entry in results])
