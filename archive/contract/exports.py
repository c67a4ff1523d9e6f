"""Exports as JSON: one record per photo, its columns (catalogue/photos.py
COLUMNS, in their order) with its tags and warnings. The same record is a row
of the CSV, an object of GET /api/export.json and `export --format json`,
and a bag's metadata.json."""


from pydantic import Field, create_model

from archive.catalogue import photos
from archive.contract.shapes import Count, Shape


class TagRef(Shape):
    slug: str
    label: str


class PosterRef(Shape):
    """A poster record the photo shows (GET /api/posters/{id})."""

    id: int
    slug: str
    title: str
    region: dict[str, int] | None = Field(description="x, y, w, h of the poster on the photo, in its pixels")


def _column(name, kind):
    if name in ("gps_lat", "gps_lon", "uploaded_by"):
        return (kind, Field(description="Only for archivists; null in exports for anyone else"))
    return (kind, ...)


ExportRecord = create_model(
    "ExportRecord",
    __base__=Shape,
    __doc__="A photo as plain data: its columns, its tags by facet, the import's warnings.",
    **{name: _column(name, kind) for name, kind in photos.COLUMNS.items()},
    warnings=(list[str], ...),
    tags=(dict[str, list[TagRef]], Field(description="Slugs and labels by facet")),
    original_path=(str | None, Field(None, description="In a bag: where the original is")),
    posters=(list[PosterRef], Field(default_factory=list, description="The poster records it shows")),
)


class ExportList(Shape):
    photos: list[ExportRecord]
    count: Count


def export_list(records):
    return ExportList(photos=[ExportRecord.model_validate(record) for record in records], count=len(records))
