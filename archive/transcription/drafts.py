"""Drafts on record: what an engine read on a photo, saved, shown and searched.

A photo has at most one draft per engine; reading it again replaces that
draft whole. The archivist's own transcription (photos.transcription) is a
different thing and never touched here. Saving writes the photo's id to the
search change log (through the triggers of migration 0050), so search sees
a new draft on its next query.
"""

import json
from dataclasses import dataclass, field

from archive import clock
from archive.db import write_transaction


@dataclass
class Draft:
    """What one reading of one photo found, in the photo's full upright pixels."""

    engine: str
    version: str
    lines: list = field(default_factory=list)  # reader.Line
    cpu_seconds: float = 0.0


def save(db, photo_id, draft):
    """Store the draft, replacing this engine's earlier one; returns its id.
    Raises LookupError when the photo is gone (deleted while it was read)."""
    with write_transaction(db):
        if db.execute("SELECT 1 FROM photos WHERE id = ?", [photo_id]).fetchone() is None:
            raise LookupError(f"no photo {photo_id}")
        db.execute("DELETE FROM transcription_drafts WHERE photo_id = ? AND engine = ?", [photo_id, draft.engine])
        draft_id = db.execute(
            "INSERT INTO transcription_drafts (photo_id, engine, version, made_at, cpu_seconds)"
            " VALUES (?, ?, ?, ?, ?)",
            [photo_id, draft.engine, draft.version, clock.now_iso(), round(draft.cpu_seconds, 3)]).lastrowid
        db.conn.executemany(
            "INSERT INTO transcription_lines (draft_id, position, text, confidence, reader, vertical, box,"
            " alternatives) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(draft_id, position, line.readings[0].text, round(line.readings[0].confidence, 3),
              line.readings[0].reader, int(line.vertical), json.dumps(line.box),
              json.dumps([r.to_json() for r in line.readings[1:]], ensure_ascii=False))
             for position, line in enumerate(draft.lines)])
    return draft_id


def for_photo(db, photo_id):
    """The photo's drafts as JSON-ready dicts, newest first, each with its lines."""
    drafts = [dict(zip(("id", "engine", "version", "made_at", "cpu_seconds"), row)) for row in db.execute(
        "SELECT id, engine, version, made_at, cpu_seconds FROM transcription_drafts WHERE photo_id = ?"
        " ORDER BY made_at DESC, id DESC", [photo_id])]
    for draft in drafts:
        draft["lines"] = [_line_json(row) for row in db.execute(
            "SELECT text, confidence, reader, vertical, box, alternatives FROM transcription_lines"
            " WHERE draft_id = ? ORDER BY position", [draft["id"]])]
        draft["text"] = "\n".join(line["text"] for line in draft["lines"])
    return drafts


def _line_json(row):
    text, confidence, reader, vertical, box, alternatives = row
    box = json.loads(box)
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    x, y = min(xs), min(ys)
    return {
        "text": text,
        "confidence": confidence,
        "reader": reader,
        "vertical": bool(vertical),
        "box": box,
        # The box's upright bounds, as IIIF's xywh fragments want them.
        "x": round(x), "y": round(y), "w": round(max(xs) - x), "h": round(max(ys) - y),
        "alternatives": json.loads(alternatives),
    }


def search_text(db, photo_ids):
    """{photo_id: every line's readings as one text} for the full-text row:
    the reading believed and the others kept, so a word is found whichever
    reading got it right."""
    photo_ids = [int(i) for i in photo_ids]
    texts = {}
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for photo_id, text, alternatives in db.execute(
            "SELECT d.photo_id, l.text, l.alternatives FROM transcription_lines l"
            " JOIN transcription_drafts d ON d.id = l.draft_id"
            f" WHERE d.photo_id IN ({marks}) ORDER BY d.photo_id, d.id, l.position", chunk):
            words = [text] + [a["text"] for a in json.loads(alternatives)]
            texts.setdefault(photo_id, []).append(" ; ".join(words))
    return {photo_id: " ; ".join(lines) for photo_id, lines in texts.items()}

