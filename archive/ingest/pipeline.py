"""The one ingest pipeline, shared by the web upload and the CLI import.

file -> validate -> sha256 -> exact duplicate? -> metadata -> one reduced
decode -> hashes + derivatives -> original stored -> one transaction.

The decode is the first time the file's pixels are touched, and the file
may be hostile: it runs in a child process under a memory and CPU budget
worked out from the header (see first_decode.py), never in the server or
the import command itself.

It runs in two phases so a bulk import can spread the first over worker
processes while one writer does the second (see bulk.py):

- prepare: everything that touches only files (hashing, decoding, writing the
  content-addressed original and derivatives). Safe to run anywhere, any
  number of times: the files are named by their content.
- commit: the database transaction that makes the photo visible.

A photo becomes visible only when its transaction commits; if the commit
fails, the files this import created are cleared away again (forget), but
only under the write lock and only while no photo has those bytes: another
process may have committed, or be about to commit, a photo of the same bytes
that found our original already in place. So the original goes to the trash
rather than away, and a commit that finds its original gone takes it back
from there before it inserts the row.
"""

import contextlib
import functools
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive import clock, threads
from archive import config as archive_config
from archive.catalogue import settings, tags
from archive.db import write_transaction
from archive.dedup import lookup as dedup
from archive.dedup.pictures import Pictures
from archive.imaging import bounded, first_decode, pyramid
from archive.imaging import decoding as imaging
from archive.ingest.metadata import Metadata, read_metadata
from archive.storage import Storage, move_to_trash, sha256_of_file, take_back, temp_file_is_dead, write_atomically
from archive.transcription import queue as transcription_queue

SOURCES = ("web", "cli")


@dataclass
class Provenance:
    original_filename: str
    source: str
    trip: str = ""
    photographer: str = ""
    uploaded_by: str = ""

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")


@dataclass
class Outcome:
    """What happened to one file; its JSON form is the CLI's --json line."""

    path: str
    status: str  # imported | duplicate | rejected
    photo_id: int | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    warnings: list = field(default_factory=list)
    matches: list = field(default_factory=list)

    def to_json(self):
        return asdict(self)

    @classmethod
    def duplicate(cls, path, photo_id):
        return cls(path=path, status="duplicate", duplicate_of=photo_id,
                   reason=f"the same file is already photo {photo_id}")


@dataclass
class Prepared:
    """A file whose original and derivatives are on disk, ready to commit.

    Small and picklable: it crosses from a worker process to the writer."""

    path: str
    sha256: str
    file_size: int
    format: str
    ext: str
    mime_type: str
    width: int
    height: int
    orientation: int
    phash: int
    dhash: int
    display_edge: int
    metadata: Metadata  # EXIF values, IPTC/XMP descriptive fields, warnings
    fingerprint: object  # archive.fingerprint.Fingerprint, for near-duplicates
    created_files: list  # what this prepare wrote, removed if the commit fails


_DEFAULTS = archive_config.defaults()


