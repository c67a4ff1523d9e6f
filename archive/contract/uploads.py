"""Uploads as JSON: the form a script posts, and what happened to each file
(the same object `import --json` prints a line of)."""

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from archive.contract.shapes import Count, PhotoId, Shape, Url
from archive.contract.tags import TagCheck

TEXT_MAX = 200
TAGS_MAX = 2000
TRIP_HELP = "For example: 2019 autumn studio visit"
TAGS_HELP = "FACET:VALUE, one per line or comma-separated, e.g. set:european-street, subject:film-poster"


class Match(Shape):
    photo_id: int | None = Field(description="The stored photo this one looks like; null for another file of "
                                             "the same dry run (see path)")
    kind: Literal["duplicate", "related"]
    reason: str | None = Field(None, description="Why, said the way a person would: \"smaller copy (50 %)\", "
                                                 "\"cropped by about 8 % on the left\", \"mirrored\"...")
    path: str | None = Field(None, description="`import --dry-run` only: the earlier file of the run it looks like")
    url: Url | None = Field(None, description="The stored photo's page (uploads)")
    thumbnail_url: Url | None = Field(None, description="The stored photo's thumbnail (uploads)")
    review_url: Url | None = Field(None, description="Where to decide it: the review screen of its group (uploads)")


class Outcome(Shape):
    path: str
    status: Literal["imported", "duplicate", "rejected", "new"] = Field(
        description="new: what `import --dry-run` would import (never an upload's answer)")
    photo_id: PhotoId | None
    duplicate_of: PhotoId | None
    reason: str | None
    warnings: list[str]
    matches: list[Match] = Field(description="Stored photos this one nearly duplicates, best first")
    thumbnail_url: Url | None = Field(None, description="The thumbnail of the photo stored or already there "
                                                        "(uploads)")


class UploadResults(Shape):
    results: list[Outcome] = Field(description="One outcome per file")
    new_suggestions: Count | None = Field(None, description="Matches these files added to the review queue")
    review_url: Url | None = Field(None, description="The review queue")


def outcome(result, links=None, rows=None):
    """An ingest Outcome as the contract's shape; with links and the photo
    rows it names ({id: row}), with the links an upload page shows."""
    data = result.to_json()
    if links is not None and rows is not None:
        shown = data["photo_id"] or data["duplicate_of"]
        data["thumbnail_url"] = links.thumbnail(rows[shown]) if shown in rows else None
        for match in data["matches"]:
            if match["photo_id"] in rows:
                match["url"] = links.page(match["photo_id"])
                match["thumbnail_url"] = links.thumbnail(rows[match["photo_id"]])
                match["review_url"] = links.review_photo(data["photo_id"] or match["photo_id"])
    return Outcome.model_validate(data)


def named_photos(results):
    """The ids of the photos a list of ingest Outcomes names."""
    return {i for r in results for i in (r.photo_id, r.duplicate_of, *(m["photo_id"] for m in r.matches)) if i}


class TextCheck(Shape):
    value: str = Field(description="As it will be stored")
    message: str | None = Field(description="What is wrong with it, if anything")


class TripCheck(TextCheck):
    known: bool = Field(description="An existing trip: the photos join it, spelled as the vocabulary spells it")


class UploadCheck(Shape):
    """What a batch's trip, photographer and tags would do, before any file is sent."""

    ok: bool = Field(description="Everything will be applied as typed")
    trip: TripCheck
    photographer: TextCheck
    tags: list[TagCheck] = Field(description="Each tag; unknown and invalid ones are not applied")


File = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})]


class UploadForm(Shape):
    """The multipart form of POST /api/uploads (the upload page's form, which
    checks it: web/upload.py)."""

    photos: Annotated[list[File], Field(min_length=1)]
    trip: Annotated[str, Field(max_length=TEXT_MAX, description=TRIP_HELP)] = ""
    photographer: Annotated[str, Field(max_length=TEXT_MAX)] = ""
    tags: Annotated[str, Field(max_length=TAGS_MAX, description=TAGS_HELP)] = ""
    csrf_token: str = ""
