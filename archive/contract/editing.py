"""Editing photos as JSON: the body of PATCH /api/photos/<id>, turning a
photo, and the edit history with its reverts."""

from typing import Annotated, Any, Literal

from pydantic import Field, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from archive.catalogue import editing
from archive.catalogue.orientation import TURNS
from archive.contract.photos import Photo
from archive.contract.shapes import Body, Shape, explained


def _text(name):
    return Annotated[StrictStr, explained(f"{name} must be text")]


class PhotoEditBody(Body):
    """Only the fields sent change; "" clears a text field, null the date."""

    title: _text("title") = Field(None, description="The title (in English, or the only one)")
    title_ko: _text("title_ko") = Field(None, description="The title in Korean")
    caption: _text("caption") = None
    caption_ko: _text("caption_ko") = Field(None, description="The caption in Korean")
    transcription: _text("transcription") = Field(None, description="The words painted on the poster, as written")
    taken_at: Annotated[StrictStr | None,
                        explained("taken_at must be a date as text, like 2019-10-03, or null")] = Field(
        None, description="2019-10-03T14:22:05, 2019-10-03, 2019-10 or 2019; null: unknown. Its precision "
                          "follows from how it is written unless taken_precision says otherwise")
    taken_precision: Annotated[Literal[tuple(editing.PRECISIONS)],
                               explained(f"taken_precision must be one of {', '.join(map(repr, editing.PRECISIONS))}")
                               ] = Field(None, description='"" (to the second), day, month, year or circa '
                                                           "(about that year)")
    trip: _text("trip") = Field(None, description="A trip of the vocabulary is matched whatever its case")
    photographer: _text("photographer") = None
    rights: _text("rights") = Field(None, description="A rights statement or licence URI, or words")
    model_config = {"json_schema_extra": {"examples": [{"title": "The Flower Girl", "title_ko": "꽃파는 처녀",
                                                        "taken_at": "2019-10", "taken_precision": "month"}]}}

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, value):
        if isinstance(value, dict):
            unknown = [name for name in value if name not in editing.EDITABLE]
            if unknown:
                raise PydanticCustomError(
                    "explained", "'{name}' cannot be edited; the fields are {fields}",
                    {"name": unknown[0], "fields": ", ".join(editing.EDITABLE)})
            if not value:
                raise PydanticCustomError("explained", "send at least one field to change")
        return value

    def values(self):
        return self.model_dump(exclude_unset=True)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        # A field left out is absent, not null: the document says no default.
        schema = handler.resolve_ref_schema(handler(core_schema))
        for prop in schema.get("properties", {}).values():
            if prop.get("default", "") is None:
                del prop["default"]
        return schema


class TurnBody(Body):
    turn: Annotated[Literal[TURNS], explained(f"turn must be one of {', '.join(TURNS)}")] = Field(
        description="cw: 90° clockwise; ccw: 90° anticlockwise; half: 180°; mirror: left and right swapped")
    model_config = {"json_schema_extra": {"examples": [{"turn": "cw"}]}}


class Entry(Shape):
    field: str
    before: Any = Field(description="The value before, as JSON")
    after: Any
    reverted_by: int | None = Field(description="The change that undid this one, if any")


class Change(Shape):
    id: int
    action: str = Field(description="edit, bulk, revert, rotate, publish or unpublish")
    username: str
    at: str
    reverts: int | None = Field(description="For a revert: the change it undid")
    entries: list[Entry] = Field(description="The fields it changed on this photo")


class History(Shape):
    changes: list[Change] = Field(description="Newest first")


class Edited(Shape):
    """What `photos edit --json` prints."""

    change: int | None = Field(description="The change's id; null when nothing changed")
    changed: int = Field(ge=0, description="How many photos changed")
    photos: list[Photo] = Field(description="The photos as GET /api/photos/{id} returns them, now")


class Reverted(Shape):
    change: Change = Field(description="The new change that put the values back")
    photo: Photo


def change(row):
    return Change(**{name: row[name] for name in ("id", "action", "username", "at", "reverts")},
                  entries=[Entry.model_validate(entry) for entry in row["entries"]])


def photo_history(changes):
    return History(changes=[change(row) for row in changes])
