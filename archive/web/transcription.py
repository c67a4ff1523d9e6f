"""GET /api/photos/<id>/transcription: the machine drafts of a photo's painted
words, beside the archivist's own transcription.

Self-contained (the route, and its OpenAPI description that openapi.py
takes in), so it can move whole into the JSON contract. Public for public
photos, as the photo itself is.
"""

from flask import Blueprint, abort, jsonify

from archive.transcription import drafts, queue
from archive.web import get_db, get_visible_photo

bp = Blueprint("transcription", __name__, url_prefix="/api")


@bp.get("/photos/<int:photo_id>/transcription")
def photo_transcription(photo_id):
    photo = get_visible_photo(photo_id)
    if photo is None:
        abort(404, description=f"no photo {photo_id}")
    db = get_db()
    return jsonify({
        "photo_id": photo_id,
        "width": photo["width"],
        "height": photo["height"],
        "transcription": photo["transcription"],
        "drafts": drafts.for_photo(db, photo_id),
        "queued": queue.is_queued(db, photo_id),
    })


_READING = {
    "type": "object",
    "required": ["text", "confidence", "reader"],
    "properties": {
        "text": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reader": {"type": "string", "description": "The engine that read it: rapidocr or tesseract"},
    },
}

_LINE = {
    "type": "object",
    "required": ["text", "confidence", "reader", "vertical", "box", "x", "y", "w", "h", "alternatives"],
    "properties": {
        **_READING["properties"],
        "vertical": {"type": "boolean", "description": "A column of vertical text"},
        "box": {"type": "array", "minItems": 4, "maxItems": 4,
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                "description": "The line's corners [x, y] in the upright photo's full pixels, clockwise "
                               "from the top left of the text as it reads"},
        "x": {"type": "integer"}, "y": {"type": "integer"},
        "w": {"type": "integer", "minimum": 0}, "h": {"type": "integer", "minimum": 0},
        "alternatives": {"type": "array", "items": _READING,
                         "description": "Other readings of the line kept for search, best first"},
    },
}

OPENAPI_SCHEMAS = {
    "Transcription": {
        "type": "object",
        "required": ["photo_id", "width", "height", "transcription", "drafts", "queued"],
        "properties": {
            "photo_id": {"type": "integer", "minimum": 1},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "transcription": {"type": "string", "description": "The archivist's own transcription"},
            "queued": {"type": "boolean", "description": "Waiting for a transcription worker"},
            "drafts": {"type": "array", "description": "Machine drafts, newest first: one per engine",
                       "items": {
                           "type": "object",
                           "required": ["engine", "version", "made_at", "cpu_seconds", "text", "lines"],
                           "properties": {
                               "engine": {"type": "string"},
                               "version": {"type": "string"},
                               "made_at": {"type": "string", "description": "ISO 8601, UTC"},
                               "cpu_seconds": {"type": "number", "minimum": 0},
                               "text": {"type": "string", "description": "The believed readings, a line each"},
                               "lines": {"type": "array", "items": _LINE},
                           },
                       }},
        },
    },
}

OPENAPI_PATHS = {
    "/api/photos/{photo_id}/transcription": {
        "get": {
            "operationId": "getPhotoTranscription",
            "summary": "Machine transcription drafts of the words painted on a photo, with line boxes",
            "parameters": [{"name": "photo_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "The drafts and the archivist's transcription",
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Transcription"}}}},
                "404": {"description": "No such photo, or one this request may not see",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    },
}
