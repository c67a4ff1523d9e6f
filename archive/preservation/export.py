"""Export photos and their metadata: as CSV, as JSON, and as a BagIt package.

One record per photo (photo_record) is the shape of all three, so a row of
the CSV, an object of the JSON and a bag's metadata.json say the same thing.
"""

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import bagit

from archive.catalogue import photos, tags
from archive.contract import exports
from archive.contract import shapes as contract
from archive.preservation import destination
from archive.search import engine as search
from archive.storage import Storage

FORMATS = ("bagit", "csv", "json")
# The one list of columns of every photo CSV the archive writes: an export
# (GET /api/export.csv, `export --format csv`, a bag's photos.csv and each
# metadata.csv) and a search's results (GET /api/search.csv, `search --csv`).
# The photo's columns come first, then its tags by facet (slugs joined by
# "; "), then what a researcher reading a search in a spreadsheet wants.
CSV_COLUMNS = (
    *photos.COLUMNS,
    *(f"tags_{facet}" for facet in tags.FACETS),
    "original_path",
    "permalink", "display_title", "set", "subject", "film", "place", "keyword", "taken", "camera",
)
CHUNK = 500
# A cell starting with one of these is run as a formula by spreadsheets
# (=HYPERLINK(...), +cmd, @SUM, a tab or CR before them): OWASP's advice is
# to lead such text with an apostrophe, which they show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(ValueError):
    """An export that cannot be made, with a message for the person who asked."""


def select_ids(db, ids=None, include_private=True):
    """The photos an export covers: every visible one (oldest first) when ids
    is None, else those of ids in id order. An unknown or hidden id is an
    error, not a silent gap in the export.

    A public export shows each stack of confirmed copies once, as the gallery
    does (its primary); an archivists' export keeps every copy."""
    if ids is None:
        if not include_private:
            return sorted(int(i) for i in search.search_ids(db, "", sort="oldest", include_private=False))
        return photos.all_ids(db, include_private)
    wanted = sorted(set(ids))
    found = photos.existing_ids(db, wanted, include_private)
    missing = [photo_id for photo_id in wanted if photo_id not in found]
    if missing:
        raise ExportError(f"no photo {missing[0]}")
    return wanted


def select_photos(db, ids=None, include_private=True):
    """Photo rows (each with its tags) of select_ids."""
    return photos.get_photos(db, select_ids(db, ids, include_private))


def photo_record(photo, original_path=None, include_gps=True):
    """A photo as plain data: its columns, its tags by facet, where its file is.

    include_gps: the record is for archivists. Exact GPS positions and the
    login names of archivists (uploaded_by) are theirs only; a record for
    anyone else has those fields empty."""
    record = {name: photo[name] for name in photos.COLUMNS}
    if not include_gps:
        record["gps_lat"] = record["gps_lon"] = None
        record["uploaded_by"] = None
    record["is_public"] = bool(photo["is_public"])
    record["warnings"] = photo["warnings"]
    record["tags"] = {
        facet: [{"slug": t["slug"], "label": t["label"]} for t in photo["tags"] if t["facet"] == facet]
        for facet in tags.FACETS
    }
    record["tags"] = {facet: values for facet, values in record["tags"].items() if values}
    if original_path is not None:
        record["original_path"] = original_path
    return record


def csv_row(record, links):
    slugs = {facet: "; ".join(t["slug"] for t in record["tags"].get(facet, [])) for facet in tags.FACETS}
    row = {name: record.get(name) for name in photos.COLUMNS}
    row.update({f"tags_{facet}": value for facet, value in slugs.items()})
    row.update({
        "is_public": int(record["is_public"]),
        "original_path": record.get("original_path"),
        "permalink": links.page(record["id"]),
        "display_title": photos.display_title(record),
        **{facet: slugs[facet] for facet in ("set", "subject", "film", "place", "keyword")},
        "taken": record["taken_at"],
        "camera": photos.camera_label(record),
    })
    return ["" if row[name] is None else spreadsheet_safe(row[name]) for name in CSV_COLUMNS]


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.
    Numbers stay numbers (a negative one is not text to escape)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(db, ids, links, include_gps=True):
    """The CSV of these photos, header first, a few hundred rows at a time
    (exports can be long), in the order of ids."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for start in range(0, len(ids), CHUNK):
        for photo in photos.get_photos(db, ids[start : start + CHUNK]):
            writer.writerow(csv_row(photo_record(photo, include_gps=include_gps), links))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def to_csv(records, links):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(record, links) for record in records)
    return buffer.getvalue()


def to_json(records):
    return contract.to_json(exports.export_list(records), indent=1)


def export_bagit(rows, data_dir, dest, links, bag_info=None, force=False, include_gps=True):
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
    if not rows:
        raise ExportError("no photos to export")
    storage = Storage(data_dir)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        records = []
        for photo in rows:
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
                contract.to_json(exports.ExportRecord.model_validate(record), indent=1), encoding="utf-8")
            (folder / "metadata.csv").write_text(to_csv([record], links), encoding="utf-8")
        (work / "photos.csv").write_text(to_csv(records, links), encoding="utf-8")
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
