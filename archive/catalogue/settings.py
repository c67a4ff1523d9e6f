"""Archive-wide settings kept in SQLite, publishing, and trips opened to visitors.

A setting stored in the database wins over the configuration (ARCHIVE_*), so
an admin can change it from the web without restarting anything.
"""

import json

from archive.catalogue import history
from archive.clock import now_iso
from archive.db import write_transaction

DEFAULT_PUBLIC = "default_public"


class SettingError(ValueError):
    """A setting or publishing request that cannot be done, with a message."""


def get_setting(db, key, fallback=None):
    row = next(iter(db.query("SELECT value FROM settings WHERE key = ?", [key])), None)
    return row["value"] if row else fallback


def set_setting(db, key, value):
    with write_transaction(db):
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, str(value)],
        )


def default_public(db, fallback=True):
    """Whether a newly imported photo is public: the admin's choice, else the config's."""
    value = get_setting(db, DEFAULT_PUBLIC)
    return bool(fallback) if value is None else value == "1"


def set_default_public(db, public):
    set_setting(db, DEFAULT_PUBLIC, "1" if public else "0")


def parse_bool(text):
    """'yes'/'no' and the usual spellings, for the environment and the CLI."""
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on", "public"):
        return True
    if value in ("0", "false", "no", "off", "private"):
        return False
    raise SettingError(f"expected yes or no, not {text!r}")


# -- publishing -------------------------------------------------------------------


MAX_BULK = 5000


def set_visibility(db, photo_ids, public, username=""):
    """Publish or unpublish photos, kept in the edit history as one change;
    returns the ids. Unknown ids are an error and change nothing, so a typo
    never half-applies a batch."""
    photo_ids = sorted(set(int(i) for i in photo_ids))
    if len(photo_ids) > MAX_BULK:
        raise SettingError(f"at most {MAX_BULK} photos at a time")
    with write_transaction(db):
        found = {row["id"]: bool(row["is_public"]) for row in db.query(
            "SELECT id, is_public FROM photos WHERE id IN (SELECT value FROM json_each(?))",
            [_json_list(photo_ids)])}
        missing = [i for i in photo_ids if i not in found]
        if missing:
            raise SettingError("no photo " + ", ".join(map(str, missing)))
        db.execute(
            "UPDATE photos SET is_public = ? WHERE id IN (SELECT value FROM json_each(?))",
            [int(bool(public)), _json_list(photo_ids)],
        )
        history.record(db, "photo", [(i, "is_public", found[i], bool(public)) for i in photo_ids], username,
                       action="publish" if public else "unpublish")
    return photo_ids


def photo_ids_of_trip(db, trip):
    return [row["id"] for row in db.query("SELECT id FROM photos WHERE trip = ? ORDER BY id", [trip])]


def _json_list(values):
    return json.dumps(list(values))


# -- trips opened to visitors -------------------------------------------------------


def trips(db):
    """Every trip that has photos, with how many and whether it is open."""
    return [dict(row) for row in db.query(
        """
        SELECT photos.trip AS trip, count(*) AS photos, open_trips.trip IS NOT NULL AS open
        FROM photos LEFT JOIN open_trips ON open_trips.trip = photos.trip
        WHERE photos.trip != ''
        GROUP BY photos.trip ORDER BY photos.trip
        """)]


def trip_is_open(db, trip):
    """Whether an admin opened this trip's originals and exact locations to visitors."""
    if not trip:
        return False
    return next(iter(db.query("SELECT 1 FROM open_trips WHERE trip = ?", [trip])), None) is not None


def set_trip_open(db, trip, is_open, by=""):
    trip = (trip or "").strip()
    if not trip:
        raise SettingError("name a trip")
    with write_transaction(db):
        if is_open:
            if not photo_ids_of_trip(db, trip):
                raise SettingError(f"no photos come from a trip named {trip!r}")
            db.execute(
                "INSERT INTO open_trips (trip, opened_by, opened_at) VALUES (?, ?, ?) "
                "ON CONFLICT (trip) DO NOTHING",
                [trip, by, now_iso()],
            )
        else:
            db.execute("DELETE FROM open_trips WHERE trip = ?", [trip])
