"""What every shape of the contract shares: how a model becomes JSON, the
error object, and request bodies that say in words what is wrong with them.
"""

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WrapValidator, model_validator
from pydantic_core import PydanticCustomError

Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Sha256 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
PhotoId = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
TagSlugs = Annotated[dict[str, list[str]], Field(description="Tag slugs by facet")]


class Shape(BaseModel):
    """A JSON object of the contract.

    A field left unset is left out of the JSON, as the archive has always
    done for the few fields some objects lack (a year facet has no Korean
    label); every field a builder sets is printed, null included."""

    model_config = ConfigDict(extra="ignore")


def to_data(shape):
    """The plain data of a shape: what the API sends and the command line prints."""
    return shape.model_dump(mode="json", exclude_unset=True)


def to_json(shape, indent=None):
    return json.dumps(to_data(shape), ensure_ascii=False, indent=indent)


class Error(Shape):
    """Every error under /api/: a message for a person, and for a form the
    messages of each field."""

    error: str
    fields: dict[str, list[str]] | None = Field(
        None, description="A form's fields and what is wrong with each (uploads)")


def explained(message):
    """A field whose every bad value is refused with this message, rather
    than pydantic's own words."""

    def check(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("explained", message) from None

    return WrapValidator(check)


class Body(Shape):
    """A JSON request body. Anything but an object is refused with an example
    of what to send (the model's first example)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        if not isinstance(value, dict):
            example = json.dumps(cls.model_config["json_schema_extra"]["examples"][0])
            raise PydanticCustomError("explained", "send JSON like {example}", {"example": example})
        return value


def error_message(exc):
    """One sentence for a refused request: the first thing wrong with it."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "explained" or not where:
        return first["msg"]
    return f"{where}: {first['msg']}"
