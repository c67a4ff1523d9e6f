"""Turning and mirroring a photo without touching its original.

A photo shot sideways without an EXIF flag (or with a wrong one) is put
right by an orientation override: the EXIF orientation the archive applies
to the stored pixels instead of the file's own. The original keeps its
bytes and its SHA-256; what is made from it is made again in the new
orientation: the display image and the thumbnail (whose names carry the
orientation, see imaging.oriented_name, so a cached old one is never served
for the new), the upright size, and the perceptual hashes and fingerprint
the near-duplicate index matches on.

The pixel work happens here, before the caller's transaction (editing.py)
stores the result, so the write lock is never held through a decode.
"""

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from archive import config as archive_config
from archive.imaging import bounded, first_decode
from archive.imaging import decoding as imaging
from archive.storage import Storage, write_atomically

TURNS = tuple(imaging.TURNS)  # cw, ccw, half, mirror
DEGREES = {90: "cw", 180: "half", 270: "ccw", -90: "ccw"}


class OrientationError(ValueError):
    """A turn that cannot be made; the message says why."""


@dataclass
class Reoriented:
    """What a new orientation changes in a photo's row and fingerprint."""

    columns: dict  # orientation_override, width, height, phash, dhash, display_edge
    fingerprint: object


def data_dir_of(db):
    """The data directory: where the database file is (see db.connect)."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        raise OrientationError("this database has no data directory")
    return Path(path).parent


def effective(photo):
    """The orientation a photo is shown in now (1-8)."""
    return photo.get("orientation_override") or photo.get("orientation") or 1


def after_turn(photo, turn):
    """The override that shows the photo turned by `turn` from how it looks now;
    None when that is how the file says it anyway."""
    if turn not in TURNS:
        raise OrientationError(f"a turn is one of {', '.join(TURNS)}")
    new = imaging.turned(effective(photo), turn)
    return None if new == (photo.get("orientation") or 1) else new


def reorient(db, photo, override, max_pixels=None):
    """Make the derivatives of photo in orientation `override` (None: the
    file's own) and say what its row becomes. Reads the original; raises
    OrientationError when it cannot."""
    if override is not None and override not in range(1, 9):
        raise OrientationError("an orientation is a number from 1 to 8")
    storage = Storage(data_dir_of(db))
    original = storage.original_path(photo["sha256"], photo["ext"])
    settings = archive_config.defaults()
    max_pixels = max_pixels or settings["MAX_IMAGE_PIXELS"]
    try:
        # In the bounded child, with the budget of a first decode: a turn of
        # a very large photo never costs the server its memory.
        analysis = bounded.run(first_decode.preview, str(original), max_pixels, settings["DECODE_MAX_BYTES"],
                               None, override)
    except (imaging.RejectedImage, OSError) as exc:
        raise OrientationError(f"the original of photo {photo['id']} cannot be read ({exc})") from None
    for name, data in analysis.derivatives.items():
        target = storage.derivative_path(photo["sha256"], name)
        if not target.exists():
            write_atomically(target, lambda out, data=data: out.write(data), durable=False)
    return Reoriented(
        columns={"orientation_override": override, "width": analysis.width, "height": analysis.height,
                 "phash": analysis.phash, "dhash": analysis.dhash, "display_edge": analysis.display_edge},
        fingerprint=analysis.fingerprint,
    )


def remove_other_derivatives(db, photo, keep_override):
    """After a turn has committed: the files of the photo's other
    orientations go (any of them would be made again if asked for)."""
    storage = Storage(data_dir_of(db))
    sha256 = photo["sha256"]
    folder = storage.derivatives / sha256[:2] / sha256[2:4]
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not path.name.startswith(f"{sha256}-"):
            continue
        made_in = re.search(r"-o([1-8])\.[a-z]+$", path.name)
        if (int(made_in.group(1)) if made_in else None) != keep_override:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
