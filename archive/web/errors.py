"""Errors as JSON under /api/ and as pages elsewhere; never a bare 500 for bad input."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


def register(app):
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json():
    return request.path.startswith("/api/")


def _http_error(exc):
    if wants_json():
        response = jsonify({"error": exc.description or exc.name})
        response.status_code = exc.code
        return response
    return render_template("error.html", error=exc), exc.code


def _unexpected_error(exc):
    # Logged with its traceback by Flask; the person sees a plain message.
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    return _http_error(InternalServerError())
