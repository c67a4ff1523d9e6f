"""Export photos and their metadata: as CSV, as JSON, and as a BagIt package.

One record per photo (photo_record) is the shape of all three, so a row of
the CSV, an object of the JSON and a bag's metadata.json say the same thing.
"""

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import bagit

from archive.catalogue import tags
from archive.preservation import destination
from archive.search.results_csv import spreadsheet_safe
from archive.storage import Storage

FORMATS = ("bagit", "csv", "json")
# Facets become columns of the CSV: one cell per facet, values joined by "; ".
CSV_FACETS = tags.FACETS
CSV_FIELDS = (
    "id", "sha256", "original_filename", "format", "mime_type", "file_size", "width", "height",
    "title", "caption", "transcription", "rights", "taken_at", "camera_make", "camera_model",
    "lens", "exposure_time", "f_number", "iso", "focal_length", "gps_lat", "gps_lon",
    "trip", "photographer", "source", "uploaded_by", "uploaded_at", "is_public",
) + tuple(f"tags_{facet}" for facet in CSV_FACETS) + ("original_path",)


class ExportError(ValueError):
    """An export that cannot be made, with a message for the person who asked."""


def select_photos(db, ids=None, include_private=True):
    """Photo rows (each with its tags), by id, all of them when ids is None.

    An unknown or hidden id is an error, not a silent gap in the export."""
    if ids is None:
        where, params = ("" if include_private else " WHERE is_public = 1"), []
        rows = [dict(r) for r in db.query("SELECT * FROM photos" + where + " ORDER BY id", params)]
    else:
        wanted = sorted(set(ids))
        rows = []
        for photo_id in wanted:
            row = next(iter(db.query("SELECT * FROM photos WHERE id = ?", [photo_id])), None)
            if row is None or (not row["is_public"] and not include_private):
                raise ExportError(f"no photo {photo_id}")
            rows.append(dict(row))
    for row in rows:
        row["tags"] = tags.tags_of_photo(db, row["id"])
    return rows


def photo_record(photo, original_path=None, include_gps=True):
    """A photo as plain data: its columns, its tags by facet, where its file is.

    include_gps: the record is for archivists. Exact GPS positions and the
    login names of archivists (uploaded_by) are theirs only; a record for
    anyone else has those fields empty."""
    record = {name: photo[name] for name in CSV_FIELDS if name in photo}
    if not include_gps:
        record["gps_lat"] = record["gps_lon"] = None
        record["uploaded_by"] = None
    record["is_public"] = bool(photo["is_public"])
    warnings = photo.get("warnings", "[]")
    record["warnings"] = json.loads(warnings) if isinstance(warnings, str) else warnings
    record["tags"] = {
        facet: [{"slug": t["slug"], "label": t["label"]} for t in photo["tags"] if t["facet"] == facet]
        for facet in tags.FACETS
    }
    record["tags"] = {facet: values for facet, values in record["tags"].items() if values}
    if original_path is not None:
        record["original_path"] = original_path
    return record


def csv_row(record):
    row = {name: record.get(name) for name in CSV_FIELDS}
    row["is_public"] = int(record["is_public"])
    for facet in CSV_FACETS:
        row[f"tags_{facet}"] = "; ".join(t["slug"] for t in record["tags"].get(facet, []))
    return {name: "" if value is None else spreadsheet_safe(value) for name, value in row.items()}


def write_csv(records, out):
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))


def to_csv(records):
    out = io.StringIO()
    write_csv(records, out)
    return out.getvalue()


def to_json(records):
    return json.dumps({"photos": records, "count": len(records)}, ensure_ascii=False, indent=1)


def export_bagit(photos, data_dir, dest, bag_info=None, force=False, include_gps=True):
    """Write a BagIt bag at dest: each original with a metadata.json and a
    metadata.csv, an index of all photos as CSV and JSON, and SHA-256 and
    SHA-512 manifests. Built beside dest and renamed into place, so dest is
    either a whole, valid bag or absent (or the earlier bag it replaces).

    force replaces an earlier bag at dest; no other folder is ever replaced.
    include_gps: as for photo_record (False for a bag for the public)."""
    dest = Path(dest)
    try:
        destination.check(data_dir, dest, force, what="the bag")
    except destination.DestinationError as exc:
        raise ExportError(str(exc)) from None
    if dest.exists() and not (dest / "bagit.txt").is_file():
        raise ExportError(f"{dest} already exists and is not a bag; choose a new folder for the bag")
    if not dest.parent.is_dir():
        raise ExportError(f"{dest.parent} is not a folder")
    if not photos:
        raise ExportError("no photos to export")
    storage = Storage(data_dir)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        records = []
        for photo in photos:
            folder = work / "photos" / f"{photo['id']:06d}"
            folder.mkdir(parents=True)
            name = f"original.{photo['ext']}"
            source = storage.original_path(photo["sha256"], photo["ext"])
            if not source.exists():
                raise ExportError(f"the original of photo {photo['id']} is missing from the archive")
            shutil.copyfile(source, folder / name)
            record = photo_record(photo, original_path=f"data/photos/{photo['id']:06d}/{name}",
                                  include_gps=include_gps)
            records.append(record)
            (folder / "metadata.json").write_text(
                json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            (folder / "metadata.csv").write_text(to_csv([record]), encoding="utf-8")
        (work / "photos.csv").write_text(to_csv(records), encoding="utf-8")
        (work / "photos.json").write_text(to_json(records), encoding="utf-8")
        info = {
            "Source-Organization": "Backlot poster archive",
            "External-Description": "Photographs of posters, adverts and signs on the street sets "
                                    "of the Korean Art Film Studio, with their metadata.",
            "Payload-Notes": f"{len(records)} photos; data/photos.csv and data/photos.json index them.",
        }
        info.update(bag_info or {})
        bagit.make_bag(str(work), bag_info=info, checksums=["sha256", "sha512"])
        _put_in_place(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return records


def _put_in_place(work, dest):
    if not dest.exists():
        os.rename(work, dest)
        return
    # The earlier bag steps aside before the new one takes its name, and goes
    # only once the new one is there.
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
    os.rename(dest, old / "bag")
    os.rename(work, dest)
    shutil.rmtree(old, ignore_errors=True)
