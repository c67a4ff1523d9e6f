"""Building a segment of the search index (segment.py) from SQLite.

A million photos must be indexed in seconds, not minutes, so nothing here
loops over rows in Python: SQLite computes what it can (a photo's flags),
each distinct value (a time, a camera, a column's text, a word) is handled
once in Python, and numpy spreads the results over whole columns. Text comes
from the photos_fts rows, tokenized exactly as FTS5 tokenizes them
(tokens.py).
"""

from itertools import chain, islice

import numpy as np

from archive.catalogue.photos import camera_label
from archive.search.fulltext import is_pieced
from archive.search.segment import (
    ARRAYS,
    DESCRIPTIVE_FACETS,
    EXISTS,
    FLAG_BITS,
    FORMAT,
    FTS_COLUMNS,
    LATIN_COLUMNS,
    NO_TIME,
    POSITION_BITS,
    PUBLIC,
    UNTAGGED,
    Segment,
    epoch_seconds,
    pack,
)
from archive.search.tokens import tokenizer

# What sets each photo's flag bits, as SQL over its row.
FLAG_SQL = {
    "gps": "gps_lat IS NOT NULL AND gps_lon IS NOT NULL",
    "title": "title != '' OR title_ko != ''",
    "caption": "caption != '' OR caption_ko != ''",
    # The archivist's text, or any machine draft's reading (see fulltext.py).
    "transcription": "transcription != '' OR EXISTS (SELECT 1 FROM transcription_drafts d"
                     " JOIN transcription_lines l ON l.draft_id = d.id WHERE d.photo_id = photos.id)",
    "date": "taken_at IS NOT NULL",
}
TAGS_COLUMN = FTS_COLUMNS.index("tags")
# Rows read at a time. A row's place in its batch takes 12 bits of a sort key.
_BATCH = 4096


def build(db, through, ids=None, progress=lambda done, total: None):
    """A segment of every photo (ids=None, slot = photo id) or of those ids,
    read from db inside the caller's read transaction."""
    if ids is not None:
        ids = np.unique(np.asarray(ids, np.int64))
        size = total = len(ids)
    else:
        size, total = db.execute("SELECT coalesce(max(id), 0) + 1, count(*) FROM photos").fetchone()
    builder = _Builder(db, ids, size)
    builder.photos()
    builder.tags()
    builder.orders()
    builder.text(lambda done: progress(done, total))
    arrays, meta = builder.result(through)
    return Segment(arrays, meta, ids)


