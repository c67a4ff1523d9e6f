"""One segment of the search index: what a query filters, counts, orders
and matches for a set of photos, as flat arrays that can live in files.

The shared base segment covers every photo as of one entry of the change log
and is memory-mapped from the data directory by every process; small
segments built in memory cover the photos changed since (index.py; the
arrays come from SQLite in builder.py). Each array is indexed by slot: in
the base a slot is the photo id, in a small segment the position of the
photo id in `ids`.

- Photo columns: a byte of flags, times taken and uploaded, year, camera.
- Tags: for each tag id the sorted slots of the photos carrying it or a
  set below it (CSR: tag_offsets into tag_slots); tags on many photos also
  as bitsets, so that counting them for a facet is a popcount. Years and
  cameras are kept the same way, as tags numbered after the vocabulary's
  (tag_limit and up), for the same popcounts.
- Orders (the base only): the photos newest upload first, and by time
  taken, so that a page of hits is the first hits met along an order.
- Text: every token of each photo's photos_fts row (tokens.py makes them
  exactly as FTS5 does), grouped by term in the sorted term list, then by
  column, each run in order of slot and position: a word's matches in the
  columns a query looks at are a few contiguous runs. Beside each token,
  the term that follows it in its column (-1: none), so a phrase of two
  words is one run compared with a number, not two runs intersected.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from archive.catalogue.photos import camera_label

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
POSITION_BITS = 24  # positions in a column stay below 2**24
# Files written by another layout of the arrays are rebuilt, not read.
FORMAT = 3

_EPOCH = datetime(1970, 1, 1)

ARRAYS = ("state", "taken", "uploaded", "year", "camera", "tag_offsets", "tag_slots", "dense_tags",
          "dense_bits", "newest", "by_taken", "term_blob", "term_starts", "term_offsets", "token_slots",
          "token_positions", "token_next")


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
        self.tag_limit = meta["tag_limit"]  # real tags are below; years, then cameras, from here
        self.years = meta["years"]
        self.dated = meta["dated"]  # by_taken holds the dated photos first
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
        """Slots carrying a tag of the vocabulary (or a set below it)."""
        return self._slots_of(tag_id) if 0 <= tag_id < self.tag_limit else self.tag_slots[:0]

    def _slots_of(self, number):
        if not 0 <= number < self.tag_count:
            return self.tag_slots[:0]
        return self.tag_slots[self.tag_offsets[number] : self.tag_offsets[number + 1]]

    def bitset_row(self, tag_id):
        """The row of dense_bits that holds a tag of the vocabulary, or None
        when its slots are only listed."""
        return self._dense_row.get(tag_id) if 0 <= tag_id < self.tag_limit else None

    def tag_mask(self, tag_id):
        if not 0 <= tag_id < self.tag_limit:
            return np.zeros(self.size, bool)
        row = self.bitset_row(tag_id)
        if row is not None:
            return np.unpackbits(self.dense_bits[row].view(np.uint8), count=self.size,
                                 bitorder="little").view(bool)
        mask = np.zeros(self.size, bool)
        mask[self._slots_of(tag_id)] = True
        return mask

    def tag_counts(self, mask, tag_ids):
        """How many slots in mask carry each of tag_ids."""
        return self._counts(mask, [t if 0 <= t < self.tag_limit else -1 for t in tag_ids])

    def year_counts(self, mask):
        """{year: how many slots in mask were taken in it}"""
        counts = self._counts(mask, range(self.tag_limit, self.tag_limit + len(self.years)))
        return {year: int(count) for year, count in zip(self.years, counts) if count}

    def camera_counts(self, mask):
        """How many slots in mask each camera code (see `cameras`) took."""
        first = self.tag_limit + len(self.years)
        return self._counts(mask, range(first, first + len(self.cameras)))

    def _counts(self, mask, numbers):
        counts = np.zeros(len(numbers), np.int64)
        dense = []
        for i, number in enumerate(numbers):
            row = self._dense_row.get(number)
            if row is not None:
                dense.append((i, row))
            elif number >= 0:
                counts[i] = np.count_nonzero(mask[self._slots_of(number)])
        if dense:
            at, rows = (np.asarray(x, np.int64) for x in zip(*dense))
            packed = pack(mask)
            words = np.flatnonzero(packed)
            if len(words) * 8 < len(packed):
                # Few hits: only the words holding one are counted.
                picked = self.dense_bits[np.ix_(rows, words)] & packed[words]
                counts[at] = np.bitwise_count(picked).sum(axis=1, dtype=np.int64)
            else:
                both = np.empty(len(packed), np.uint64)
                for i, row in zip(at, rows):
                    np.bitwise_and(self.dense_bits[row], packed, out=both)
                    counts[i] = np.bitwise_count(both).sum(dtype=np.int64)
        return counts

    # -- text ----------------------------------------------------------------

    def term_index(self, term):
        """Position of term in the sorted term list, or None."""
        if self._terms is not None:
            return self._terms.get(term)
        key = term.encode()
        low = _bisect(lambda i: self._term_bytes(i) < key, len(self.term_starts) - 1)
        return low if low < len(self.term_starts) - 1 and self._term_bytes(low) == key else None

    def prefix_range(self, prefix):
        """Positions in the sorted term list of every term starting with prefix."""
        key = prefix.encode()
        if self._terms is not None:
            return [i for term, i in self._terms.items() if term.encode().startswith(key)]
        count = len(self.term_starts) - 1
        first = _bisect(lambda i: self._term_bytes(i) < key, count)
        last = _bisect(lambda i: self._term_bytes(i)[: len(key)] <= key, count)
        return range(first, last)

    def _term_bytes(self, i):
        return self.term_blob[self.term_starts[i] : self.term_starts[i + 1]].tobytes()

    def occurrence_count(self, index, column):
        """How many times the term at index occurs in one column."""
        at = index * len(FTS_COLUMNS) + column
        return int(self.term_offsets[at + 1] - self.term_offsets[at])

    def occurrences(self, index, column):
        """(slots, positions) of the term at index in one column, in order."""
        at = index * len(FTS_COLUMNS) + column
        start, end = self.term_offsets[at], self.term_offsets[at + 1]
        return self.token_slots[start:end], self.token_positions[start:end]

    def followers(self, index, column):
        """The term (its index) after each occurrence() of the term at index, -1 for none."""
        at = index * len(FTS_COLUMNS) + column
        return self.token_next[self.term_offsets[at] : self.term_offsets[at + 1]]


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


# -- files ---------------------------------------------------------------------


def save(segment, folder):
    """Write a base segment into folder (which must not exist yet)."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    for name in ARRAYS:
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
    if meta.get("format") != FORMAT:
        raise ValueError(f"the search index in {folder} has another layout")
    # Plain arrays over the mapped pages: numpy's memmap class costs Python
    # work on every slice.
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in ARRAYS}
    segment = Segment(arrays, meta)
    terms = len(segment.term_starts) - 1
    if (len(segment.term_offsets) != terms * len(FTS_COLUMNS) + 1
            or segment.term_offsets[-1] != len(segment.token_slots) or not len(segment.token_positions) == len(
                segment.token_next) == len(segment.token_slots)
            or segment.tag_offsets[-1] != len(segment.tag_slots)
            or len(segment.newest) > segment.size or len(segment.by_taken) != len(segment.newest)):
        raise ValueError(f"the search index in {folder} is damaged")
    return segment
