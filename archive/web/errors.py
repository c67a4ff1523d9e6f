"""Errors as JSON under /api/ and as pages elsewhere; never a bare 500 for bad input.

Every error of /api/ leaves through _http_error, as the contract's Error."""

from flask import Response, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from archive.contract.shapes import Error
from archive.web.contract import respond

# How long a client is asked to wait when the storage did not answer.
STORAGE_RETRY_SECONDS = 30


def register(app):
    from archive.imaging.decoding import RejectedImage
    from archive.storage import unavailable_errors

    app.register_error_handler(HTTPException, _http_error)
    for error in unavailable_errors():
        app.register_error_handler(error, _storage_unavailable)
    # Uploads turn a bad file into a rejection before any request ends; here
    # it can only be a stored original that went missing or was damaged.
    app.register_error_handler(RejectedImage, _damaged_original)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json():
    return request.path.startswith("/api/")


def _http_error(exc):
    if wants_json():
        fields = getattr(exc, "fields", None)
        error = Error(error=exc.description or exc.name, **({"fields": fields} if fields else {}))
        return respond(error, exc.code)
    # A view's own words say what was not found or refused; the framework's
    # stock sentence does not, and the page says it better in either language.
    detail = exc.description if exc.description != type(exc).description else ""
    return render_template("error.html", code=exc.code, detail=detail), exc.code


def _damaged_original(exc):
    from flask import current_app

    current_app.logger.error("cannot make an image on %s from its original: %s", request.path, exc)
    return _http_error(InternalServerError(
        description="The original file of this photo is missing or damaged, so this image cannot be "
                    "made. An archivist can find and mend it with `manage_archive.py verify`."))


def _storage_unavailable(exc):
    from flask import current_app

    current_app.logger.error("the archive's storage did not answer on %s: %s", request.path, exc)
    return try_again_later(STORAGE_RETRY_SECONDS,
                           "The storage that holds the photographs is not answering just now; try again in a minute.",
                           reason="storage")


def try_again_later(seconds, message, reason=None):
    """503 with Retry-After, kept by no cache: plain text for an image viewer
    (IIIF), the contract's Error under /api/, the error page otherwise, with
    message as its detail or, given a reason, that reason's own explanation
    in the page's language."""
    if request.blueprint == "iiif":
        response = Response(message + "\n", status=503, mimetype="text/plain")
    elif wants_json():
        response = respond(Error(error=message), 503)
    else:
        detail = "" if reason else message
        response = make_response(render_template("error.html", code=503, detail=detail, reason=reason), 503)
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unexpected_error(exc):
    # Logged with its traceback by Flask; the person sees a plain message.
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    return _http_error(InternalServerError())
