"""Rescanning the archive: fingerprint photos that have none (those imported
before near-duplicate matching, or all of them again), then compare every
pair and store the new suggestions. Pairs an archivist decided stay decided."""

import io
from dataclasses import dataclass

from PIL import Image

from archive.db import write_transaction
from archive.dedup import decisions as duplicates
from archive.dedup import generation, matching
from archive.dedup import lookup as dedup
from archive.dedup.pictures import Pictures
from archive.imaging import decoding as imaging
from archive.imaging import fingerprint as fp

BATCH = 50


def photos_to_fingerprint(db, everything=False):
    """Photo rows that have no fingerprint of the current version (or all)."""
    sql = (
        "SELECT p.id, p.sha256, p.ext, p.display_edge, p.orientation_override FROM photos p"
        " LEFT JOIN photo_fingerprints f ON f.photo_id = p.id"
        + ("" if everything else " WHERE f.photo_id IS NULL OR f.version < ?")
        + " ORDER BY p.id"
    )
    return [dict(r) for r in db.query(sql, [] if everything else [dedup.FINGERPRINT_VERSION])]


def fingerprint_stored_photo(storage, photo, max_pixels):
    """Fingerprint a stored photo from its 400 px derivative, or, when that
    is gone, from its original (the thumbnail's pixels made as at ingest)."""
    edge = imaging.THUMBNAIL_EDGE
    override = photo.get("orientation_override")
    data = storage.read_derivative(photo["sha256"], imaging.derivative_name(edge, override))
    try:
        if data is None:
            raise FileNotFoundError
        with Image.open(io.BytesIO(data)) as image:
            return fp.fingerprint(image.convert("RGB"))
    except OSError:
        with storage.fetch_original(photo["sha256"], photo["ext"]) as original:
            return fp.fingerprint(imaging.fit_pixels(original.path, edge, max_pixels, photo["display_edge"],
                                                     override))


@dataclass
class RescanResult:
    fingerprinted: int
    failed: list  # (photo id, reason)
    pairs_checked: int
    suggested: int

    def to_json(self):
        return {"fingerprinted": self.fingerprinted, "failed": [{"photo_id": i, "reason": r} for i, r in self.failed],
                "pairs_checked": self.pairs_checked, "suggested": self.suggested}


def rescan(db, storage, max_pixels, everything=False, progress=None):
    """Fingerprint the photos that lack one (all with everything=True), then
    compare every pair and store new suggestions. Decided pairs stay decided.

    progress(stage, done, total) is called as the work goes on."""
    progress = progress or (lambda stage, done, total: None)
    todo = photos_to_fingerprint(db, everything)
    failed, done = [], 0
    for start in range(0, len(todo), BATCH):
        batch = []
        for photo in todo[start : start + BATCH]:
            try:
                batch.append((photo["id"], fingerprint_stored_photo(storage, photo, max_pixels)))
            except Exception as exc:  # one unreadable file must not stop the rescan
                failed.append((photo["id"], str(exc)[:200] or type(exc).__name__))
            done += 1
            progress("fingerprint", done, len(todo))
        with write_transaction(db):
            for photo_id, print_ in batch:
                dedup.save_fingerprint(db, photo_id, print_)
            if batch:
                generation.bump_generation(db)

    index = dedup.index_for(db)
    with index.lock:
        index.refresh(db)
        pairs = sorted(dedup.all_candidate_pairs(index))
    suggested = 0
    thumbnails = Pictures(storage)
    for start in range(0, len(pairs), 200):
        chunk = pairs[start : start + 200]
        prints = dedup.load_fingerprints(db, {i for pair in chunk for i in pair})
        shas = dedup.photo_shas(db, prints)
        with write_transaction(db):
            for a, b in chunk:
                if a in prints and b in prints:
                    if a in shas and b in shas:
                        verdict = dedup.compare_checked(thumbnails, prints[b], prints[a], shas[b], shas[a])
                    else:
                        verdict = matching.compare(prints[b], prints[a])
                    if verdict is not None and duplicates.suggest(db, b, a, verdict):
                        suggested += 1
        progress("compare", min(start + 200, len(pairs)), len(pairs))
    return RescanResult(len(todo) - len(failed), failed, len(pairs), suggested)
