"""Search results as CSV for researchers: one row per photo."""

import csv
import io

from archive.catalogue import photos
from archive.search.engine import rows_for

TAG_COLUMNS = ("set", "subject", "film", "trip", "place", "keyword")
# A cell starting with one of these is run as a formula by spreadsheets
# (=HYPERLINK(...), +cmd, @SUM, a tab or CR before them): OWASP's advice is
# to lead such text with an apostrophe, which they show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("id", "permalink", "title", *TAG_COLUMNS, "taken", "camera", "sha256")
CHUNK = 500


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.
    Numbers stay numbers (a negative one is not text to escape)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(db, ids, permalink):
    """CSV text, header first, a few hundred rows at a time (exports can be long).

    permalink(photo_id) gives each photo's stable address."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for start in range(0, len(ids), CHUNK):
        for row in rows_for(db, ids[start : start + CHUNK]):
            writer.writerow([spreadsheet_safe(cell) for cell in (
                row["id"], permalink(row["id"]), photos.display_title(row),
                *("; ".join(t["slug"] for t in row["tags"].get(facet, [])) for facet in TAG_COLUMNS),
                row["taken_at"] or "", photos.camera_label(row) or "", row["sha256"],
            )])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
