"""Bulk import: many files through the one pipeline, in parallel.

Worker processes do the file phase (hash, decode once, derivatives, store the
original; each decode in the worker's own bounded child); this process is the
one writer and commits in batches. The files
are content-addressed and the rows are committed only after their files are
in place, so an import stopped at any moment can simply be run again: what
was committed is reported as duplicates, the rest is finished.
"""

import io
import os
import signal
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import resource_tracker
from pathlib import Path

from PIL import Image

from archive import db as archive_db
from archive.db import write_transaction
from archive.dedup import decisions, reasons
from archive.dedup import lookup as dedup
from archive.dedup.pictures import Pictures
from archive.imaging import bounded, first_decode
from archive.imaging import decoding as imaging
from archive.ingest.pipeline import FileWork, Outcome, Prepared
from archive.storage import sha256_of_file

# Inside folders only files with these endings are taken, so the README,
# sidecars and contact sheets beside the photos are not reported as rejected.
# A file named on its own is always tried: its content decides, not its name.
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif"}

# A batch commits after this many photos or this many seconds, whichever
# comes first: few fsyncs, yet photos appear steadily during a long import.
BATCH_SIZE = 64
BATCH_SECONDS = 2.0


@dataclass
class Walk:
    files: list
    skipped: list


def walk(paths):
    """The files to import under the given paths, folders recursively, in a
    stable order. Hidden files (.DS_Store, ._ resource forks) are left out."""
    result = Walk(files=[], skipped=[])
    for path in map(Path, paths):
        if not path.is_dir():
            result.files.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                target = result.files if Path(name).suffix.lower() in IMAGE_SUFFIXES else result.skipped
                target.append(Path(root) / name)
    return result


def import_files(ingester, files, provenance_for, tag_pairs=(), workers=1):
    """Import files, yielding one Outcome per file in the order given.

    provenance_for(path) gives each file's Provenance."""
    if workers <= 1 or len(files) <= 1:
        prepared_stream = (_prepare_here(ingester, path) for path in files)
        yield from _commit_in_batches(ingester, prepared_stream, provenance_for, tag_pairs, files)
        return
    with _worker_pool(ingester, workers) as pool:
        prepared_stream = pool.map(_prepare_in_worker, [str(p) for p in files], chunksize=2)
        try:
            yield from _commit_in_batches(ingester, prepared_stream, provenance_for, tag_pairs, files)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _worker_pool(ingester, workers):
    """The import's worker processes (forked from this one). Each decodes in
    a bounded child of its own; the resource tracker those children need is
    started here first, so the workers share this process's one instead of
    starting one each."""
    resource_tracker.ensure_running()
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=ingester.files.settings)


def dry_run(ingester, files, workers=1):
    """What an import would do, without writing or committing anything: each
    file's outcome ("new" for one it would import) and, for a new one, the
    matches it would make with the photos stored and with the files before
    it in this run. Each new file is decoded and fingerprinted as the import
    would, on `workers` processes; nothing is stored."""
    if workers <= 1 or len(files) <= 1:
        stream = (look(ingester.files, path, ingester.photo_with_sha) for path in files)
        yield from _report_looks(ingester, files, stream)
        return
    with _worker_pool(ingester, workers) as pool:
        try:
            yield from _report_looks(ingester, files, pool.map(_look_in_worker, [str(p) for p in files], chunksize=2))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


@dataclass
class Look:
    """A new file as a dry run sees it: what matching needs, nothing written."""

    sha256: str
    width: int
    height: int
    format: str
    fingerprint: object
    thumbnail: bytes  # the 400 px thumbnail's JPEG, as the import would store it


def look(files, path, existing_photo):
    """A Look at one file, or its Outcome when it is known or refused."""
    shown = str(path)
    try:
        files.checked_size(Path(path))
        sha256 = sha256_of_file(path)
        known = existing_photo(sha256)
        if known is not None:
            return Outcome.duplicate(shown, known)
        # Decoded as the import would, in the bounded child and its budget.
        header = bounded.run(first_decode.screen, str(path), files.max_image_pixels)
        analysis = bounded.run(first_decode.preview, str(path), files.max_image_pixels, files.decode_max_bytes,
                               header)
    except imaging.RejectedImage as exc:
        return Outcome(path=shown, status="rejected", reason=str(exc))
    thumbnail = analysis.derivatives[imaging.derivative_name(imaging.THUMBNAIL_EDGE)]
    return Look(sha256, analysis.width, analysis.height, analysis.format, analysis.fingerprint, thumbnail)


