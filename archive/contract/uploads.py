"""Uploads as JSON: the form a script posts, and what happened to each file
(the same object `import --json` prints a line of)."""

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from archive.contract.shapes import PhotoId, Shape

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


class UploadResults(Shape):
    results: list[Outcome] = Field(description="One outcome per file")


def outcome(result):
    """An ingest Outcome as the contract's shape."""
    return Outcome.model_validate(result.to_json())


File = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})]


class UploadForm(Shape):
    """The multipart form of POST /api/uploads (the upload page's form, which
    checks it: web/upload.py)."""

    photos: Annotated[list[File], Field(min_length=1)]
    trip: Annotated[str, Field(max_length=TEXT_MAX, description=TRIP_HELP)] = ""
    photographer: Annotated[str, Field(max_length=TEXT_MAX)] = ""
    tags: Annotated[str, Field(max_length=TAGS_MAX, description=TAGS_HELP)] = ""
    csrf_token: str = ""
