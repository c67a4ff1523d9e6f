"""Reading photos: which ones, in how many processes, and what is saved.

Each photo is decoded upright at about READING_EDGE (the display image's
size: the draft decode makes that cheap) and read by reader.Reader; the
boxes are scaled to the photo's full pixels and the draft saved here, in
this process, the one writer. With more than one worker, each worker
process loads its own reader once and reads photo after photo; nothing in
a worker touches the database.

`transcribe` and `worker` both run through Transcriber: the first over the
photos it is given, the second over the queue (drain_queue).
"""

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from archive.imaging import decoding as imaging
from archive.storage import Storage
from archive.transcription import drafts, queue, reader

READING_EDGE = 2000


class SelectionError(ValueError):
    """Photos asked for that cannot be read: a message, and nothing was done."""


@dataclass
class Outcome:
    """What happened to one photo; its JSON form is a line of `transcribe --json`."""

    photo_id: int
    status: str  # transcribed | failed | gone
    lines: int = 0
    text: str = ""
    reason: str = ""
    cpu_seconds: float = 0.0

    def to_json(self):
        return {"photo_id": self.photo_id, "status": self.status, "lines": self.lines, "text": self.text,
                "reason": self.reason, "cpu_seconds": round(self.cpu_seconds, 3)}


def photos_to_read(db, everything=False, ids=None):
    """Photo ids to read: those named, every photo, or (the default) those
    with no draft yet from this engine."""
    if ids:
        ids = sorted(set(int(i) for i in ids))
        known = {row[0] for row in db.execute(
            f"SELECT id FROM photos WHERE id IN ({','.join('?' * len(ids))})", ids)}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise SelectionError("no photo " + ", ".join(map(str, unknown)))
        return ids
    if everything:
        return [row[0] for row in db.execute("SELECT id FROM photos ORDER BY id")]
    return [row[0] for row in db.execute(
        "SELECT id FROM photos WHERE id NOT IN (SELECT photo_id FROM transcription_drafts WHERE engine = ?)"
        " ORDER BY id", [reader.ENGINE])]


class Transcriber:
    """Readers ready to go: one in this process, or one in each of workers
    processes. Use as a context manager; it raises reader.Unavailable at the
    start when OCR cannot run here."""

    def __init__(self, data_dir, max_pixels, workers=1):
        reason = reader.missing()
        if reason:
            raise reader.Unavailable(reason)
        self.storage = Storage(data_dir)
        self.max_pixels = max_pixels
        self.workers = max(1, int(workers))
        self._reader = None
        self._pool = None

    def __enter__(self):
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker)
        else:
            self._reader = reader.Reader()
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)
        if self._reader is not None:
            self._reader.close()

    def run(self, db, photo_ids):
        """Read the photos and save their drafts; yields one Outcome each, in order.
        A photo read is taken off the queue; one that failed counts an attempt."""
        jobs = []
        for photo_id in photo_ids:
            row = db.execute("SELECT sha256, ext FROM photos WHERE id = ?", [photo_id]).fetchone()
            if row is not None:
                jobs.append((photo_id, str(self.storage.original_path(*row)), self.max_pixels))
            else:
                jobs.append((photo_id, None, self.max_pixels))
        if self._pool is not None:
            results = self._pool.map(_read_in_worker, jobs)
        else:
            results = (_read_photo(self._reader, *job) for job in jobs)
        for (photo_id, _, _), result in zip(jobs, results):
            yield self._record(db, photo_id, result)

    def _record(self, db, photo_id, result):
        if result is None:
            return Outcome(photo_id, "gone", reason="the photo was deleted")
        if isinstance(result, str):
            queue.fail(db, photo_id, result)
            return Outcome(photo_id, "failed", reason=result)
        try:
            drafts.save(db, photo_id, result)
        except LookupError:
            return Outcome(photo_id, "gone", reason="the photo was deleted")
        queue.finish(db, photo_id)
        return Outcome(photo_id, "transcribed", lines=len(result.lines),
                       text="\n".join(line.readings[0].text for line in result.lines),
                       cpu_seconds=result.cpu_seconds)


def _read_photo(the_reader, photo_id, original_path, max_pixels):
    """A Draft for one photo, a reason (text) it could not be read, or None
    for a photo that is no longer there."""
    if original_path is None:
        return None
    started = time.process_time()
    if not os.path.exists(original_path):
        return "the original file is missing (see `verify`)"
    try:
        decoded = imaging.decode_upright(original_path, max_pixels, READING_EDGE)
        image = imaging.fit(decoded.pixels, READING_EDGE)
    except imaging.RejectedImage as exc:
        return f"the original cannot be decoded: {exc}"
    except OSError as exc:
        return f"the original cannot be read: {exc}"
    try:
        lines = the_reader.read(image)
    except Exception as exc:  # noqa: BLE001 (an engine's failure on one photo must not stop the rest)
        return f"the OCR engines failed on this photo: {exc}"
    scale_x, scale_y = decoded.width / image.width, decoded.height / image.height
    for line in lines:
        line.box = [[round(x * scale_x, 1), round(y * scale_y, 1)] for x, y in line.box]
    return drafts.Draft(engine=reader.ENGINE, version=the_reader.version, lines=lines,
                        cpu_seconds=time.process_time() - started)


_worker = {}


def _start_worker():
    import signal

    # Ctrl-C is the parent's to handle, as in bulk imports.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker["reader"] = reader.Reader()


def _read_in_worker(job):
    return _read_photo(_worker["reader"], *job)


def worker_name():
    return f"{os.uname().nodename}:{os.getpid()}"


def drain_queue(db, transcriber, until_empty=False, poll_seconds=5.0, stop=lambda: False):
    """Read queued photos as they come, yielding an Outcome per photo; with
    until_empty, return once nothing is left to claim. Claims not finished
    (on Ctrl-C, say) are given back."""
    name = worker_name()
    batch = transcriber.workers * 2
    try:
        while not stop():
            ids = queue.claim(db, name, limit=batch)
            if not ids:
                if until_empty:
                    return
                time.sleep(poll_seconds)
                continue
            yield from transcriber.run(db, ids)
    finally:
        queue.release(db, name)
