"""Near-duplicates: fingerprints in SQLite, a per-process Hamming index over
them, and match suggestions for archivists to review.

SQLite is the one source of truth. Each process keeps its own index, which
remembers the highest photo id it has loaded and tops itself up with
`WHERE photo_id > ?` before a lookup; anything that rewrites fingerprints or
removes photos bumps a generation number in SQLite, and an index that sees a
new generation reloads. No process trusts another process's memory.
"""

import json
import threading
from dataclasses import dataclass

import numpy as np

from archive.dedup import decisions as duplicates
from archive.dedup import generation, matching, reasons
from archive.dedup.hamming import HammingIndex, pairs_after
from archive.imaging import fingerprint as fp

TURNS = len(fp.DIHEDRAL)
# The windows that line two photos up in the index, one against the other's
# whole picture (either may be the cropped one): the four corners, the ±4°
# turns and the bottom strip. A crop from one side or all round lines up with
# a corner window closely enough to be found within the search radius, the
# ±2° turns with the ±4° ones, and a copy whose caption band was cropped off
# with the captioned photo's bottom strip; the full comparison that follows
# looks at every window. Each window searched costs a pass over the whole
# index on every lookup: on the benchmark set the centre window found no
# duplicate that these did not, nor did the bottom corners against each
# other (bench/dedup_quality.py).
_C = fp.CUT
_BOTTOM_STRIP = ("crop", (0, 0, 0, 0.14))
CROSS_WINDOWS = tuple(fp.WINDOWS.index(w) for w in (
    ("crop", (_C, _C, 0, 0)), ("crop", (0, 0, _C, _C)), ("crop", (_C, 0, 0, _C)), ("crop", (0, _C, _C, 0)),
    ("turn", 4.0), ("turn", -4.0), _BOTTOM_STRIP,
))
# A caption band or a watermark strip laid over the bottom edge: the captioned
# copy lines up with the original best when both lose their bottom strip, so
# that window is also searched against the same window.
SAME_WINDOWS = (fp.WINDOWS.index(_BOTTOM_STRIP),)
INDEXED_WINDOWS = CROSS_WINDOWS + tuple(w for w in SAME_WINDOWS if w not in CROSS_WINDOWS)
# Slot 0 holds each photo's upright pHash, slots 1-7 its turned and mirrored
# pHashes (searched only by the all-pairs join), then one slot per window.
SLOTS = TURNS + len(INDEXED_WINDOWS)
WINDOW_SLOTS = range(TURNS, SLOTS)
# Candidates the index hands to the full comparison, nearest first; more
# than this within the search radius means a flood of near-identical
# pictures, and the nearest are the ones worth suggesting.
MAX_CANDIDATES = 200
# Raised whenever fingerprints are made differently, so that `dedup rescan`
# remakes the older ones (from each photo's stored thumbnail). 2: window
# hashes by shrink matrices, the colour signature shrunk before HSV.
FINGERPRINT_VERSION = 2

# ----------------------------------------------------------------- storage


def save_fingerprint(db, photo_id, print_):
    db.execute(
        "INSERT OR REPLACE INTO photo_fingerprints (photo_id, version, phashes, dhashes,"
        " window_phashes, window_dhashes, colour, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            photo_id, FINGERPRINT_VERSION, fp.pack(print_.phashes), fp.pack(print_.dhashes),
            fp.pack(print_.window_phashes), fp.pack(print_.window_dhashes),
            json.dumps(print_.colour), print_.detail,
        ],
    )


def row_to_fingerprint(row):
    return fp.Fingerprint(
        phashes=fp.unpack(row["phashes"]).tolist(),
        dhashes=fp.unpack(row["dhashes"]).tolist(),
        window_phashes=fp.unpack(row["window_phashes"]).tolist(),
        window_dhashes=fp.unpack(row["window_dhashes"]).tolist(),
        colour=json.loads(row["colour"]),
        detail=row["detail"],
    )


def load_fingerprints(db, photo_ids):
    """{photo_id: Fingerprint} for the photos that still exist."""
    found = {}
    ids = list(photo_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)  # placeholders only; values are bound
        for row in db.query(
            "SELECT f.* FROM photo_fingerprints f JOIN photos p ON p.id = f.photo_id"
            f" WHERE f.photo_id IN ({marks})",
            chunk,
        ):
            found[row["photo_id"]] = row_to_fingerprint(row)
    return found


