"""Fixity: is every original still the bytes it was accepted as, and does
every row have its files and every file its row?

verify() reads, and sweeps away what writers that died left (temp files, an
object store's unfinished multipart uploads: an import killed with SIGKILL),
which is garbage by its name, not damage. repair() rebuilds derivatives,
moves orphans into a quarantine and empties the trash of what is past its
retention. Nothing here ever deletes or rewrites an original of a photo.

Every original is re-hashed, streamed in blocks, in an object store as on
disk. The store's own checksums are not trusted for this: the SHA-256 an
S3 store keeps beside an object is the one the archive sent at upload,
which AWS and MinIO check then, but some S3-compatible servers store
without checking, and none of them re-reads it later, so it says what was
sent, not what is there now. (A backup, which only asks whether it already
holds an original, does use them: backup.py.) A long verify can be stopped
and resumed: its progress is kept in the data directory every few seconds.
"""

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.imaging import decoding as imaging
from archive.storage import open_storage, write_atomically

# An import writes its files before it commits their rows, so a young file
# without a row may belong to an import still running: repair leaves it be.
ORPHAN_MIN_AGE_SECONDS = 600
# Where an interrupted verify keeps how far it got, and how often.
PROGRESS_FILE = "verify-progress.json"
PROGRESS_SECONDS = 5


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
    resumed_after: int | None = None  # the photo id an interrupted verify had reached
    ages: dict = field(default_factory=dict)  # orphan ref -> modification time (not in the JSON)

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
            **({"resumed_after": self.resumed_after} if self.resumed_after is not None else {}),
        }


def verify(db, data_dir, progress=lambda: None, resume=False):
    """Check the whole archive; progress() is called once per photo.
    resume: go on from where an interrupted verify stopped (its progress
    file), counting what it had found; without it, start again."""
    storage = open_storage(data_dir)
    report = Report()
    state_path = Path(data_dir) / PROGRESS_FILE
    after = _resume(state_path, report) if resume else 0
    for (message,) in db.execute("PRAGMA integrity_check").fetchall():
        if message != "ok":
            report.problems.append(Problem("integrity", f"SQLite: {message}"))
    rows = db.execute("SELECT id, sha256, ext, display_edge, orientation_override FROM photos ORDER BY id").fetchall()
    report.photos = len(rows)
    saved = time.monotonic()
    for photo_id, sha256, ext, display_edge, override in rows:
        if photo_id <= after:
            progress()
            continue
        _check_photo(storage, photo_id, sha256, ext, display_edge, override, report)
        progress()
        if time.monotonic() - saved > PROGRESS_SECONDS:
            _save_progress(state_path, photo_id, report)
            saved = time.monotonic()
    # A temp file of a live process is a write in progress; one of a dead
    # process was never committed to, so it is swept, not reported.
    report.swept_temp_files = storage.sweep_dead_writers()
    originals = {(sha256, ext) for _, sha256, ext, _, _ in rows}
    shas = {sha256 for sha256, _ in originals}
    for area in ("originals", "derivatives"):
        for stored in storage.files(area):
            if not _belongs(area, stored.name, originals, shas):
                report.problems.append(Problem("orphan-file", "no photo refers to this file", stored.ref))
                report.ages[stored.ref] = stored.mtime
    state_path.unlink(missing_ok=True)
    return report


def repair(db, data_dir, report, max_pixels, orphan_min_age=ORPHAN_MIN_AGE_SECONDS, trash_seconds=None):
    """Mend what can be mended: rebuild derivatives from their originals,
    move orphan files into quarantine/ (kept, not deleted), and purge the
    trash of originals deleted more than trash_seconds ago (None: keep it)."""
    storage = open_storage(data_dir)
    if trash_seconds is not None:
        report.trash_purged = storage.purge_trash(trash_seconds)[0]
    for problem in report.problems:
        if problem.kind in ("missing-derivative", "broken-derivative"):
            sha256, ext, name, edge, display_edge, override = _derivative_request(db, problem)
            try:
                with storage.fetch_original(sha256, ext) as original:
                    data = imaging.render_fit(original.path, edge, max_pixels, display_edge, override)
            except (imaging.RejectedImage, OSError):
                continue  # the original itself is damaged: reported on its own
            storage.put_derivative(sha256, name, data)
            problem.repaired = True
        elif problem.kind == "orphan-file":
            mtime = report.ages.get(problem.path, 0)
            if time.time() - mtime < orphan_min_age:
                problem.detail += "; left in place: it may belong to an import still running"
                continue
            problem.detail += f"; moved to {storage.quarantine(problem.path)}"
            problem.repaired = True
    return report


def _check_photo(storage, photo_id, sha256, ext, display_edge, override, report):
    original = storage.original_ref(sha256, ext)
    try:
        actual = storage.hash_original(sha256, ext)
    except FileNotFoundError:
        report.problems.append(Problem("missing-original", "the original file is gone", original, photo_id))
    else:
        report.originals_checked += 1
        if actual != sha256:
            report.problems.append(
                Problem("changed-original", f"the file's SHA-256 is now {actual}", original, photo_id)
            )
    for edge in imaging.standard_edges(display_edge):
        name = imaging.derivative_name(edge, override)
        ref = storage.derivative_ref(sha256, name)
        data = storage.read_derivative(sha256, name)
        if data is None:
            report.problems.append(Problem("missing-derivative", f"fit{edge} is missing", ref, photo_id))
        elif not _decodes(data):
            report.problems.append(Problem("broken-derivative", f"fit{edge} does not decode", ref, photo_id))


def _decodes(data):
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except Exception:  # any decode failure means the file must be rebuilt
        return False


def _belongs(area, name, originals, shas):
    """Whether a file under originals/ or derivatives/ is a photo's: its
    original, or a derivative of its bytes (made on request ones too)."""
    if area == "originals":
        sha256, _, ext = name.partition(".")
        return (sha256, ext) in originals
    return name[:64] in shas and name[64:65] == "-"


def _derivative_request(db, problem):
    sha256, ext, display_edge, override = db.execute(
        "SELECT sha256, ext, display_edge, orientation_override FROM photos WHERE id = ?",
        [problem.photo_id]).fetchone()
    name = problem.path.rsplit("/", 1)[-1][len(sha256) + 1 :]
    return sha256, ext, name, imaging.edge_of(name), display_edge, override


def _resume(state_path, report):
    """The photo id an interrupted verify reached (0: none), and what it found."""
    try:
        state = json.loads(state_path.read_text())
        after = int(state["after_id"])
        report.originals_checked = int(state["originals_checked"])
        report.problems = [Problem(**p) for p in state["problems"]]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    report.resumed_after = after
    return after


def _save_progress(state_path, photo_id, report):
    state = {"after_id": photo_id, "originals_checked": report.originals_checked,
             "problems": [asdict(p) for p in report.problems if p.kind != "integrity"]}
    write_atomically(state_path, lambda out: out.write(json.dumps(state).encode()), durable=False)
