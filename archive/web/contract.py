"""The JSON contract, served.

Every /api/ view declares itself with `operation(...)`: the shape it answers
with, the errors it may give, who may call it, and what it reads from the
query string and the body, all as archive.contract's models. From those
declarations spectree generates /api/openapi.json (`document()`); the view
reads the request through the same models (`query()`, `body()`) and returns
a shape, which is serialised here. Errors under /api/ all go through
errors.py's one handler as the contract's Error.

Spectree (pydantic models, a plain Flask app and its blueprints, the document
made from the routes themselves) documents; the models validate: a view
checks that its photo exists before it reads the body, so an unknown photo is
a 404 whatever was sent.
"""

import copy
import functools

from flask import current_app, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from werkzeug.exceptions import BadRequest

from archive.contract.links import Links
from archive.contract.shapes import Error, error_message, to_data
from archive.web import admin_required, archivist_required

DESCRIPTION = (
    "Photographs of the hand-painted posters, adverts and signs on the street sets of the Korean Art Film "
    "Studio. Errors are JSON objects with an `error` message. Images are also served through the IIIF Image "
    "API 3.0 (`/iiif/3/{id}/info.json`) and described by IIIF Presentation 3.0 manifests "
    "(`/iiif/photos/{id}/manifest.json`, `/iiif/sets/collection.json`). Reading needs no account (visitors "
    "see public photos only); operations marked with security need the `session` cookie of an archivist or "
    "admin (log in at `/login`), and those that change something also send the session's CSRF token "
    "(`GET /api/session`) in the `X-CSRFToken` header."
)

api = SpecTree(
    "flask",
    mode="strict",  # only what operation() declared: the HTML pages are not the API
    annotations=False,
    title="Backlot poster archive",
    version="1",
    description=DESCRIPTION,
    validation_error_status=400,
    validation_error_model=Error,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    security_schemes=[
        SecurityScheme(name="session", data=SecuritySchemeData(
            type="apiKey", field_in="cookie", name="session",
            description="The session cookie set by logging in at /login")),
        SecurityScheme(name="csrf", data=SecuritySchemeData(
            type="apiKey", field_in="header", name="X-CSRFToken",
            description="The session's token from GET /api/session; every POST and DELETE on a session sends it")),
    ],
)

ROLES = {"archivist": (archivist_required, "an archivist or admin"), "admin": (admin_required, "an admin")}
NOT_LOGGED_IN = "Not logged in, or the session ended (a new password, a disabled account)"
NO_CSRF = "the X-CSRFToken header is missing or wrong"
# Operations whose success is not one of the shapes: operation id -> (media type, schema).
_MEDIA_TYPES = {}


class Refused(BadRequest):
    """A request the contract refuses: a 400 with the message, and for a form
    what is wrong with each field."""

    def __init__(self, message, fields=None):
        super().__init__(description=message)
        self.fields = fields


def operation(operation_id, answer, *, status=200, errors=None, query=None, json=None, form=None, who=None,
              write=False, media_type=None, media_schema=None):
    """Declare an /api/ view: `answer` is (shape, description) for success,
    `errors` {status: description} for its refusals, `who` "archivist" or
    "admin" when it needs a role (the role check is applied here), `write`
    when it changes something (CSRF). The docstring's first paragraph is the
    summary, the rest its description."""
    model, description = answer
    responses = {f"HTTP_{status}": (model, description)}
    errors = dict(errors or {})
    if write:
        errors[400] = f"{errors[400]}; or {NO_CSRF}" if 400 in errors else NO_CSRF[:1].upper() + NO_CSRF[1:]
    if who:
        errors[401] = NOT_LOGGED_IN
    if who == "admin":  # every account is at least an archivist: only admin-only calls refuse one
        errors[403] = "The account is an archivist, not an admin"
    responses.update({f"HTTP_{code}": (Error, text) for code, text in errors.items()})
    if media_type:
        _MEDIA_TYPES[operation_id] = (media_type, media_schema or {"type": "string"})

    def declare(view):
        if who:
            view.__doc__ = (view.__doc__ or "").rstrip() + (
                f"\n\nNeeds {ROLES[who][1]}" + (" and the X-CSRFToken header." if write else "."))

        @functools.wraps(view)
        def serialised(*args, **kwargs):
            result = view(*args, **kwargs)
            shape, code = result if isinstance(result, tuple) else (result, status)
            if not isinstance(shape, BaseModel):
                return result  # a file or a stream, already a response
            if model is None or not isinstance(shape, model):
                raise TypeError(f"{view.__name__} answered {type(shape).__name__}, not the {model} it declares")
            return respond(shape, code)

        # Spectree's own wrapper would read every response back into memory
        # (a streamed CSV too) to re-check it; the views read and answer
        # through the models already, so its declaration is kept for the
        # document (spectree finds it through __wrapped__) and not run.
        declared = api.validate(
            query=query, json=json, form=form, resp=Response(**responses), operation_id=operation_id,
            security=({"session": [], "csrf": []} if write else {"session": []}) if who else None,
            skip_validation=True,
        )(view)
        serialised.__wrapped__ = declared
        return ROLES[who][0](serialised) if who else serialised

    return declare


def respond(shape, status=200):
    response = current_app.json.response(to_data(shape))
    response.status_code = status
    return response


def query(model):
    """The query string read through a contract model; a 400 when it cannot be."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise Refused(error_message(exc)) from None


def body(model):
    """The JSON body read through a contract model; a 400 when it cannot be."""
    try:
        return model.model_validate(request.get_json(silent=True))
    except ValidationError as exc:
        raise Refused(error_message(exc)) from None


def links():
    """The request's own root, so a proxy's host or a mount prefix carries through."""
    return Links(request.url_root)


def document():
    """/api/openapi.json: generated from the declared operations, once per app."""
    if "openapi" not in current_app.extensions:
        spec = copy.deepcopy(api.spec)
        # A view may serve a page outside /api/ too (/search.csv): the API is /api/.
        spec["paths"] = {path: item for path, item in spec["paths"].items() if path.startswith("/api/")}
        for item in spec["paths"].values():
            for operation_ in item.values():
                if operation_["operationId"] in _MEDIA_TYPES:
                    media_type, schema = _MEDIA_TYPES[operation_["operationId"]]
                    ok = next(code for code in operation_["responses"] if code.startswith("2"))
                    operation_["responses"][ok]["content"] = {media_type: {"schema": schema}}
        current_app.extensions["openapi"] = spec
    return copy.deepcopy(current_app.extensions["openapi"])
