"""Photos as JSON: the summary every list carries, one photo with all it
says (GET /api/photos/<id>), and a page of photos."""

from typing import Annotated, Literal

from pydantic import Field

from archive.catalogue import photos, tags
from archive.contract.shapes import Count, PhotoId, Sha256, Shape, TagSlugs, Url


class PhotoSummary(Shape):
    id: PhotoId
    url: Url = Field(description="The photo's page: its permanent address")
    title: str = Field(description="The title, else the start of the caption, else the file name")
    original_filename: str
    sha256: Sha256
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)]
    taken_at: str | None = Field(description="ISO 8601 camera time, no zone; a date alone when an archivist gave "
                                             "only the day, month or year (see taken_precision)")
    thumbnail_url: Url


class ListedPhoto(PhotoSummary):
    """A photo in the gallery's list or a search's results."""

    versions: Annotated[int, Field(ge=1)] = Field(
        description="How many copies of this photograph it stands for: a stack of confirmed duplicates shows "
                    "once, as its primary (GET /api/photos/{id}/versions lists them)")


class Gps(Shape):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class Provenance(Shape):
    original_filename: str
    trip: str
    photographer: str
    source: Literal["web", "cli"]
    uploaded_by: str
    uploaded_at: str


class Photo(PhotoSummary):
    title: str = Field(description="The title as given; empty when there is none")
    title_ko: str = Field(description="The title in Korean; empty when there is none")
    caption: str
    caption_ko: str = Field(description="The caption in Korean")
    transcription: str
    taken_precision: Literal["", "day", "month", "year", "circa"] = Field(
        description='How precisely taken_at is known: "" to the second (the camera\'s clock), or the day, the '
                    "month, the year, or about that year (circa)")
    camera: str | None
    camera_make: str | None
    camera_model: str | None
    lens: str | None
    exposure_time: str | None
    f_number: float | None
    iso: int | None
    focal_length: float | None
    format: str
    file_size: Annotated[int, Field(ge=1)]
    tags: TagSlugs = Field(description="Tag slugs by facet (set, subject, film, trip, place, keyword)")
    display_url: Url
    iiif_image: Url = Field(description="IIIF Image API 3.0 base URI (add /info.json)")
    iiif_manifest: Url = Field(description="IIIF Presentation API 3.0 manifest")
    rights: str
    gps: Gps | None = Field(description="Exact location; null when unknown or not allowed (as original_url)")
    original_url: Url | None = Field(description="The file as uploaded; null unless the request may see exact "
                                                  "locations (archivists, or a trip an admin opened)")
    is_public: bool = Field(description="False: only archivists see it")
    provenance: Provenance
    warnings: list[str]


class PhotoPage(Shape):
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    results: list[ListedPhoto]


def summary_fields(row, links):
    return {
        "id": row["id"],
        "url": links.page(row["id"]),
        "title": photos.display_title(row),
        "original_filename": row["original_filename"],
        "sha256": row["sha256"],
        "width": row["width"],
        "height": row["height"],
        "taken_at": row["taken_at"],
        "thumbnail_url": links.thumbnail(row),
    }


def photo_summary(row, links):
    return PhotoSummary(**summary_fields(row, links))


def photo(row, links, exact):
    """One photo as GET /api/photos/<id> gives it; exact GPS and the original
    (which keeps it) only when `exact` (see web.can_see_exact)."""
    gps = Gps(lat=row["gps_lat"], lon=row["gps_lon"]) if exact and row["gps_lat"] is not None else None
    return Photo(
        **{**summary_fields(row, links), "title": row["title"]},
        title_ko=row["title_ko"],
        caption=row["caption"],
        caption_ko=row["caption_ko"],
        transcription=row["transcription"],
        taken_precision=row["taken_precision"],
        camera=photos.camera_label(row),
        **{name: row[name] for name in ("camera_make", "camera_model", "lens", "exposure_time", "f_number",
                                        "iso", "focal_length", "format", "file_size", "rights")},
        tags=tags.slugs_by_facet(row["tags"]),
        display_url=links.display(row),
        iiif_image=links.iiif_image(row["id"]),
        iiif_manifest=links.iiif_manifest(row["id"]),
        gps=gps,
        original_url=links.original(row["id"]) if exact else None,
        is_public=bool(row["is_public"]),
        provenance=Provenance(**{name: row[name] for name in photos.PROVENANCE}),
        warnings=row["warnings"],
    )


def photo_page(page, links):
    return PhotoPage(total=page.total, page=page.page, per_page=page.per_page,
                     results=[ListedPhoto(**summary_fields(row, links), versions=row.get("versions", 1))
                              for row in page.items])