class FileWork:
    """The file phase of the pipeline; needs no database connection."""

    def __init__(self, data_dir, max_file_bytes, max_image_pixels,
                 decode_max_bytes=_DEFAULTS["DECODE_MAX_BYTES"], pyramid_pixels=_DEFAULTS["PYRAMID_PIXELS"]):
        self.storage = Storage(data_dir)
        self.max_file_bytes = max_file_bytes
        self.max_image_pixels = max_image_pixels
        self.decode_max_bytes = decode_max_bytes
        self.pyramid_pixels = pyramid_pixels

    @classmethod
    def from_config(cls, config):
        return cls(config["DATA_DIR"], config["MAX_FILE_BYTES"], config["MAX_IMAGE_PIXELS"],
                   config.get("DECODE_MAX_BYTES", _DEFAULTS["DECODE_MAX_BYTES"]),
                   config.get("PYRAMID_PIXELS", _DEFAULTS["PYRAMID_PIXELS"]))

    @property
    def settings(self):
        """What a worker process needs to make its own FileWork."""
        return (str(self.storage.root), self.max_file_bytes, self.max_image_pixels,
                self.decode_max_bytes, self.pyramid_pixels)

    def prepare(self, path, shown, existing_photo=lambda sha256: None, owned=False):
        """A Prepared, or an Outcome when the file is a duplicate or rejected.

        existing_photo(sha256) returns the id of a photo with those bytes, so
        a known file costs one read and a hash, not a decode. owned: path is
        a temp file of the archive's own (a web upload under tmp/), which
        becomes the original itself instead of being copied."""
        path = Path(path)
        try:
            size = self.checked_size(path)
            sha256 = sha256_of_file(path)
            known = existing_photo(sha256)
            if known is not None:
                return Outcome.duplicate(shown, known)
            # A file refused by its header is never copied. Even headers are
            # read in the bounded child: Pillow makes a WebP's canvas on open.
            header = bounded.run(first_decode.screen, str(path), self.max_image_pixels)
        except imaging.RejectedImage as exc:
            return Outcome(path=shown, status="rejected", reason=str(exc))
        # The original is copied and flushed to the disk on another thread
        # while the image is decoded: the flush waits on the disk, the decode
        # on the CPU, and an import spends no time waiting on both in turn.
        stage = self.storage.stage_in_place if owned else self.storage.stage_copy
        staging = threads.pool("staging").submit(stage, path)
        pyramid_target = self.storage.derivative_path(sha256, pyramid.NAME)
        try:
            metadata = read_metadata(path)
            analysis, wrote_pyramid = self.decode(path, pyramid_target, header)
        except imaging.RejectedImage as exc:
            _discard(staging)
            return Outcome(path=shown, status="rejected", reason=str(exc))
        except BaseException:
            _discard(staging)
            raise
        created = [str(pyramid_target)] if wrote_pyramid else []
        try:
            original, was_created = self.storage.place_original(staging.result(), sha256, analysis.ext)
            if was_created:
                created.append(str(original))
            for name, data in analysis.derivatives.items():
                target = self.storage.derivative_path(sha256, name)
                if not target.exists():
                    write_atomically(target, lambda out, data=data: out.write(data), durable=False)
                    created.append(str(target))
        except BaseException:
            remove_files(created)
            raise
        return Prepared(
            path=shown,
            sha256=sha256,
            file_size=size,
            format=analysis.format,
            ext=analysis.ext,
            mime_type=analysis.mime_type,
            width=analysis.width,
            height=analysis.height,
            orientation=analysis.orientation,
            phash=analysis.phash,
            dhash=analysis.dhash,
            display_edge=analysis.display_edge,
            metadata=metadata,
            fingerprint=analysis.fingerprint,
            created_files=created,
        )

    def decode(self, path, pyramid_target, header=None):
        """(Analysis, whether the pyramid was written) from the bounded child."""
        try:
            return bounded.run(first_decode.analyse, str(path), self.max_image_pixels,
                               self.decode_max_bytes, str(pyramid_target), self.pyramid_pixels, header)
        except (bounded.OverBudget, bounded.ChildFailed):
            # A child stopped while writing leaves its temp file: not ours to keep.
            for stray in pyramid_target.parent.glob(".tmp-*"):
                if temp_file_is_dead(stray):
                    stray.unlink(missing_ok=True)
            raise

    def checked_size(self, path):
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise imaging.RejectedImage("no such file") from None
        if not path.is_file():
            raise imaging.RejectedImage("not a regular file")
        if size == 0:
            raise imaging.RejectedImage("the file is empty")
        if size > self.max_file_bytes:
            raise imaging.RejectedImage(
                f"the file is {size / 1e6:.1f} MB; the limit is {self.max_file_bytes / 1e6:.0f} MB"
            )
        return size


