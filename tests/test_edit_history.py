"""The edit history is one mechanism for any kind of record: a kind written
here, as poster records will be, keeps its changes and reverts them
without the history knowing what its fields mean."""

import pytest

from archive.catalogue import history
from archive.db import write_transaction


@pytest.fixture
def notes(db):
    """A kind of record of the test's own: notes with a text and a number."""
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, pages INTEGER)")
    db.execute("INSERT INTO notes (id, text, pages) VALUES (1, 'draft', NULL), (2, 'other', 3)")

    def read(db, note_id):
        found = db.execute("SELECT text, pages FROM notes WHERE id = ?", [note_id]).fetchone()
        return None if found is None else {"text": found[0], "pages": found[1]}

    def write(db, note_id, values, username, reverting=None, change_id=None):
        if "pages" in values and values["pages"] is not None and values["pages"] < 0:
            raise ValueError("pages cannot be negative")
        with write_transaction(db):
            before = read(db, note_id)
            for field, value in values.items():  # names from this kind's own list only
                db.execute(f"UPDATE notes SET {field} = ? WHERE id = ?", [value, note_id])
            return history.record(db, "note", [(note_id, f, before[f], v) for f, v in values.items()], username,
                                  action="revert" if reverting else "edit", reverts=reverting, change_id=change_id)

    return history.Kind("note", read=read, write=write, labels={"text": "text", "pages": "number of pages"})


def test_a_change_keeps_who_when_and_each_field_before_and_after(db, notes):
    change_id = notes.write(db, 1, {"text": "final", "pages": 12}, "kim")
    [change] = history.changes(db, "note", 1)
    assert (change["id"], change["username"], change["action"], change["record_type"]) == (change_id, "kim", "edit", "note")
    assert [(e["field"], e["before"], e["after"]) for e in change["entries"]] == [("text", "draft", "final"),
                                                                                 ("pages", None, 12)]
    assert history.changes(db, "note", 2) == [] and history.changes(db, "photo", 1) == []


def test_values_that_did_not_change_are_not_kept(db, notes):
    assert notes.write(db, 1, {"text": "draft"}, "kim") is None
    assert db["edit_changes"].count == 0


def test_one_change_over_many_records_reverts_for_one_or_all(db, notes):
    first = notes.write(db, 1, {"pages": 5}, "kim")
    notes.write(db, 2, {"pages": 5}, "kim", change_id=first)
    assert history.get_change(db, first)["record_ids"] == [1, 2]
    history.revert(db, notes, first, "lee", record_id=2)
    assert [notes.read(db, i)["pages"] for i in (1, 2)] == [5, 3]
    revert = history.revert(db, notes, first, "lee")
    assert [notes.read(db, i)["pages"] for i in (1, 2)] == [None, 3]
    assert history.get_change(db, first)["reverted"] and history.get_change(db, revert)["reverts"] == first


def test_a_revert_never_overwrites_a_later_change(db, notes):
    first = notes.write(db, 1, {"text": "one"}, "kim")
    notes.write(db, 1, {"text": "two"}, "lee")
    with pytest.raises(history.HistoryError, match="text of note 1 was changed again since .* by lee"):
        history.revert(db, notes, first, "kim")
    assert notes.read(db, 1)["text"] == "two"


def test_a_refused_write_leaves_the_change_unreverted(db, notes):
    db.execute("UPDATE notes SET pages = -4 WHERE id = 1")
    change = history.record(db, "note", [(1, "pages", -4, 2)], "kim")
    db.execute("UPDATE notes SET pages = 2 WHERE id = 1")
    with pytest.raises(ValueError, match="negative"):
        history.revert(db, notes, change, "kim")
    assert not history.get_change(db, change)["reverted"] and notes.read(db, 1)["pages"] == 2


def test_unknown_and_foreign_changes_are_refused(db, notes):
    with pytest.raises(history.HistoryError, match="no change 99"):
        history.revert(db, notes, 99, "kim")
    other = history.record(db, "photo", [(1, "title", "", "x")], "kim")
    with pytest.raises(history.HistoryError, match=f"no change {other}"):
        history.revert(db, notes, other, "kim")
