"""Publishing and deleting a photo, as JSON."""

from typing import Annotated

from pydantic import StrictBool

from archive.contract.shapes import Body, Shape, explained


class VisibilityBody(Body):
    public: Annotated[StrictBool, explained('send JSON {"public": true} or {"public": false}')]
    model_config = {"json_schema_extra": {"examples": [{"public": True}]}}


class Visibility(Shape):
    id: int
    is_public: bool


class Deleted(Shape):
    deleted: list[int]
