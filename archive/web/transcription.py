"""GET /api/photos/<id>/transcription: the machine drafts of a photo's painted
words, beside the archivist's own transcription. Public for public photos,
as the photo itself is."""

from flask import Blueprint, abort

from archive.contract import transcription as shapes
from archive.transcription import drafts, queue
from archive.web import get_db, get_visible_photo
from archive.web.contract import operation

bp = Blueprint("transcription", __name__, url_prefix="/api")


@bp.get("/photos/<int:photo_id>/transcription")
@operation("getPhotoTranscription", (shapes.Transcription, "The drafts and the archivist's transcription"),
           errors={404: "No such photo, or one this request may not see"})
def photo_transcription(photo_id):
    """Machine transcription drafts of the words painted on a photo, with line boxes"""
    photo = get_visible_photo(photo_id)
    if photo is None:
        abort(404, description=f"no photo {photo_id}")
    db = get_db()
    return shapes.transcription(photo, drafts.for_photo(db, photo_id), queue.is_queued(db, photo_id))