def photo_shas(db, photo_ids):
    """{photo_id: sha256} for the photos that still exist."""
    found = {}
    ids = list(photo_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)  # placeholders only; values are bound
        found.update(db.execute(f"SELECT id, sha256 FROM photos WHERE id IN ({marks})", chunk).fetchall())
    return found


# ------------------------------------------------------------------- index


class NearDuplicateIndex:
    """The index of one database, kept current from SQLite."""

    def __init__(self):
        self.lock = threading.Lock()
        self._reset(None)

    def _reset(self, gen):
        self.hashes = HammingIndex(SLOTS)
        self.last_id = 0
        self.generation = gen

    def refresh(self, db):
        """Load what is new since the last look; reload all after a new generation."""
        gen = generation.current(db)
        if gen != self.generation:
            self._reset(gen)
        rows = db.execute(
            "SELECT photo_id, phashes, window_phashes FROM photo_fingerprints"
            " WHERE photo_id > ? ORDER BY photo_id",
            [self.last_id],
        ).fetchall()
        if rows:
            codes = np.empty((len(rows), SLOTS), np.int64)
            for i, (_, phashes, windows) in enumerate(rows):
                codes[i, :TURNS] = fp.unpack(phashes)
                codes[i, TURNS:] = fp.unpack(windows)[list(INDEXED_WINDOWS)]
            self.hashes.add([r[0] for r in rows], codes)
            self.last_id = rows[-1][0]

    def candidates(self, print_, radius=matching.SEARCH_RADIUS, before=None):
        """Photo ids whose hashes line up with print_ within radius, nearest
        first. `before` limits the search to photos loaded before that position."""
        positions, distances = self.hashes.search_many(lookup_requests(print_), radius, limit=before)
        owners = self.hashes.owners[positions]
        order = np.lexsort((owners, distances))
        return owners[order].tolist()


def lookup_requests(print_):
    """The (slot, query hashes) searches of one lookup.

    Slot 0 (the others as they are) is searched with this photo turned and
    mirrored, and with its cross windows (the other is a crop of this one);
    each cross window slot with this photo as it is (this is a crop of the
    other); the same-window slots with this photo's same window (captions)."""
    upright_queries = list(print_.phashes) + [print_.window_phashes[w] for w in CROSS_WINDOWS]
    requests = [(0, upright_queries)]
    for slot, w in zip(WINDOW_SLOTS, INDEXED_WINDOWS):
        queries = ([print_.phash] if w in CROSS_WINDOWS else []) + (
            [print_.window_phashes[w]] if w in SAME_WINDOWS else [])
        requests.append((slot, queries))
    return requests


def index_row(print_):
    """The hashes the index keeps for one fingerprint, slot by slot."""
    return list(print_.phashes) + [print_.window_phashes[w] for w in INDEXED_WINDOWS]


_indexes = {}
_indexes_lock = threading.Lock()


def index_for(db):
    """This process's index of the database db is connected to."""
    key = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = NearDuplicateIndex()
        return _indexes[key]


# ----------------------------------------------------------------- matching


@dataclass
class Match:
    photo_id: int
    verdict: matching.Verdict
    print_: object = None  # the stored photo's fingerprint
    reason: str = ""  # said the way a person would (reasons.py), once known

    def to_json(self):
        return {"photo_id": self.photo_id, "kind": self.verdict.kind, "reason": self.reason}

    def explain(self, photo, stored, print_):
        """Fill in the reason: photo (the new one, a row or its width, height
        and format) against the stored photo's row."""
        self.reason = reasons.explain(self.verdict, photo, stored, print_, self.print_).text


def find_matches(db, print_, exclude=(), pictures=None, sha256=None, thumbnail=None):
    """Stored photos that are duplicates or other shots of print_, best first.

    pictures (a pictures.Pictures) and the new photo's thumbnail (sha256, when
    it is already written, or the thumbnail itself) let the matcher check the
    fine detail of a pair the hashes call copies; without them the hashes
    decide alone."""
    if print_.detail < matching.FLAT_DETAIL:
        return []  # a flat image matches everything flat and so nothing
    index = index_for(db)
    with index.lock:
        index.refresh(db)
        ids = [i for i in index.candidates(print_) if i not in exclude][:MAX_CANDIDATES]
    stored = load_fingerprints(db, ids)
    shas = photo_shas(db, stored) if pictures is not None and (sha256 or thumbnail is not None) else {}
    found = []
    for photo_id in ids:
        if photo_id in stored:
            if photo_id in shas:
                verdict = compare_checked(pictures, print_, stored[photo_id], sha256, shas[photo_id], thumbnail)
            else:
                verdict = matching.compare(print_, stored[photo_id])
            if verdict is not None:
                found.append(Match(photo_id, verdict, stored[photo_id]))
    found.sort(key=lambda m: (m.verdict.kind != "duplicate",
                              m.verdict.phash_distance + m.verdict.dhash_distance, m.photo_id))
    return found


