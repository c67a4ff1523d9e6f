"""Posters as JSON: one poster with its photos, first and last seen (GET
/api/posters/<id>), a page of posters with facets (GET /api/posters), and
the bodies that make, change and link them."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from archive.catalogue import poster_browse, posters
from archive.contract.editing import Change
from archive.contract.photos import PhotoSummary, summary_fields
from archive.contract.shapes import Body, Count, PhotoId, Shape, Url, explained

PosterId = Annotated[int, Field(ge=1)]
Kind = Literal[tuple(posters.KINDS)]
Status = Literal[tuple(posters.STATUSES)]


class Region(Shape):
    """The poster's region on a photo, in the upright photo's full pixels."""

    x: Annotated[int, Field(ge=0)]
    y: Annotated[int, Field(ge=0)]
    w: Annotated[int, Field(ge=1)]
    h: Annotated[int, Field(ge=1)]


class PosterPhoto(PhotoSummary):
    trip: str
    region: Region | None = Field(description="Where the poster is on this photo; null when nobody drew it")


class PosterSummary(Shape):
    id: PosterId
    slug: str = Field(description="Names the poster in queries: poster:SLUG")
    url: Url = Field(description="The poster's page")
    title: str
    title_ko: str
    kind: Kind
    status: Status
    set: str | None = Field(description="The set's tag slug")
    film: str | None = Field(description="The film tag it replicates")
    first_seen: str | None = Field(description="The date its earliest photo was taken (YYYY-MM-DD)")
    last_seen: str | None = Field(description="The date its latest photo was taken (YYYY-MM-DD)")
    photo_count: Count
    thumbnail_url: Url | None = Field(description="Its photo shown, small; null with no photo")


class Poster(PosterSummary):
    place: str = Field(description="Where on the set, in words")
    product: str
    depicts: str = Field(description="What it depicts or replicates, in words")
    painted_text: str = Field(description="The words painted on it, as written")
    translation: str
    notes: str
    best_photo: PhotoId | None = Field(description="The photo shown for it")
    photos: list[PosterPhoto] = Field(description="By date taken, undated last")
    suggested: list[PhotoSummary] = Field(
        description="Photos an import found to be other shots of its photos, waiting for an archivist "
                    "(empty for visitors)")
    iiif_manifest: Url
    created_at: str


class FacetValue(Shape):
    value: str
    label: str
    count: Count
    selected: bool


class PosterPage(Shape):
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    results: list[PosterSummary]
    facets: dict[str, list[FacetValue]] = Field(description="set, kind, film, decade (first seen), status")


class PosterQuery(Shape):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 24
    q: Annotated[str, Field(max_length=200)] = Field("", description="Words in its titles, place or painted text")
    set: str = ""
    kind: str = ""
    film: str = ""
    decade: str = Field("", description="1990s, 2010s, ...: the decade it was first seen in")
    status: str = ""

    def chosen(self):
        return {facet: getattr(self, facet) for facet in poster_browse.FACETS}


def _text(name):
    return Annotated[StrictStr, explained(f"{name} must be text")]


_RegionValue = Annotated[Region | None, explained("region must be {\"x\", \"y\", \"w\", \"h\"} in pixels, or null")]


class PosterFields(Body):
    title: _text("title") = Field(None, description="The title in English (or the only one)")
    title_ko: _text("title_ko") = Field(None, description="The title in Korean")
    slug: _text("slug") = Field(None, description="Names it in links and queries (poster:SLUG): lower-case "
                                                 "letters, digits and single hyphens, unique; made from its title "
                                                 "(or set and kind) when left out")
    kind: Annotated[Kind, explained(f"kind must be one of {', '.join(posters.KINDS)}")] = None
    status: Annotated[Status, explained(f"status must be one of {', '.join(posters.STATUSES)}")] = None
    set: Annotated[StrictStr | None, explained("set must be a set tag's slug or name, or null")] = None
    place: _text("place") = Field(None, description="Where on the set: \"cafe wall, left of the door\"")
    film: Annotated[StrictStr | None, explained("film must be a film tag's slug or name, or null")] = None
    product: _text("product") = None
    depicts: _text("depicts") = None
    painted_text: _text("painted_text") = None
    translation: _text("translation") = None
    notes: _text("notes") = None
    best_photo: Annotated[StrictInt | None, explained("best_photo must be a photo id, or null")] = Field(
        None, description="One of its photos, shown for it")

    def values(self):
        return {name: value for name, value in self.model_dump(exclude_unset=True).items() if name != "photos"}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        schema = handler.resolve_ref_schema(handler(core_schema))
        for prop in schema.get("properties", {}).values():
            if prop.get("default", "") is None:
                del prop["default"]
        return schema


class PosterLinkBody(Body):
    photo_id: Annotated[StrictInt, Field(ge=1), explained("photo_id must be a photo's id")]
    region: _RegionValue = Field(None, description="The poster's region on the photo; null: none drawn")
    model_config = {"json_schema_extra": {"examples": [{"photo_id": 12, "region": {"x": 40, "y": 80, "w": 600,
                                                                                     "h": 900}}]}}


class NewPosterBody(PosterFields):
    """A new poster: a title (or Korean title) at least, unless it has photos, and its photos."""

    photos: list[PosterLinkBody] = Field(default_factory=list, description="Its photos, each with a region or not")
    model_config = {"json_schema_extra": {"examples": [{
        "title": "The Seven Year Itch", "kind": "film-poster-replica", "set": "european-street",
        "film": "the-seven-year-itch", "place": "cafe wall, left of the door", "photos": [{"photo_id": 12}]}]}}


class PosterEditBody(PosterFields):
    """Only the fields sent change; "" clears a text field, null a set, film or photo shown."""

    model_config = {"json_schema_extra": {"examples": [{"status": "repainted", "translation": "Drink beer"},
                                                       {"slug": "seven-year-itch-cafe"}]}}

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, value):
        if isinstance(value, dict):
            unknown = [name for name in value if name not in posters.FIELDS]
            if unknown:
                raise PydanticCustomError("explained", "'{name}' cannot be edited; the fields are {fields}",
                                          {"name": unknown[0], "fields": ", ".join(posters.FIELDS)})
            if not value:
                raise PydanticCustomError("explained", "send at least one field to change")
        return value


class PosterNamed(Shape):
    """A poster named where something else is listed."""

    id: PosterId
    slug: str
    url: Url = Field(description="The poster's page")
    title: str
    title_ko: str
    kind: Kind


class PosterSuggestion(Shape):
    """A photo an import found to be another shot of one of a poster's photos."""

    poster: PosterNamed
    photo: PhotoSummary
    matched_photo_id: int | None = Field(description="The poster's photo it was matched with")
    made_at: str