# Thumbnails of this run's new files kept for the detail check of the files
# after them (about 120 kB each); a match with an older one is judged by its
# hashes alone.
LOOSE_THUMBNAILS = 512


def _report_looks(ingester, files, looks):
    seen = {}
    loose = dedup.LooseMatches()
    rows, thumbnails = {}, OrderedDict()
    pictures = Pictures(ingester.storage)
    for path, found in zip(files, looks):
        shown = str(path)
        if isinstance(found, Outcome):
            yield found
            continue
        if found.sha256 in seen:
            yield Outcome(path=shown, status="duplicate", reason=f"the same file as {seen[found.sha256]}")
            continue
        seen[found.sha256] = shown
        with Image.open(io.BytesIO(found.thumbnail)) as image:
            mine = image.convert("L")
        row = {"width": found.width, "height": found.height, "format": found.format}
        matches = []
        stored = dedup.find_matches(ingester.db, found.fingerprint, pictures=pictures, thumbnail=mine)
        stored_rows = {r["id"]: r for r in decisions.photos_by_id(ingester.db, [m.photo_id for m in stored])}
        for match in stored:
            match.explain(row, stored_rows[match.photo_id], found.fingerprint)
            matches.append(match.to_json())

        def pair(key, mine=mine):
            return (mine, thumbnails[key]) if key in thumbnails else None

        for key, verdict in loose.matches(found.fingerprint, pictures=pair):
            reason = reasons.explain(verdict, row, rows[key][0], found.fingerprint, rows[key][1])
            matches.append({"photo_id": None, "path": key, "kind": verdict.kind, "reason": reason.text})
        loose.add(shown, found.fingerprint)
        rows[shown] = (row, found.fingerprint)
        thumbnails[shown] = mine
        if len(thumbnails) > LOOSE_THUMBNAILS:
            thumbnails.popitem(last=False)
        yield Outcome(path=shown, status="new", matches=matches)


def _commit_in_batches(ingester, prepared_stream, provenance_for, tag_pairs, files):
    pending = []
    started = time.monotonic()
    for path, prepared in zip(files, prepared_stream):
        pending.append((path, prepared))
        if len(pending) >= BATCH_SIZE or time.monotonic() - started >= BATCH_SECONDS:
            yield from _commit_batch(ingester, pending, provenance_for, tag_pairs)
            pending, started = [], time.monotonic()
    yield from _commit_batch(ingester, pending, provenance_for, tag_pairs)


def _commit_batch(ingester, pending, provenance_for, tag_pairs):
    """One transaction for the batch, one savepoint per photo inside it."""
    if not pending:
        return
    outcomes = []
    with write_transaction(ingester.db):
        for path, prepared in pending:
            if isinstance(prepared, Prepared):
                prepared = ingester.commit(prepared, provenance_for(path), tag_pairs)
            outcomes.append(prepared)
    # Reported only once committed: a line saying "imported" is a promise.
    yield from outcomes


def _prepare_here(ingester, path):
    return ingester.files.prepare(path, str(path), ingester.photo_with_sha)


# Each worker process keeps its own FileWork and a read-only look at the
# database, so a file already in the archive costs only its hash.
_worker = {}


def _start_worker(data_dir, *file_settings):
    # Ctrl-C is the writer's to handle: it rolls back its batch and stops
    # the pool, instead of every worker printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker["files"] = FileWork(data_dir, *file_settings)
    _worker["db"] = archive_db.connect(data_dir)


def _existing_photo(sha256):
    row = _worker["db"].execute("SELECT id FROM photos WHERE sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def _look_in_worker(path):
    return look(_worker["files"], path, _existing_photo)


def _prepare_in_worker(path):
    return _worker["files"].prepare(path, path, _existing_photo)
