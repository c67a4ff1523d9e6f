"""Uploads as JSON: the form a script posts, and what happened to each file
(the same object `import --json` prints a line of)."""

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from archive.contract.shapes import PhotoId, Shape, Url
from archive.contract.tags import TagCheck

TEXT_MAX = 200
TAGS_MAX = 2000
TRIP_HELP = "For example: 2019 autumn studio visit"
TAGS_HELP = "FACET:VALUE, one per line or comma-separated, e.g. set:european-street, subject:film-poster"


class Match(Shape):
    photo_id: int
    kind: Literal["duplicate", "related"]


class Outcome(Shape):
    path: str
    status: Literal["imported", "duplicate", "rejected", "new"] = Field(
        description="new: what `import --dry-run` would import (never an upload's answer)")
    photo_id: PhotoId | None
    duplicate_of: PhotoId | None
    reason: str | None
    warnings: list[str]
    matches: list[Match] = Field(description="Stored photos this one nearly duplicates, best first")
    thumbnail_url: Url | None = Field(None, description="Uploads only: the thumbnail of the photo imported, or "
                                                        "of the one it duplicates")


class UploadResults(Shape):
    results: list[Outcome] = Field(description="One outcome per file")


def outcome(result):
    """An ingest Outcome as the contract's shape."""
    return Outcome.model_validate(result.to_json())


def uploaded(result, thumbnail_url):
    """An upload's outcome, with the thumbnail of its photo (null when it has none)."""
    return Outcome.model_validate({**result.to_json(), "thumbnail_url": thumbnail_url})


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
