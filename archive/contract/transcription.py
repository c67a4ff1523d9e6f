"""A photo's machine transcription drafts as JSON (GET
/api/photos/<id>/transcription): what each engine read, line by line with
its box, beside the archivist's own transcription."""

from typing import Annotated, Literal

from pydantic import Field

from archive.contract.shapes import Count, PhotoId, Shape

Corner = Annotated[list[float], Field(min_length=2, max_length=2)]


class Reading(Shape):
    text: str
    confidence: Annotated[float, Field(ge=0, le=1)]
    reader: str = Field(description="The engine that read it: rapidocr or tesseract")


class Line(Reading):
    vertical: bool = Field(description="A column of vertical text")
    box: Annotated[list[Corner], Field(min_length=4, max_length=4)] = Field(
        description="The line's corners [x, y] in the upright photo's full pixels, clockwise from the top "
                    "left of the text as it reads")
    x: int
    y: int
    w: Count
    h: Count
    alternatives: list[Reading] = Field(description="Other readings of the line kept for search, best first")


class Draft(Shape):
    engine: str
    version: str
    made_at: str = Field(description="ISO 8601, UTC")
    cpu_seconds: Annotated[float, Field(ge=0)]
    text: str = Field(description="The believed readings, a line each")
    lines: list[Line]


class Transcription(Shape):
    photo_id: PhotoId
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)]
    transcription: str = Field(description="The archivist's own transcription")
    drafts: list[Draft] = Field(description="Machine drafts, newest first: one per engine")
    queued: bool = Field(description="Waiting for a transcription worker")
    state: Literal["queued", "drafted", "none"] = Field(
        description="queued: waiting for a worker; drafted: read at least once; none: never queued")


def transcription(photo, drafts, queued):
    """The shape from a photo row, drafts.for_photo's list and whether it waits in the queue."""
    return Transcription(
        photo_id=photo["id"], width=photo["width"], height=photo["height"],
        transcription=photo["transcription"], drafts=[Draft(**d) for d in drafts], queued=queued,
        state="queued" if queued else "drafted" if drafts else "none")
