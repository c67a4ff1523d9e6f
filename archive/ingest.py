"""The one ingest pipeline, shared by the web upload and the CLI import.

file -> validate -> sha256 -> exact duplicate? -> metadata -> one reduced
decode -> hashes + derivatives -> original stored -> one transaction.

A photo becomes visible only when its transaction commits; if anything fails
before that, the files this call wrote are removed again.
"""

import contextlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive import dedup, imaging, tags
from archive.db import write_transaction
from archive.metadata import read_metadata
from archive.storage import Storage, sha256_of_file, write_atomically

SOURCES = ("web", "cli")


@dataclass
class Provenance:
    original_filename: str
    source: str
    trip: str = ""
    photographer: str = ""
    uploaded_by: str = ""


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


class Ingester:
    """Imports files into one archive; holds what every file of a batch shares."""

    def __init__(self, db, data_dir, max_file_bytes, max_image_pixels):
        self.db = db
        self.storage = Storage(data_dir)
        self.max_file_bytes = max_file_bytes
        self.max_image_pixels = max_image_pixels

    @classmethod
    def from_config(cls, db, config):
        return cls(db, config["DATA_DIR"], config["MAX_FILE_BYTES"], config["MAX_IMAGE_PIXELS"])

    def ingest(self, path, provenance, tag_pairs=(), display_path=None):
        """Import one file. Never raises for a bad file: that is a 'rejected' outcome."""
        shown = display_path or str(path)
        try:
            return self._ingest(Path(path), provenance, tag_pairs, shown)
        except imaging.RejectedImage as exc:
            return Outcome(path=shown, status="rejected", reason=str(exc))
        except tags.UnknownTag as exc:
            return Outcome(path=shown, status="rejected", reason=str(exc))

    def _ingest(self, path, provenance, tag_pairs, shown):
        if provenance.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        size = self._checked_size(path)
        sha256 = sha256_of_file(path)
        existing = self._photo_with_sha(sha256)
        if existing is not None:
            return Outcome(path=shown, status="duplicate", duplicate_of=existing,
                           reason=f"the same file is already photo {existing}")
        metadata = read_metadata(path)
        analysis = imaging.analyse(path, self.max_image_pixels)

        written = []
        try:
            original, created = self.storage.store_original(path, sha256, analysis.ext)
            if created:
                written.append(original)
            for name, data in analysis.derivatives.items():
                target = self.storage.derivative_path(sha256, name)
                if not target.exists():
                    write_atomically(target, lambda out, data=data: out.write(data))
                    written.append(target)
            photo_id, matches = self._insert(sha256, size, analysis, metadata, provenance, tag_pairs)
        except sqlite3.IntegrityError:
            # Another upload of the same bytes committed first: the files are
            # theirs now as much as ours, so nothing is removed.
            existing = self._photo_with_sha(sha256)
            if existing is None:
                _remove_all(written)
                raise
            return Outcome(path=shown, status="duplicate", duplicate_of=existing,
                           reason=f"the same file is already photo {existing}")
        except BaseException:
            _remove_all(written)
            raise
        return Outcome(path=shown, status="imported", photo_id=photo_id, warnings=metadata.warnings,
                       matches=matches)

    def _checked_size(self, path):
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

    def _photo_with_sha(self, sha256):
        row = next(iter(self.db.query("SELECT id FROM photos WHERE sha256 = ?", [sha256])), None)
        return row["id"] if row else None

    def _insert(self, sha256, size, analysis, metadata, provenance, tag_pairs):
        with write_transaction(self.db):
            row = {
                "sha256": sha256,
                "ext": analysis.ext,
                "format": analysis.format,
                "mime_type": analysis.mime_type,
                "file_size": size,
                "width": analysis.width,
                "height": analysis.height,
                "phash": analysis.phash,
                "dhash": analysis.dhash,
                **metadata.values,
                "orientation": analysis.orientation,
                "original_filename": provenance.original_filename,
                "trip": provenance.trip,
                "photographer": provenance.photographer,
                "source": provenance.source,
                "uploaded_by": provenance.uploaded_by,
                "uploaded_at": tags.now_iso(),
                "warnings": json.dumps(metadata.warnings, ensure_ascii=False),
            }
            photo_id = self.db["photos"].insert(row).last_pk
            tag_ids = [tags.resolve_tag(self.db, facet, value) for facet, value in tag_pairs]
            if provenance.trip:
                tag_ids.append(tags.resolve_tag(self.db, "trip", provenance.trip))
            tags.tag_photo(self.db, photo_id, tag_ids, added_by=provenance.uploaded_by)
            matches = dedup.record_new_photo(self.db, photo_id, analysis.fingerprint)
        return photo_id, matches


# Inside folders only files with these endings are taken, so the README,
# sidecars and contact sheets beside the photos are not reported as rejected.
# A file named on its own is always tried: its content decides, not its name.
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif"}


@dataclass
class Walk:
    files: list
    skipped: list


def walk(paths):
    """The files to import under the given paths, folders recursively, in a
    stable order. Hidden files (.DS_Store, ._ resource forks) are left out."""
    result = Walk(files=[], skipped=[])
    for path in map(Path, paths):
        if not path.is_dir():
            result.files.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                target = result.files if Path(name).suffix.lower() in IMAGE_SUFFIXES else result.skipped
                target.append(Path(root) / name)
    return result


def _remove_all(paths):
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