class _Builder:
    def __init__(self, db, ids, size):
        self.db, self.ids, self.size = db, ids, size
        self.cameras = {}

    def _slots(self, photo_ids):
        photo_ids = np.asarray(photo_ids, np.int64)
        return photo_ids if self.ids is None else np.searchsorted(self.ids, photo_ids)

    def _rows(self, sql, order_column):
        """Batches of the rows of sql (which ends in a WHERE clause's start)
        for the segment's photos, in order of order_column."""
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
            rows = self.db.execute(f"{sql} {order_column} IN ({','.join('?' * len(chunk))})"
                                   f" ORDER BY {order_column}", chunk).fetchall()
            if rows:
                yield rows

    def photos(self):
        size = self.size
        self.state = np.zeros(size, np.uint8)
        self.taken = np.full(size, NO_TIME, np.int64)
        self.uploaded = np.zeros(size, np.int64)
        self.year = np.zeros(size, np.int16)
        self.camera = np.full(size, -1, np.int16)
        bits = [f"CASE WHEN is_public THEN {PUBLIC} ELSE 0 END"]
        bits += [f"CASE WHEN {FLAG_SQL[name]} THEN {bit} ELSE 0 END" for name, bit in FLAG_BITS.items()]
        sql = (f"SELECT id, {EXISTS} | {' | '.join(bits)}, taken_at, uploaded_at, camera_make, camera_model"
               " FROM photos WHERE")
        times = _Times()
        for rows in self._rows(sql, "id"):
            photo_ids, state, taken_at, uploaded_at, makes, models = zip(*rows)
            slots = self._slots(photo_ids)
            self.state[slots] = np.fromiter(state, np.uint8, len(state))
            self.taken[slots], self.year[slots] = times.of(taken_at)
            uploaded, _ = times.of(uploaded_at)
            self.uploaded[slots] = np.where(uploaded == NO_TIME, 0, uploaded)
            pairs = list(zip(makes, models))
            codes = {pair: self._camera_code(*pair) for pair in dict.fromkeys(pairs)}
            self.camera[slots] = np.fromiter(map(codes.__getitem__, pairs), np.int16, len(pairs))

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
        if self.ids is None:
            pairs = self.db.execute("SELECT photo_id, tag_id FROM photo_tags")
        else:
            pairs = chain.from_iterable(self._rows("SELECT photo_id, tag_id FROM photo_tags WHERE", "photo_id"))
        flat = np.fromiter(chain.from_iterable(pairs), np.int64)
        photos, tags = flat[0::2], flat[1::2]
        slots = self._slots(photos)
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
        # Years and cameras as tags after the vocabulary's: years first.
        self.tag_limit = top + 1
        dated = np.flatnonzero(self.year)
        self.years = np.unique(self.year[dated])
        keys.append(((self.tag_limit + np.searchsorted(self.years, self.year[dated])) << 32) | dated)
        with_camera = np.flatnonzero(self.camera >= 0)
        first_camera = self.tag_limit + len(self.years)
        keys.append(((first_camera + self.camera[with_camera].astype(np.int64)) << 32) | with_camera)
        # Sort and drop repeats by hand: np.unique hashes, which is slower here.
        keys = np.sort(np.concatenate(keys))
        if len(keys):
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        pair_tags, pair_slots = keys >> 32, (keys & 0xFFFFFFFF).astype(np.int32)
        counts = np.bincount(pair_tags, minlength=first_camera + len(self.cameras))
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

    def orders(self):
        """The base's photos newest upload first (equal times: higher id
        first), and by time taken (equal times: lower id first) with the
        undated after, in order of id."""
        if self.ids is not None:
            self.newest = self.by_taken = np.zeros(0, np.int32)
            self.dated = 0
            return
        slots = np.flatnonzero(self.state & EXISTS)
        self.newest = slots[np.lexsort((-slots, -self.uploaded[slots]))].astype(np.int32)
        taken = self.taken[slots]
        self.by_taken = slots[np.lexsort((slots, taken, taken == NO_TIME))].astype(np.int32)
        self.dated = int(np.count_nonzero(taken != NO_TIME))

    def text(self, progress):
        words = _Words()
        done = 0
        sql = f"SELECT rowid, {', '.join(FTS_COLUMNS)} FROM photos_fts WHERE"
        for rows in self._rows(sql, "rowid"):
            words.add(self._slots([row[0] for row in rows]), rows)
            done += len(rows)
            progress(done)
        (self.term_blob, self.term_starts, self.term_offsets, self.token_slots,
         self.token_positions, self.token_next) = words.arrays()

    def result(self, through):
        arrays = {name: getattr(self, name) for name in ARRAYS}
        cameras = sorted(self.cameras, key=self.cameras.get)
        return arrays, {"format": FORMAT, "through": through, "cameras": [list(c) for c in cameras],
                        "tag_limit": self.tag_limit, "years": [int(y) for y in self.years], "dated": self.dated}


class _Times:
    """Seconds and year of ISO times, each distinct text read once."""

    def __init__(self):
        self._known = {}

    def of(self, texts):
        """(seconds, year) arrays for texts: NO_TIME and 0 where unreadable."""
        known = self._known
        if len(known) > 200_000:
            known.clear()
        for text in dict.fromkeys(texts):
            if text not in known:
                seconds = epoch_seconds(text)
                known[text] = (NO_TIME, 0) if seconds is None else (seconds, int(text[:4]))
        found = list(map(known.__getitem__, texts))
        return (np.fromiter((s for s, _ in found), np.int64, len(found)),
                np.fromiter((y for _, y in found), np.int16, len(found)))


