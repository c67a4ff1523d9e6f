"""Fixity: is every original still the bytes it was accepted as, and does
every row have its files and every file its row?

verify() reads, and sweeps away temp files whose writing process is gone
(a write that died half way, say an import killed with SIGKILL): those are
garbage by their name, not damage. repair() rebuilds derivatives, moves
orphans into a quarantine folder and empties the trash of what is past its
retention. Nothing here ever deletes or rewrites an original of a photo.
"""

import contextlib
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.imaging import decoding as imaging
from archive.storage import Storage, purge_trash, sha256_of_file, temp_file_is_dead, write_atomically

QUARANTINE = "quarantine"

# An import writes its files before it commits their rows, so a young file
# without a row may belong to an import still running: repair leaves it be.
ORPHAN_MIN_AGE_SECONDS = 600


@dataclass
class Problem:
    # integrity | missing-original | changed-original | missing-derivative |
    # broken-derivative | orphan-file
    kind: str
    detail: str
    path: str | None = None
    photo_id: int | None = None
    repaired: bool = False


@dataclass
class Report:
    photos: int = 0
    originals_checked: int = 0
    problems: list = field(default_factory=list)
    swept_temp_files: int = 0  # garbage of writers that died, removed
    trash_purged: int = 0  # originals of deleted photos past the retention, removed

    @property
    def ok(self):
        return all(p.repaired for p in self.problems)

    def to_json(self):
        return {
            "ok": self.ok,
            "photos": self.photos,
            "originals_checked": self.originals_checked,
            "problems": [asdict(p) for p in self.problems],
            "swept_temp_files": self.swept_temp_files,
            "trash_purged": self.trash_purged,
        }


def verify(db, data_dir, progress=lambda: None):
    """Check the whole archive; progress() is called once per photo."""
    storage = Storage(data_dir)
    report = Report()
    for (message,) in db.execute("PRAGMA integrity_check").fetchall():
        if message != "ok":
            report.problems.append(Problem("integrity", f"SQLite: {message}"))
    known_files = set()
    rows = db.execute("SELECT id, sha256, ext, display_edge, orientation_override FROM photos ORDER BY id").fetchall()
    report.photos = len(rows)
    for photo_id, sha256, ext, display_edge, override in rows:
        _check_photo(storage, photo_id, sha256, ext, display_edge, override, report, known_files)
        progress()
    for path in _files(storage.originals) + _files(storage.derivatives) + _files(storage.tmp):
        if path.name.startswith(".tmp-") or path.parent == storage.tmp:
            # A temp file of a live process is a write in progress; one of a
            # dead process was never committed to, so it is swept, not reported.
            if temp_file_is_dead(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    report.swept_temp_files += 1
        elif str(path) not in known_files and not _is_known_derivative(path, db):
            report.problems.append(Problem("orphan-file", "no photo refers to this file", str(path)))
    return report


def repair(db, data_dir, report, max_pixels, orphan_min_age=ORPHAN_MIN_AGE_SECONDS, trash_seconds=None):
    """Mend what can be mended: rebuild derivatives from their originals,
    move orphan files into quarantine/ (kept, not deleted), and purge the
    trash of originals deleted more than trash_seconds ago (None: keep it)."""
    storage = Storage(data_dir)
    if trash_seconds is not None:
        report.trash_purged = purge_trash(storage, trash_seconds)[0]
    quarantine = Path(data_dir) / QUARANTINE
    for problem in report.problems:
        if problem.kind in ("missing-derivative", "broken-derivative"):
            sha256, ext, edge, display_edge, override = _derivative_request(db, problem)
            try:
                data = imaging.render_fit(storage.original_path(sha256, ext), edge, max_pixels, display_edge,
                                          override)
            except (imaging.RejectedImage, OSError):
                continue  # the original itself is damaged: reported on its own
            write_atomically(problem.path, lambda out: out.write(data), durable=False)
            problem.repaired = True
        elif problem.kind == "orphan-file":
            source = Path(problem.path)
            if time.time() - source.stat().st_mtime < orphan_min_age:
                problem.detail += "; left in place: it may belong to an import still running"
                continue
            target = quarantine / source.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
            problem.detail += f"; moved to {target.relative_to(data_dir)}"
            problem.repaired = True
    return report


def _check_photo(storage, photo_id, sha256, ext, display_edge, override, report, known_files):
    original = storage.original_path(sha256, ext)
    known_files.add(str(original))
    if not original.exists():
        report.problems.append(Problem("missing-original", "the original file is gone", str(original), photo_id))
    else:
        report.originals_checked += 1
        actual = sha256_of_file(original)
        if actual != sha256:
            report.problems.append(
                Problem("changed-original", f"the file's SHA-256 is now {actual}", str(original), photo_id)
            )
    for edge in imaging.standard_edges(display_edge):
        path = storage.derivative_path(sha256, imaging.derivative_name(edge, override))
        known_files.add(str(path))
        if not path.exists():
            report.problems.append(Problem("missing-derivative", f"fit{edge} is missing", str(path), photo_id))
        elif not _decodes(path):
            report.problems.append(Problem("broken-derivative", f"fit{edge} does not decode", str(path), photo_id))


def _decodes(path):
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
        return True
    except Exception:  # any decode failure means the file must be rebuilt
        return False


def _is_known_derivative(path, db):
    """Derivatives made on request (other sizes, IIIF) belong to their photo."""
    sha256 = path.name[:64]
    return bool(db.execute("SELECT 1 FROM photos WHERE sha256 = ?", [sha256]).fetchone())


def _derivative_request(db, problem):
    sha256, ext, display_edge, override = db.execute(
        "SELECT sha256, ext, display_edge, orientation_override FROM photos WHERE id = ?",
        [problem.photo_id]).fetchone()
    edge = imaging.edge_of(Path(problem.path).name[len(sha256) + 1 :])
    return sha256, ext, edge, display_edge, override


def _files(folder):
    if not folder.exists():
        return []
    return sorted(Path(root) / name for root, _, names in os.walk(folder) for name in names)
