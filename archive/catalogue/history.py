"""The edit history of any record: who changed which field, when, from what
to what, and undoing a change.

One mechanism for every kind of record (photos now, posters next). Its
tables come from migration 0070_curation:

    edit_changes  one row per save: record_type, action, username, at, and
                  `reverts`, the change a revert undid
    edit_entries  one row per field of one record a save changed: change_id,
                  record_type, record_id, field, before and after (JSON),
                  and `reverted_by`, the change that undid it

A save is one change however many fields and records it touches (a form,
a PATCH, a bulk edit of 300 photos), so it can be undone as a whole or for
one record.

A kind of record joins by describing itself as a `Kind`: its name, how to
read the current values of its editable fields, and how to write new ones
(which validates them and records the change here through `record`). A
revert is a write like any other, of the values before, so it passes the
same checks and is itself a change in the history, which can be reverted
in turn. A revert refuses to overwrite a field someone changed since:
that later change must be reverted first.

    kind = history.Kind("poster", read=posters.editable_values, write=posters.edit)
    change_id = history.record(db, "poster", [(poster_id, "title", old, new)], username, action="edit")
    history.changes(db, "poster", poster_id)       # newest first, with their entries
    history.revert(db, kind, change_id, username)  # every record of the change, or record_id=...

Nothing here knows what the fields mean; values are stored as JSON, so
null, text, numbers and booleans come back as they went in.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from archive.clock import now_iso
from archive.db import one, write_transaction


class HistoryError(ValueError):
    """A change that cannot be undone; the message says why."""


@dataclass(frozen=True)
class Kind:
    """A kind of record with an edit history.

    read(db, record_id) -> {field: value} of its editable fields, or None
    when there is no such record. write(db, record_id, values, username,
    reverting=None, change_id=None) validates and stores values, records
    them with record(..., action="revert" if reverting else ..., reverts=
    reverting, change_id=change_id) and returns that change's id."""

    name: str
    read: Callable
    write: Callable
    labels: dict | None = None  # field -> what a person calls it, for messages


def record(db, record_type, entries, username="", action="edit", reverts=None, change_id=None):
    """Keep one change: entries are (record_id, field, before, after); those
    whose value did not change are left out. Returns the change's id, or
    None when nothing changed. With change_id, the entries join that change
    (a save that writes its records one at a time stays one change). Call
    inside the transaction that wrote the values."""
    entries = [entry for entry in entries if _dump(entry[2]) != _dump(entry[3])]
    if not entries:
        return change_id
    with write_transaction(db):
        if change_id is None:
            change_id = db.execute(
                "INSERT INTO edit_changes (record_type, action, username, at, reverts) VALUES (?, ?, ?, ?, ?)",
                [record_type, action, username or "", now_iso(), reverts]).lastrowid
        db.conn.executemany(
            "INSERT INTO edit_entries (change_id, record_type, record_id, field, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(change_id, record_type, record_id, field, _dump(before), _dump(after))
             for record_id, field, before, after in entries])
    return change_id


def changes(db, record_type, record_id, limit=50):
    """The latest changes to one record, newest first: each change's row with
    "entries", the fields it changed on this record ({"id", "field",
    "before", "after", "reverted_by"})."""
    rows = [dict(row) for row in db.query(
        "SELECT DISTINCT change_id FROM edit_entries WHERE record_type = ? AND record_id = ?"
        " ORDER BY change_id DESC LIMIT ?", [record_type, record_id, limit])]
    found = []
    for row in rows:
        change = get_change(db, row["change_id"], record_id=record_id)
        if change is not None:
            found.append(change)
    return found


def get_change(db, change_id, record_id=None):
    """One change with its entries (only those of record_id when given), or None."""
    if not 0 < change_id < 2**63:
        return None
    change = one(db, "SELECT * FROM edit_changes WHERE id = ?", [change_id])
    if change is None:
        return None
    sql = "SELECT id, record_id, field, before, after, reverted_by FROM edit_entries WHERE change_id = ?"
    params = [change_id]
    if record_id is not None:
        sql += " AND record_id = ?"
        params.append(record_id)
    change["entries"] = [_loaded(row) for row in db.query(sql + " ORDER BY record_id, id", params)]
    change["record_ids"] = sorted({entry["record_id"] for entry in change["entries"]})
    change["reverted"] = bool(change["entries"]) and all(e["reverted_by"] for e in change["entries"])
    return change


def revert(db, kind, change_id, username="", record_id=None):
    """Undo a change (for one record of it, or all): each field goes back to
    its value before, through kind.write, as a new change. Returns the new
    change's id. Refused, changing nothing, when the change is of another
    kind, already undone, or a field was changed again since."""
    with write_transaction(db):
        change = get_change(db, change_id, record_id=record_id)
        if change is None or change["record_type"] != kind.name or not change["entries"]:
            what = f"photo {record_id}" if record_id is not None else kind.name
            raise HistoryError(f"no change {change_id} to {what}")
        waiting = [entry for entry in change["entries"] if not entry["reverted_by"]]
        if not waiting:
            raise HistoryError(f"change {change_id} was already reverted")
        by_record = {}
        for entry in waiting:
            by_record.setdefault(entry["record_id"], []).append(entry)
        plans = []
        for target, entries in by_record.items():
            current = kind.read(db, target)
            if current is None:
                continue  # the record is gone: nothing left to put back
            for entry in entries:
                if _dump(current.get(entry["field"])) != _dump(entry["after"]):
                    later = _later_change(db, kind.name, target, entry["field"], change_id)
                    name = (kind.labels or {}).get(entry["field"], entry["field"])
                    raise HistoryError(
                        f"the {name} of {kind.name} {target} was changed again since"
                        + (f" (change {later['id']}" + (f" by {later['username']}" if later["username"] else "")
                           + "); revert that change first" if later else ""))
            plans.append((target, {entry["field"]: entry["before"] for entry in entries}, entries))
        if not plans:
            raise HistoryError(f"the records of change {change_id} no longer exist")
        new_change = None
        for target, values, entries in plans:
            made = kind.write(db, target, values, username, reverting=change_id, change_id=new_change)
            new_change = new_change or made
            db.execute(
                f"UPDATE edit_entries SET reverted_by = ? WHERE id IN ({','.join('?' * len(entries))})",
                [new_change, *[entry["id"] for entry in entries]])
    return new_change


def _later_change(db, record_type, record_id, field, change_id):
    return one(db, "SELECT c.* FROM edit_entries e JOIN edit_changes c ON c.id = e.change_id"
                   " WHERE e.record_type = ? AND e.record_id = ? AND e.field = ? AND e.change_id > ?"
                   " ORDER BY e.change_id DESC LIMIT 1", [record_type, record_id, field, change_id])


def _dump(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _loaded(row):
    row = dict(row)
    row["before"] = json.loads(row["before"]) if row["before"] is not None else None
    row["after"] = json.loads(row["after"]) if row["after"] is not None else None
    return row