class Ingester:
    """Imports files into one archive: the file phase and the database phase."""

    def __init__(self, db, file_work, default_public=True):
        self.db = db
        self.files = file_work
        self.default_public = default_public  # used when no admin has chosen

    @classmethod
    def from_config(cls, db, config):
        return cls(db, FileWork.from_config(config), default_public=config.get("DEFAULT_PUBLIC", True))

    @property
    def storage(self):
        return self.files.storage

    @functools.cached_property
    def pictures(self):
        """Thumbnails for the matcher's detail check, a few kept between photos."""
        return Pictures(self.storage)

    def ingest(self, path, provenance, tag_pairs=(), display_path=None, owned=False):
        """Import one file. Never raises for a bad file: that is a 'rejected' outcome.

        owned: see FileWork.prepare."""
        shown = display_path or str(path)
        prepared = self.files.prepare(path, shown, self.photo_with_sha, owned=owned)
        if isinstance(prepared, Outcome):
            return prepared
        return self.commit(prepared, provenance, tag_pairs)

    def commit(self, prepared, provenance, tag_pairs=()):
        """The one transaction that makes a prepared file a visible photo."""
        try:
            with write_transaction(self.db):
                # Checked again under the write lock: the same bytes may have
                # arrived from another upload, or earlier in this batch.
                known = self.photo_with_sha(prepared.sha256)
                if known is not None:
                    return Outcome.duplicate(prepared.path, known)
                if not self._original_in_place(prepared):
                    return Outcome(path=prepared.path, status="rejected",
                                   reason="the stored copy went away while it was imported; import it again")
                photo_id, matches, not_applied = self._insert(prepared, provenance, tag_pairs)
        except sqlite3.IntegrityError:
            # Another process committed the same bytes between our check and
            # our insert; the files are shared with that photo now.
            known = self.photo_with_sha(prepared.sha256)
            if known is None:
                self.forget(prepared)
                raise
            return Outcome.duplicate(prepared.path, known)
        except BaseException:
            self.forget(prepared)
            raise
        return Outcome(path=prepared.path, status="imported", photo_id=photo_id,
                       warnings=prepared.metadata.warnings + not_applied, matches=matches)

    def _original_in_place(self, prepared):
        """Called under the write lock: the original this row will name is
        there, or is taken back from the trash (another import's clean-up,
        or a deletion, moved it there after our prepare found it)."""
        if self.storage.original_path(prepared.sha256, prepared.ext).exists():
            return True
        return take_back(self.storage, prepared.sha256, prepared.ext)

    def forget(self, prepared):
        """Clear away the files of a prepared photo that will not be committed.

        Under the write lock, so no commit of the same bytes can come between
        the check and the removal; and only while no photo has those bytes.
        The original goes to the trash, where a commit that relied on it
        finds it again. If the lock cannot be had (the failure may be that
        very lock), the files stay: orphans that `verify --repair` quarantines."""
        try:
            with write_transaction(self.db):
                if self.photo_with_sha(prepared.sha256) is not None:
                    return
                original = str(self.storage.original_path(prepared.sha256, prepared.ext))
                if original in prepared.created_files:
                    move_to_trash(self.storage, prepared.sha256, prepared.ext)
                remove_files(p for p in prepared.created_files if p != original)
        except sqlite3.Error:
            pass

    def photo_with_sha(self, sha256):
        row = next(iter(self.db.query("SELECT id FROM photos WHERE sha256 = ?", [sha256])), None)
        return row["id"] if row else None

    def _insert(self, prepared, provenance, tag_pairs):
        trip = tags.canonical_trip(self.db, provenance.trip)
        row = {
            "sha256": prepared.sha256,
            "ext": prepared.ext,
            "format": prepared.format,
            "mime_type": prepared.mime_type,
            "file_size": prepared.file_size,
            "width": prepared.width,
            "height": prepared.height,
            "phash": prepared.phash,
            "dhash": prepared.dhash,
            "display_edge": prepared.display_edge,
            **prepared.metadata.values,
            **prepared.metadata.descriptive_columns(),
            "orientation": prepared.orientation,
            "original_filename": provenance.original_filename,
            "trip": trip,
            # The creator the file names, unless the import said who.
            "photographer": provenance.photographer or prepared.metadata.descriptive.photographer,
            "source": provenance.source,
            "uploaded_by": provenance.uploaded_by,
            "uploaded_at": clock.now_iso(),
            "warnings": json.dumps(prepared.metadata.warnings, ensure_ascii=False),
            "is_public": int(settings.default_public(self.db, self.default_public)),
        }
        photo_id = self.db["photos"].insert(row).last_pk
        # Read later by a transcription worker, never on the import's path.
        transcription_queue.enqueue(self.db, photo_id)
        # A tag that names nothing in the vocabulary never costs the photo:
        # it goes in without that tag, and the outcome says so.
        tag_ids, not_applied = [], []
        for facet, value in tag_pairs:
            try:
                tag_ids.append(tags.resolve_tag(self.db, facet, value))
            except tags.UnknownTag as exc:
                not_applied.append(not_applied_note(f"{facet}:{value}", str(exc)))
        if trip:
            tag_ids.append(tags.resolve_tag(self.db, "trip", trip))
        tag_ids += [tags.resolve_tag(self.db, "keyword", word)
                    for word in prepared.metadata.descriptive.keywords if tags.slugify(word)]
        tags.tag_photo(self.db, photo_id, tag_ids, added_by=provenance.uploaded_by)
        matches = dedup.record_new_photo(self.db, photo_id, prepared.fingerprint,
                                         pictures=self.pictures, sha256=prepared.sha256)
        return photo_id, matches, not_applied


def not_applied_note(spec, reason):
    """What an outcome says of a tag it could not apply."""
    return f"tag {spec} was not applied ({reason}); an archivist can create it under Tags, then add it"


def _discard(staging):
    """Wait for a staged copy that will not be kept, and remove it."""
    with contextlib.suppress(Exception):
        os.unlink(staging.result())


def remove_files(paths):
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
