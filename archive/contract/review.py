"""Near-duplicates as JSON: the review queue, one pair, decisions, the
groups (`duplicates --json`) and a photo's versions."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt, create_model

from archive.catalogue import photos, tags
from archive.contract.photos import PhotoSummary, photo_summary
from archive.contract.shapes import Body, Count, PhotoId, Shape, TagSlugs, explained
from archive.dedup.decisions import DECISIONS, KINDS

Kind = Literal[tuple(KINDS)]
DecisionName = Literal[tuple(DECISIONS)]


class Suggestion(Shape):
    id: PhotoId
    photo_a: int = Field(description="The lower photo id")
    photo_b: int
    kind: Kind
    phash_distance: Count
    dhash_distance: Count
    alignment: str = Field(description="How the two line up: the same, cropped, turned, mirrored...")
    created_at: str


class ReviewQueue(Shape):
    total: Count
    suggestions: list[Suggestion]


class Decision(Shape):
    id: PhotoId
    photo_a: int
    photo_b: int
    decision: DecisionName
    primary_id: int | None = Field(description="The photo to keep; duplicates only")
    decided_by: str
    decided_at: str
    undone_by: str | None
    undone_at: str | None = Field(description="Set once the decision is undone")


class DiffRow(Shape):
    field: str
    a: str | None
    b: str | None
    differs: bool


class ReviewPair(Suggestion):
    decision: Decision | None
    photos: Annotated[list[PhotoSummary], Field(min_length=2, max_length=2)]
    metadata_diff: list[DiffRow]


class DecisionBody(Body):
    decision: Annotated[DecisionName, explained(f"decision must be one of {', '.join(DECISIONS)}")]
    primary_id: Annotated[StrictInt | None, explained("primary_id must be a photo id")] = Field(
        None, description="For a duplicate: the photo to keep, one of the group; chosen by size and metadata "
                          "when left out")
    model_config = {"json_schema_extra": {"examples": [{"decision": "duplicate", "primary_id": 12}]}}


class GroupPhoto(Shape):
    id: int
    original_filename: str
    sha256: str


class Group(Shape):
    kind: Kind
    state: Literal["confirmed", "suggested"]
    primary: int
    photos: Annotated[list[GroupPhoto], Field(min_length=2)]


class Groups(Shape):
    groups: list[Group]


# Where each version came from: the photo's provenance columns (catalogue/photos.py).
VersionProvenance = create_model(
    "VersionProvenance", __base__=Shape,
    **{name: (photos.COLUMNS[name], ...) for name in ("id", *photos.PROVENANCE, "width", "height")})


class Versions(Shape):
    primary: int = Field(description="The group's chosen photo, the first of versions (the first visible one "
                                     "if the chosen one is private)")
    versions: Annotated[list[PhotoSummary], Field(min_length=1,
                                                  description="The photo and its duplicates, the primary first")]
    other_shots: list[PhotoSummary] = Field(description="Other shots of the same poster (decided related)")
    tags: TagSlugs
    captions: list[str]
    provenance: list[VersionProvenance]


def review_queue(total, suggestions):
    return ReviewQueue(total=total, suggestions=[Suggestion.model_validate(s) for s in suggestions])


def review_pair(suggestion, a, b, diff, links):
    return ReviewPair(**{name: suggestion[name] for name in Suggestion.model_fields},
                      decision=suggestion["decision"], photos=[photo_summary(a, links), photo_summary(b, links)],
                      metadata_diff=diff)


def groups(rows):
    return Groups(groups=rows)


def versions(group, links):
    """A photo's group as JSON. A primary this request may not see is not
    named: the first visible version stands in."""
    return Versions(
        primary=group["versions"][0]["id"],
        versions=[photo_summary(row, links) for row in group["versions"]],
        other_shots=[photo_summary(row, links) for row in group["other_shots"]],
        tags=tags.slugs_by_facet(group["tags"]),
        captions=group["captions"],
        provenance=group["provenance"],
    )