def compare_checked(pictures, print_, other_print, sha256, other_sha, thumbnail=None):
    """matching.compare with the detail check on the two thumbnails (this
    photo's: its file's, or thumbnail when it is not stored), skipped for
    two files the check has already found to be copies of one photograph
    (see Pictures.known_copies); a pair it finds to be copies is remembered."""
    def look():
        mine = thumbnail if thumbnail is not None else pictures.thumbnail(sha256)
        theirs = pictures.thumbnail(other_sha)
        return None if mine is None or theirs is None else (mine, theirs)

    # Copies already found (through others) need no second look: the hashes' verdict stands.
    known = sha256 is not None and pictures.known_copies(sha256, other_sha)
    verdict = matching.compare(print_, other_print, pictures=None if known else look)
    if sha256 is not None and verdict is not None and verdict.kind == "duplicate" and verdict.agreement is not None:
        pictures.remember_copies(sha256, other_sha)
    return verdict


def record_new_photo(db, photo_id, print_, pictures=None, sha256=None):
    """Inside the new photo's transaction: find its matches, store its
    fingerprint and the suggestions. Returns the matches as JSON dicts."""
    # Looked up before the new row is written, so this process's index never
    # holds a photo whose transaction might still roll back.
    matches = find_matches(db, print_, exclude={photo_id}, pictures=pictures, sha256=sha256)
    save_fingerprint(db, photo_id, print_)
    rows = {row["id"]: row for row in duplicates.photos_by_id(db, [photo_id] + [m.photo_id for m in matches])}
    for match in matches:
        duplicates.suggest(db, photo_id, match.photo_id, match.verdict)
        match.explain(rows[photo_id], rows[match.photo_id], print_)
    return [m.to_json() for m in matches]


class LooseMatches:
    """Matching among photos that are not stored (an import's dry run): the
    same index search and comparison as find_matches, over fingerprints held
    here under keys of the caller's choosing."""

    def __init__(self):
        self.index = NearDuplicateIndex()
        self.keys, self.prints = [], []

    def matches(self, print_, pictures=None):
        """[(key, Verdict)] of the photos added so far that print_ matches,
        best first. pictures(key) gives (this photo's thumbnail, key's), or None."""
        if print_.detail < matching.FLAT_DETAIL or not self.keys:
            return []
        found = []
        for position in self.index.candidates(print_)[:MAX_CANDIDATES]:
            key = self.keys[position]
            look = (lambda key=key: pictures(key)) if pictures is not None else None
            verdict = matching.compare(print_, self.prints[position], pictures=look)
            if verdict is not None:
                found.append((key, verdict))
        found.sort(key=lambda m: (m[1].kind != "duplicate", m[1].phash_distance + m[1].dhash_distance))
        return found

    def add(self, key, print_):
        self.index.hashes.add([len(self.keys)], [index_row(print_)])
        self.keys.append(key)
        self.prints.append(print_)


def all_candidate_pairs(index, radius=matching.SEARCH_RADIUS):
    """Every pair of loaded photos whose hashes line up within radius, as a
    set of (older id, newer id): the same ways of lining up as a lookup."""
    hashes = index.hashes
    codes = np.stack([hashes.codes(slot) for slot in range(SLOTS)])
    upright = codes[0]
    cross = [TURNS + INDEXED_WINDOWS.index(w) for w in CROSS_WINDOWS]
    found = []
    # One photo turned, mirrored or windowed against the other as it is;
    # by symmetry the turns of the older photo are enough for either order.
    found.append(pairs_after(codes[list(range(TURNS)) + cross], upright, radius))
    # The older photo as it is against the newer one's windows.
    found.append(pairs_after(upright, codes[cross], radius))
    # The bottom strip against the same (caption bands).
    for w in SAME_WINDOWS:
        slot = TURNS + INDEXED_WINDOWS.index(w)
        found.append(pairs_after(codes[slot], codes[slot], radius))
    owners = hashes.owners
    pairs = set()
    for i, j in found:
        pairs.update(zip(owners[i].tolist(), owners[j].tolist()))
    return pairs