def _spread(lengths, which):
    """The elements of items `which` of a list of runs (lengths, laid one
    after another), in a row: (index of each in the runs' array, the place
    in `which` it came from, its place in its run)."""
    starts = np.cumsum(lengths) - lengths
    counts = lengths[which]
    ends = np.cumsum(counts)
    owner = np.repeat(np.arange(len(which)), counts)
    within = np.arange(int(ends[-1]) if len(ends) else 0) - (ends - counts)[owner]
    return starts[which][owner] + within, owner, within


class _Words:
    """The text side of a segment, batch by batch: every token of the rows
    of photos_fts, grouped by term (sorted by its bytes) and column, each
    run in order of slot and position.

    A column's text is cut into units, white-space chunks (the tags column:
    each tag's words, between " ; "); each distinct value is cut once, each
    distinct unit tokenized once (tokens.py), and numpy spreads the tokens
    over the rows. Each batch is sorted on its own; arrays() lays the
    batches out by term and column, as a counting sort would, without
    sorting everything again."""

    def __init__(self):
        self.tokens = tokenizer()
        self.term_ids = {}  # term -> id, in order of discovery
        self.hangul = np.zeros(1024, bool)  # id -> whether the term is Korean
        self.units = {}  # unit -> its term ids
        self.batches = []  # (term ids, columns, how many tokens each, slots, positions, next term ids)

    def _term_id(self, term):
        term_id = self.term_ids.get(term)
        if term_id is None:
            term_id = self.term_ids[term] = len(self.term_ids)
            if term_id >= len(self.hangul):
                self.hangul = np.concatenate([self.hangul, np.zeros(len(self.hangul), bool)])
            self.hangul[term_id] = not term.isascii() and any(is_pieced(ch) for ch in term)
        return term_id

    def _units(self, units, tags):
        """The term ids of each of units (distinct), as tuples."""
        found = list(map(self.units.get, units))
        missing = [unit for unit, terms in zip(units, found) if terms is None]
        if not missing:
            return found
        if len(self.units) >= 500_000:
            self.units.clear()
        plain = [unit for unit in missing if unit.isascii()]
        counts, terms = self.tokens.plain_chunks(plain)
        for term in dict.fromkeys(terms):
            self._term_id(term)
        ids = iter(list(map(self.term_ids.__getitem__, terms)))
        self.units.update(zip(plain, [tuple(islice(ids, count)) for count in counts]))
        for unit in missing:
            if not unit.isascii():
                words = self.tokens.tokens(unit) if tags else self.tokens.chunk(unit)
                self.units[unit] = tuple(self._term_id(term) for term in words)
        return [terms if terms is not None else self.units[unit] for unit, terms in zip(units, found)]

    def add(self, slots, rows):
        """Tokens of rows (rowid, then one value per column) at slots."""
        columns = [self._column(column, [row[column + 1] or "" for row in rows])
                   for column in range(len(FTS_COLUMNS))]
        terms = np.concatenate([terms for terms, _ in columns])
        places = np.concatenate([places for _, places in columns])  # column << 36 | row << 24 | position
        # Places come in order, so a token's follower in its column is the next
        # one along when its place is one further.
        following = np.full(len(terms), -1, np.int64)
        if len(terms):
            follows = places[1:] == places[:-1] + 1
            following[:-1][follows] = terms[1:][follows]
        if len(self.term_ids) < 1 << 23:
            order = np.argsort((terms << 40) | places)  # one key: faster than sorting on two
        else:
            order = np.lexsort((places, terms))
        terms, places, following = terms[order], places[order], following[order]
        runs = (terms << 4) | (places >> 36)
        first = np.flatnonzero(np.concatenate([[True], runs[1:] != runs[:-1]])) if len(runs) else runs
        counts = np.diff(np.append(first, len(runs)))
        self.batches.append((terms[first], places[first] >> 36, counts,
                             np.asarray(slots, np.int32)[(places >> POSITION_BITS) & 0xFFF],
                             (places & ((1 << POSITION_BITS) - 1)).astype(np.int32), following))

    def _column(self, column, values):
        """(terms, places) of one column's tokens, a place being
        column << 36 | row << 24 | position, row the place in the batch."""
        tags = column == TAGS_COLUMN
        # Each distinct value is cut into units once, each distinct unit tokenized once.
        value_index = dict.fromkeys(values)
        pieces = [value.split(" ; ") for value in value_index] if tags else list(map(str.split, value_index))
        units = list(chain.from_iterable(pieces))
        unit_index = dict.fromkeys(units)
        known = self._units(list(unit_index), tags)
        unit_index = dict(zip(unit_index, range(len(unit_index))))
        known_lengths = np.fromiter(map(len, known), np.int64, len(known))
        known_terms = np.fromiter(chain.from_iterable(known), np.int64, int(known_lengths.sum()))
        which = np.fromiter(map(unit_index.__getitem__, units), np.int64, len(units))
        value_terms = known_terms[_spread(known_lengths, which)[0]]
        unit_ends = np.concatenate([[0], np.cumsum(known_lengths[which])])
        value_ends = unit_ends[np.cumsum(np.fromiter(map(len, pieces), np.int64, len(pieces)))]
        value_lengths = np.diff(np.concatenate([[0], value_ends]))
        value_index = dict(zip(value_index, range(len(value_index))))
        which = np.fromiter(map(value_index.__getitem__, values), np.int64, len(values))
        flat, rows, positions = _spread(value_lengths, which)
        terms = value_terms[flat]
        places = (column << 36) | (rows << POSITION_BITS) | positions
        if column < LATIN_COLUMNS:
            # Korean in the columns as written is never asked for (a query's
            # Korean goes to the piece columns), so it is not kept.
            keep = ~self.hangul[terms]
            terms, places = terms[keep], places[keep]
        return terms, places

    def arrays(self):
        """(term_blob, term_starts, term_offsets, token_slots, token_positions, token_next)."""
        ordered = sorted(self.term_ids, key=str.encode)
        rank = np.zeros(len(ordered), np.int64)
        rank[[self.term_ids[term] for term in ordered]] = np.arange(len(ordered))
        columns = len(FTS_COLUMNS)
        counts = np.zeros(len(ordered) * columns, np.int64)
        for terms, in_columns, how_many, *_ in self.batches:
            counts[rank[terms] * columns + in_columns] += how_many
        term_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        token_slots = np.zeros(term_offsets[-1], np.int32)
        token_positions = np.zeros(term_offsets[-1], np.int32)
        token_next = np.zeros(term_offsets[-1], np.int32)
        # Followers as places in the sorted term list, -1 (the last place) staying -1.
        next_rank = np.append(rank, -1).astype(np.int32)
        cursor = term_offsets[:-1].copy()
        while self.batches:
            terms, in_columns, how_many, slots, positions, following = self.batches.pop(0)
            runs = rank[terms] * columns + in_columns
            starts = np.cumsum(how_many) - how_many
            at = np.arange(len(slots)) + np.repeat(cursor[runs] - starts, how_many)
            token_slots[at], token_positions[at], token_next[at] = slots, positions, next_rank[following]
            cursor[runs] += how_many
        encoded = [term.encode() for term in ordered]
        term_starts = np.concatenate([[0], np.cumsum([len(e) for e in encoded], dtype=np.int64)]).astype(np.int64)
        term_blob = np.frombuffer(b"".join(encoded), np.uint8) if encoded else np.zeros(0, np.uint8)
        return term_blob, term_starts, term_offsets, token_slots, token_positions, token_next
