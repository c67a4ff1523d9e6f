"""The photos waiting to be read, and which worker holds which.

An import adds each new photo with one insert in its own transaction
(enqueue), so reading never slows an import down. Workers claim photos for
a lease: a worker that dies leaves its claims to expire, and the photos go
to the next worker. A photo that fails waits a lease before its next try;
after MAX_ATTEMPTS it stays in the queue with its last error, for
`transcribe` to retry or a person to look at.
"""

from datetime import datetime, timedelta

from archive import clock
from archive.db import write_transaction

LEASE_SECONDS = 15 * 60
MAX_ATTEMPTS = 3


def enqueue(db, photo_id):
    """Add a photo (again: a photo already waiting keeps its place)."""
    db.execute("INSERT OR IGNORE INTO transcription_queue (photo_id, queued_at) VALUES (?, ?)",
               [photo_id, clock.now_iso()])


def claim(db, worker, limit=1):
    """Up to limit photo ids for this worker to read, oldest first."""
    now = clock.now_iso()
    expired = (datetime.fromisoformat(now) - timedelta(seconds=LEASE_SECONDS)).isoformat(timespec="seconds")
    with write_transaction(db):
        ids = [row[0] for row in db.execute(
            "SELECT photo_id FROM transcription_queue WHERE attempts < ?"
            " AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY attempts, queued_at, photo_id LIMIT ?",
            [MAX_ATTEMPTS, expired, limit])]
        db.conn.executemany("UPDATE transcription_queue SET claimed_at = ?, claimed_by = ? WHERE photo_id = ?",
                       [(now, worker, photo_id) for photo_id in ids])
    return ids


def finish(db, photo_id):
    db.execute("DELETE FROM transcription_queue WHERE photo_id = ?", [photo_id])


def fail(db, photo_id, reason):
    """Count a failed reading. The photo is tried again after a lease (a
    missing file may be restored by then), until MAX_ATTEMPTS."""
    db.execute("UPDATE transcription_queue SET attempts = attempts + 1, last_error = ?, claimed_at = ?,"
               " claimed_by = '' WHERE photo_id = ?", [reason, clock.now_iso(), photo_id])


def release(db, worker):
    """Give back what this worker claimed and did not finish (it is stopping)."""
    db.execute("UPDATE transcription_queue SET claimed_at = NULL, claimed_by = '' WHERE claimed_by = ?",
               [worker])


def is_queued(db, photo_id):
    return db.execute("SELECT 1 FROM transcription_queue WHERE photo_id = ?", [photo_id]).fetchone() is not None


def counts(db):
    """{"waiting": photos still to be read, "failed": photos that gave up}."""
    waiting, failed = db.execute(
        "SELECT coalesce(sum(attempts < ?), 0), coalesce(sum(attempts >= ?), 0) FROM transcription_queue",
        [MAX_ATTEMPTS, MAX_ATTEMPTS]).fetchone()
    return {"waiting": waiting, "failed": failed}
