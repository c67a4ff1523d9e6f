"""One segment of the search index: what a query filters, counts and
matches for a set of photos, as flat arrays that can live in files.

The shared base segment covers every photo as of one entry of the change log
and is memory-mapped from the data directory by every process; small
segments built in memory cover the photos changed since (index.py). Each
array is indexed by slot: in the base a slot is the photo id, in a small
segment the position of the photo id in `ids`.

- Photo columns: a byte of flags, times taken and uploaded, year, camera.
- Tags: for each tag id the sorted slots of the photos carrying it or a
  set below it (CSR: tag_offsets into tag_slots); tags on many photos also
  as bitsets, so that counting them for a facet is a popcount.
- Text: every token of each photo's photos_fts row (tokens.py makes them
  exactly as FTS5 does), grouped by term in the sorted term list, each with
  its slot and where it stands (column << 24 | position) for phrases.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from archive.catalogue.photos import camera_label
from archive.search.fulltext import is_pieced
from archive.search.tokens import tokenizer

# Facets whose tags are counted beside results; year and camera come from photos.
TAG_FACETS = ("set", "subject", "film", "trip")
# A photo without a tag in these is "untagged": its trip tag comes from import.
DESCRIPTIVE_FACETS = ("set", "subject", "film", "place", "keyword")
NO_TIME = np.iinfo(np.int64).max

EXISTS, PUBLIC, UNTAGGED = 1, 2, 4
FLAG_BITS = {"gps": 8, "title": 16, "caption": 32, "transcription": 64, "date": 128}
PHOTO_FLAGS = tuple(FLAG_BITS)

# photos_fts's columns in order; a token's column is its index here.
FTS_COLUMNS = ("title", "caption", "transcription", "original_filename", "tags",
               "ko2", "ko1", "ko2_head", "ko1_head")
LATIN_COLUMNS = 5  # the first five hold the text as written; the rest Korean pieces
_POSITION_BITS = 24
_BATCH = 5000

_EPOCH = datetime(1970, 1, 1)

_ARRAYS = ("state", "taken", "uploaded", "year", "camera", "tag_offsets", "tag_slots", "dense_tags",
           "dense_bits", "term_blob", "term_starts", "term_offsets", "token_slots", "token_where")


def epoch_seconds(iso):
    """Seconds since 1970 for an ISO time, read as written (zones dropped); None if unreadable."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return int((moment - _EPOCH).total_seconds())


