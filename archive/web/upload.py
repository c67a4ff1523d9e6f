"""Uploading photos through the web: a form, and the same thing as JSON."""

import contextlib
import unicodedata

from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from archive.catalogue import photos, tagging, tags
from archive.contract import tags as tag_shapes
from archive.contract import uploads as shapes
from archive.contract.queries import UploadCheckQuery
from archive.contract.shapes import to_data
from archive.ingest.pipeline import Provenance, not_applied_note
from archive.web import archivist_required, current_username, get_db, get_ingester
from archive.web.contract import Refused, links, operation, query

bp = Blueprint("upload", __name__)


class UploadForm(FlaskForm):
    tag_pairs = ()  # (facet, value) pairs to apply, set when the tags field validates
    not_applied = ()  # what each tag that cannot be applied says instead

    photos = MultipleFileField("Photos")
    # The limits and help are the contract's, which documents this form for /api/uploads.
    trip = StringField("Trip", validators=[Optional(), Length(max=shapes.TEXT_MAX)],
                       description=shapes.TRIP_HELP)
    photographer = StringField("Photographer", validators=[Optional(), Length(max=shapes.TEXT_MAX)])
    tags = TextAreaField("Tags", validators=[Optional(), Length(max=shapes.TAGS_MAX)],
                         description=shapes.TAGS_HELP)

    def validate_photos(self, field):
        if not sent_files(field.data):
            raise ValidationError("Choose at least one photo.")

    def validate_tags(self, field):
        # An unknown or malformed tag never refuses the batch: the photos go
        # in without it, and each outcome says so (the page checks the tags
        # before anything is sent: see /api/uploads/check).
        checked = tagging.check_specs(get_db(), tags.split_specs(field.data))
        self.tag_pairs = [(entry["facet"], entry["value"]) for entry in checked
                          if entry["status"] in ("known", "new")]
        self.not_applied = [not_applied_note(entry["spec"], entry["message"]) for entry in checked
                            if entry["status"] in ("unknown", "invalid")]


@bp.route("/upload", methods=["GET", "POST"])
@archivist_required
def upload_page():
    form = UploadForm()
    results = None
    status = 200
    if form.validate_on_submit():
        results = to_data(_results(ingest_uploads(form)))
    elif form.is_submitted():
        status = 400
    return render_template("upload/upload.html", form=form, results=results), status


@bp.get("/api/uploads/check")
@operation("checkUpload", (shapes.UploadCheck, "What the batch's fields would do"), query=UploadCheckQuery,
           who="archivist")
def check_api():
    """Check a batch's trip, photographer and tags before any file is sent

    An unknown set, subject or film is reported (POST /api/tags creates it); an upload never fails for one:
    its photos go in without it."""
    asked = query(UploadCheckQuery)
    db = get_db()
    trip = tags.canonical_trip(db, asked.trip)
    checked = tagging.check_specs(db, tags.split_specs(asked.tags)[:50])
    too_long = {name: f"at most {shapes.TEXT_MAX} characters" for name in ("trip", "photographer")
                if len(getattr(asked, name)) > shapes.TEXT_MAX}
    return shapes.UploadCheck(
        ok=not too_long and all(entry["status"] in ("known", "new") for entry in checked),
        trip=shapes.TripCheck(value=trip, known=bool(trip) and tags.find_tag(db, "trip", trip) is not None,
                              message=too_long.get("trip")),
        photographer=shapes.TextCheck(value=asked.photographer.strip(), message=too_long.get("photographer")),
        tags=tag_shapes.tag_checks(checked).results,
    )


@bp.post("/api/uploads")
@operation("uploadPhotos", (shapes.UploadResults, "One outcome per file"), form=shapes.UploadForm,
           errors={400: "The form is incomplete or invalid (with per-field messages)",
                   413: "The request is larger than the archive accepts"},
           who="archivist", write=True)
def upload_api():
    """Upload photos; each file is imported, found a duplicate or rejected"""
    form = UploadForm()
    if not form.validate_on_submit():
        fields = {name: messages for name, messages in form.errors.items()}
        raise Refused(_first_error(fields), fields)
    return _results(ingest_uploads(form))


def _results(outcomes):
    """The outcomes with what the upload page shows: thumbnails, each match's
    page and review screen, and how many suggestions the batch made."""
    here = links()
    rows = {r["id"]: r for r in photos.get_photos(get_db(), shapes.named_photos(outcomes))}
    made = sum(len(o.matches) for o in outcomes if o.status == "imported")
    return shapes.UploadResults(results=[shapes.outcome(o, here, rows) for o in outcomes],
                                new_suggestions=made, review_url=here.review())


def ingest_uploads(form):
    """Each uploaded file through the one pipeline; one bad file never stops the rest."""
    ingester = get_ingester()
    outcomes = []
    for upload in sent_files(form.photos.data):
        # The name is kept as text only; the bytes go to a temp file of ours.
        name = display_filename(upload.filename)
        temp = ingester.storage.temp_file()
        try:
            upload.save(temp)
            provenance = Provenance(
                original_filename=name,
                source="web",
                # A script posting only the files leaves these fields out (None).
                trip=(form.trip.data or "").strip(),
                photographer=(form.photographer.data or "").strip(),
                uploaded_by=current_username(),
            )
            outcome = ingester.ingest(temp, provenance, form.tag_pairs, display_path=name, owned=True)
            if outcome.status == "imported":
                outcome.warnings = [*outcome.warnings, *form.not_applied]
            outcomes.append(outcome)
        finally:
            # Gone already when it became the original, or was rejected.
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    return outcomes


def sent_files(items):
    """The files actually sent: a part without a file name arrives as plain
    text, and an empty file chooser as a file with no name."""
    return [f for f in items or [] if isinstance(f, FileStorage) and f.filename]


def display_filename(filename):
    """The sent file name as plain text to show: its last path part (a name like
    '../../x.jpg' says nothing about where the file goes), in NFC, without
    control characters."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:255] if name not in ("", ".", "..") else "upload"


def _first_error(errors):
    for name, messages in errors.items():
        if messages:
            return f"{name}: {messages[0]}"
    return "invalid form"
