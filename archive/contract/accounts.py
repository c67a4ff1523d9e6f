"""The session as JSON: who is logged in, and the token a script sends."""

from typing import Literal

from pydantic import Field

from archive.contract.shapes import Shape


class Session(Shape):
    username: str | None = Field(description="null for a visitor")
    role: Literal["visitor", "archivist", "admin"]
    csrf_token: str = Field(description="Send it as X-CSRFToken with every POST and DELETE on this session")