class SuggestionDecisionBody(Body):
    decision: Annotated[Literal["link", "dismiss"], explained("decision must be link or dismiss")] = Field(
        description="link: the photo shows the poster; dismiss: it does not")
    model_config = {"json_schema_extra": {"examples": [{"decision": "link"}]}}


class PosterList(Shape):
    """A bag's posters.json: every poster its photos show."""

    posters: list[Poster]


class PosterChange(Shape):
    change: Change | None = Field(description="The change made; null when nothing changed")
    poster: Poster


class PosterDeleted(Shape):
    deleted: PosterId
    change: Change = Field(description="The deletion in the poster's history: every field and link it had, "
                                       "before; reverting it restores the poster")


class PosterHistory(Shape):
    changes: list[Change] = Field(description="Newest first; a link's field is photo:ID")


def summary(row, links):
    best = row.get("best")
    return PosterSummary(
        id=row["id"], slug=row["slug"], url=links.poster_page(row["id"]), title=row["title"],
        title_ko=row["title_ko"], kind=row["kind"], status=row["status"],
        set=row.get("set_slug") if "set_slug" in row else (row["set_tag"] or {}).get("slug"),
        film=row.get("film_slug") if "film_slug" in row else (row["film_tag"] or {}).get("slug"),
        first_seen=row["first_seen"], last_seen=row["last_seen"],
        photo_count=row["photo_count"] if "photo_count" in row else len(row["photos"]),
        thumbnail_url=links.thumbnail(best) if best else None)


def poster(row, links):
    """One poster as GET /api/posters/<id> gives it (poster_browse.get's row)."""
    return Poster(
        **summary(row, links).model_dump(),
        **{name: row[name] for name in ("place", "product", "depicts", "painted_text", "translation", "notes",
                                        "created_at")},
        best_photo=row["best"]["id"] if row["best"] else None,
        photos=[PosterPhoto(**summary_fields(p, links), trip=p["trip"],
                            region=Region(**p["region"]) if p["region"] else None) for p in row["photos"]],
        suggested=[PhotoSummary(**summary_fields(p, links)) for p in row["suggested"]],
        iiif_manifest=links.poster_manifest(row["id"]))


def suggestion(row, links):
    """One of poster_growth.waiting()'s rows."""
    named = row["poster"]
    return PosterSuggestion(
        poster=PosterNamed(**named, url=links.poster_page(named["id"])),
        photo=PhotoSummary(**summary_fields(row["photo"], links)),
        matched_photo_id=row["matched_photo_id"], made_at=row["made_at"])


def poster_page(listing, links):
    return PosterPage(
        total=listing.page.total, page=listing.page.page, per_page=listing.page.per_page,
        results=[summary(row, links) for row in listing.page.items],
        facets={facet: [FacetValue(**entry) for entry in entries] for facet, entries in listing.facets.items()})


def history(changes):
    return PosterHistory(changes=[Change(**{k: c[k] for k in ("id", "action", "username", "at", "reverts")},
                                         entries=c["entries"]) for c in changes])


def link_values(links_):
    """[(photo_id, region dict or None)] from PosterLinkBody items."""
    return [(item.photo_id, item.region.model_dump() if item.region else None) for item in links_]