class Segment:
    def __init__(self, arrays, meta, ids=None):
        self.__dict__.update(arrays)
        self.meta = meta
        self.through = meta["through"]
        self.ids = ids  # None: slot = photo id
        self.size = len(self.state)
        self.cameras = [(f"{make} {model}".lower(), camera_label({"camera_make": make, "camera_model": model}))
                        for make, model in meta["cameras"]]
        self.tag_count = len(self.tag_offsets) - 1
        self._dense_row = {int(tag): row for row, tag in enumerate(self.dense_tags)}
        self._terms = None if ids is None else {
            bytes(self.term_blob[self.term_starts[i] : self.term_starts[i + 1]]).decode(): i
            for i in range(len(self.term_starts) - 1)}

    # -- photos --------------------------------------------------------------

    def has(self, bit):
        return (self.state & bit) != 0

    def photo_count(self):
        return int(np.count_nonzero(self.has(EXISTS)))

    def slots_of(self, photo_ids):
        """Slots of those photo ids that this segment holds."""
        photo_ids = np.asarray(photo_ids, np.int64)
        if self.ids is None:
            return photo_ids[(photo_ids >= 0) & (photo_ids < self.size)]
        if not len(self.ids):
            return np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(self.ids, photo_ids), len(self.ids) - 1)
        return at[self.ids[at] == photo_ids]

    def photo_ids(self, slots):
        return slots if self.ids is None else self.ids[slots]

    # -- tags ----------------------------------------------------------------

    def tag_slots_of(self, tag_id):
        if not 0 <= tag_id < self.tag_count:
            return self.tag_slots[:0]
        return self.tag_slots[self.tag_offsets[tag_id] : self.tag_offsets[tag_id + 1]]

    def tag_mask(self, tag_id):
        row = self._dense_row.get(tag_id)
        if row is not None:
            return np.unpackbits(self.dense_bits[row].view(np.uint8), count=self.size,
                                 bitorder="little").view(bool)
        mask = np.zeros(self.size, bool)
        mask[self.tag_slots_of(tag_id)] = True
        return mask

    def has_tag(self, tag_id, slots):
        """Whether each of slots carries the tag (or a set below it)."""
        slots = np.asarray(slots, np.int64)
        row = self._dense_row.get(tag_id)
        if row is not None:
            words = self.dense_bits[row][slots >> 6]
            return ((words >> (slots & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)
        carriers = self.tag_slots_of(tag_id)
        if not len(carriers):
            return np.zeros(len(slots), bool)
        at = np.minimum(np.searchsorted(carriers, slots), len(carriers) - 1)
        return carriers[at] == slots

    def tag_counts(self, mask, tag_ids):
        """How many slots in mask carry each of tag_ids."""
        packed = None
        counts = np.zeros(len(tag_ids), np.int64)
        for i, tag_id in enumerate(tag_ids):
            row = self._dense_row.get(tag_id)
            if row is not None:
                if packed is None:
                    packed = pack(mask)
                counts[i] = int(np.bitwise_count(self.dense_bits[row] & packed).sum())
            else:
                counts[i] = int(np.count_nonzero(mask[self.tag_slots_of(tag_id)]))
        return counts

    # -- text ----------------------------------------------------------------

    def term_index(self, term):
        """Position of term in the sorted term list, or None."""
        if self._terms is not None:
            return self._terms.get(term)
        key = term.encode()
        low, high = 0, len(self.term_starts) - 1
        while low < high:
            middle = (low + high) // 2
            if self._term_bytes(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low if low < len(self.term_starts) - 1 and self._term_bytes(low) == key else None

    def prefix_range(self, prefix):
        """Positions in the sorted term list of every term starting with prefix."""
        key = prefix.encode()
        if self._terms is not None:
            found = [i for term, i in self._terms.items() if term.encode().startswith(key)]
            return found
        count = len(self.term_starts) - 1
        first = _bisect(lambda i: self._term_bytes(i) < key, count)
        last = _bisect(lambda i: self._term_bytes(i)[: len(key)] <= key, count)
        return range(first, last)

    def _term_bytes(self, i):
        return self.term_blob[self.term_starts[i] : self.term_starts[i + 1]].tobytes()

    def term_tokens(self, index):
        """(slots, where) of every occurrence of the term at index."""
        start, end = self.term_offsets[index], self.term_offsets[index + 1]
        return self.token_slots[start:end], self.token_where[start:end]


def _bisect(before, count):
    low, high = 0, count
    while low < high:
        middle = (low + high) // 2
        if before(middle):
            low = middle + 1
        else:
            high = middle
    return low


def pack(mask):
    """A bool mask as little-endian 64-bit words, the layout of dense_bits."""
    words = (len(mask) + 63) // 64
    packed = np.zeros(words * 8, np.uint8)
    bits = np.packbits(mask, bitorder="little")
    packed[: len(bits)] = bits
    return packed.view(np.uint64)


# -- building ------------------------------------------------------------------


def build(db, through, ids=None, progress=lambda done, total: None):
    """A segment of every photo (ids=None, slot = photo id) or of those ids,
    read from db inside the caller's read transaction."""
    if ids is not None:
        ids = np.unique(np.asarray(ids, np.int64))
        size = len(ids)
    else:
        size = db.execute("SELECT coalesce(max(id), 0) + 1 FROM photos").fetchone()[0]
    total = size if ids is None else len(ids)
    builder = _Builder(db, ids, size)
    builder.photos()
    builder.tags()
    builder.text(lambda done: progress(done, total))
    arrays, meta = builder.result(through)
    return Segment(arrays, meta, ids)


class _Builder:
    def __init__(self, db, ids, size):
        self.db, self.ids, self.size = db, ids, size
        self.cameras = {}

    def _slot(self, photo_id):
        return photo_id if self.ids is None else int(np.searchsorted(self.ids, photo_id))

    def _rows(self, sql, order_column):
        """Rows of sql (which ends in a WHERE clause's start) for the segment's photos."""
        if self.ids is None:
            after = -1
            while True:
                rows = self.db.execute(f"{sql} {order_column} > ? ORDER BY {order_column} LIMIT {_BATCH}",
                                       [after]).fetchall()
                if not rows:
                    return
                yield rows
                after = rows[-1][0]
        for start in range(0, len(self.ids), 500):
            chunk = [int(i) for i in self.ids[start : start + 500]]
            yield self.db.execute(f"{sql} {order_column} IN ({','.join('?' * len(chunk))})"
                                  f" ORDER BY {order_column}", chunk).fetchall()

    def photos(self):
        size = self.size
        self.state = np.zeros(size, np.uint8)
        self.taken = np.full(size, NO_TIME, np.int64)
        self.uploaded = np.zeros(size, np.int64)
        self.year = np.zeros(size, np.int16)
        self.camera = np.full(size, -1, np.int16)
        sql = ("SELECT id, is_public, taken_at, uploaded_at, camera_make, camera_model,"
               " gps_lat IS NOT NULL AND gps_lon IS NOT NULL, title != '' OR title_ko != '',"
               " caption != '' OR caption_ko != '',"
               " transcription != '' OR EXISTS (SELECT 1 FROM transcription_drafts d JOIN transcription_lines l"
               " ON l.draft_id = d.id WHERE d.photo_id = photos.id), taken_at IS NOT NULL FROM photos WHERE")
        times = {}

        def seconds(iso):
            found = times.get(iso, times)
            if found is times:
                found = times[iso] = epoch_seconds(iso)
                if len(times) > 100_000:
                    times.clear()
            return found

        for rows in self._rows(sql, "id"):
            if not rows:
                continue
            photo_ids, public, taken_at, uploaded_at, makes, models, *flags = zip(*rows)
            slots = np.asarray(photo_ids, np.int64) if self.ids is None else \
                np.searchsorted(self.ids, np.asarray(photo_ids, np.int64))
            state = EXISTS | np.where(np.asarray(public, bool), PUBLIC, 0)
            for bit, values in zip(FLAG_BITS.values(), flags):
                state |= np.where(np.asarray(values, bool), bit, 0)
            self.state[slots] = state
            taken = [seconds(iso) for iso in taken_at]
            dated = np.asarray([t is not None for t in taken], bool)
            self.taken[slots[dated]] = [t for t in taken if t is not None]
            self.year[slots[dated]] = [int(iso[:4]) for iso, t in zip(taken_at, taken) if t is not None]
            self.uploaded[slots] = [seconds(iso) or 0 for iso in uploaded_at]
            codes = {}
            self.camera[slots] = [codes[pair] if pair in codes else codes.setdefault(pair, self._camera_code(*pair))
                                  for pair in zip(makes, models)]

    def _camera_code(self, make, model):
        if not camera_label({"camera_make": make, "camera_model": model}):
            return -1
        return self.cameras.setdefault((make or "", model or ""), len(self.cameras))

    def tags(self):
        rows = self.db.execute("SELECT id, parent_id, facet FROM tags").fetchall()
        top = max([row[0] for row in rows] + [0])
        parent_of = np.full(top + 1, -1, np.int64)
        descriptive = np.zeros(top + 1, bool)
        for tag_id, parent_id, facet in rows:
            if parent_id is not None:
                parent_of[tag_id] = parent_id
            descriptive[tag_id] = facet in DESCRIPTIVE_FACETS
        sql = "SELECT photo_id, tag_id FROM photo_tags WHERE"
        if self.ids is None:
            flat = np.fromiter((v for row in self.db.execute("SELECT photo_id, tag_id FROM photo_tags")
                                for v in row), np.int64)
        else:
            flat = np.fromiter((v for rows in self._rows(sql, "photo_id") for row in rows for v in row),
                               np.int64)
        photos, tags = flat[0::2], flat[1::2]
        slots = photos if self.ids is None else np.searchsorted(self.ids, photos)
        inside = (slots < self.size) & (tags <= top)  # pairs of rows gone or still being written
        slots, tags = slots[inside], tags[inside]
        tagged = np.zeros(self.size, bool)
        tagged[slots[descriptive[tags]]] = True
        self.state[(self.state & EXISTS != 0) & ~tagged] |= UNTAGGED
        keys, level, below = [(tags << 32) | slots], tags, slots
        for _ in range(4):  # the vocabulary keeps sets at most three levels deep
            level = parent_of[level]
            has_parent = level >= 0
            level, below = level[has_parent], below[has_parent]
            if not len(level):
                break
            keys.append((level << 32) | below)
        # Sort and drop repeats by hand: np.unique hashes, which is slower here.
        keys = np.sort(np.concatenate(keys))
        if len(keys):
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        pair_tags, pair_slots = keys >> 32, (keys & 0xFFFFFFFF).astype(np.int32)
        counts = np.bincount(pair_tags, minlength=top + 1)
        self.tag_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.tag_slots = pair_slots
        # A bitset costs size/8 bytes, a list of slots 4 a photo: worth it past size/32.
        dense = np.flatnonzero(counts >= max(self.size // 32, 64)) if self.ids is None else np.zeros(0, int)
        self.dense_tags = dense.astype(np.int32)
        self.dense_bits = np.zeros((len(dense), (self.size + 63) // 64), np.uint64)
        for row, tag_id in enumerate(dense):
            mask = np.zeros(self.size, bool)
            mask[self.tag_slots[self.tag_offsets[tag_id] : self.tag_offsets[tag_id + 1]]] = True
            self.dense_bits[row] = pack(mask)

    def text(self, progress):
        tokens = tokenizer()
        vocabulary, hangul = {}, []
        chunk_ids = {}  # white-space chunk (or tag's text) -> term ids

        def ids_of(chunk, split):
            found = chunk_ids.get(chunk)
            if found is None:
                terms = tokens.tokens(chunk) if split else tokens.chunk(chunk)
                found = []
                for term in terms:
                    term_id = vocabulary.get(term)
                    if term_id is None:
                        term_id = vocabulary[term] = len(vocabulary)
                        hangul.append(not term.isascii() and any(is_pieced(ch) for ch in term))
                    found.append(term_id)
                found = tuple(found)
                if len(chunk_ids) >= 1_000_000:
                    chunk_ids.clear()
                chunk_ids[chunk] = found
            return found

        parts = {"terms": [], "slots": [], "where": []}
        done = 0
        sql = f"SELECT rowid, {', '.join(FTS_COLUMNS)} FROM photos_fts WHERE"
        for rows in self._rows(sql, "rowid"):
            terms, counts, slots = [], [], []
            for photo_id, *columns in rows:
                slots.append(self._slot(photo_id))
                for column, text in enumerate(columns):
                    before = len(terms)
                    if column == 4:
                        # The tags column repeats each tag's words, joined by " ; ".
                        for part in text.split(" ; "):
                            terms.extend(chunk_ids.get(part) or ids_of(part, True))
                    else:
                        for chunk in text.split():
                            terms.extend(chunk_ids.get(chunk) or ids_of(chunk, False))
                    counts.append(len(terms) - before)
            terms = np.asarray(terms, np.int32)
            counts = np.asarray(counts, np.int64)
            starts = np.repeat(np.cumsum(counts) - counts, counts)
            positions = np.arange(len(terms)) - starts
            columns = np.repeat(np.tile(np.arange(len(FTS_COLUMNS)), len(rows)), counts)
            token_slots = np.repeat(np.asarray(slots, np.int32), counts.reshape(-1, len(FTS_COLUMNS)).sum(1))
            is_hangul_term = np.asarray(hangul, bool)
            # Korean in the columns as written is never asked for (a query's
            # Korean goes to the piece columns), so it is not kept.
            keep = ~(is_hangul_term[terms] & (columns < LATIN_COLUMNS))
            parts["terms"].append(terms[keep])
            parts["slots"].append(token_slots[keep])
            parts["where"].append(((columns[keep] << _POSITION_BITS) | positions[keep]).astype(np.int32))
            done += len(rows)
            progress(done)
        ordered = sorted(vocabulary, key=str.encode)
        rank = np.zeros(len(vocabulary), np.int32)
        rank[[vocabulary[term] for term in ordered]] = np.arange(len(ordered), dtype=np.int32)
        terms = rank[np.concatenate(parts["terms"])] if parts["terms"] else np.zeros(0, np.int32)
        order = np.argsort(terms, kind="stable")  # keeps each term's tokens in slot, column, position order
        self.token_slots = (np.concatenate(parts["slots"])[order] if parts["slots"] else
                            np.zeros(0, np.int32))
        self.token_where = (np.concatenate(parts["where"])[order] if parts["where"] else
                            np.zeros(0, np.int32))
        self.term_offsets = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(ordered)))]
                                           ).astype(np.int64)
        encoded = [term.encode() for term in ordered]
        self.term_starts = np.concatenate([[0], np.cumsum([len(e) for e in encoded], dtype=np.int64)]
                                          ).astype(np.int64)
        self.term_blob = np.frombuffer(b"".join(encoded), np.uint8) if encoded else np.zeros(0, np.uint8)

    def result(self, through):
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        cameras = sorted(self.cameras, key=self.cameras.get)
        return arrays, {"through": through, "cameras": [list(c) for c in cameras]}


# -- files ---------------------------------------------------------------------


def save(segment, folder):
    """Write a base segment into folder (which must not exist yet)."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    for name in _ARRAYS:
        with open(folder / f"{name}.npy", "wb") as out:
            np.save(out, np.ascontiguousarray(getattr(segment, name)))
            out.flush()
            os.fsync(out.fileno())
    with open(folder / "meta.json", "w", encoding="utf-8") as out:
        json.dump(segment.meta, out)
        out.flush()
        os.fsync(out.fileno())


def load(folder):
    """The base segment in folder, its arrays mapped (shared with every process
    that maps them). Raises OSError or ValueError when a file is missing or damaged."""
    folder = Path(folder)
    with open(folder / "meta.json", encoding="utf-8") as f:
        meta = json.load(f)
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    segment = Segment(arrays, meta)
    if len(segment.term_offsets) != len(segment.term_starts) or segment.term_offsets[-1] != len(
            segment.token_slots) or segment.tag_offsets[-1] != len(segment.tag_slots):
        raise ValueError(f"the search index in {folder} is damaged")
    return segment
