"""An in-memory Hamming index over 64-bit hashes: brute force, done fast.

Each photo owns one hash in every slot (slot 0 its upright pHash, the others
the pHashes of its turns and of its crop and turn windows). A slot is one
faiss flat binary table, contiguous memory that faiss scans with a fused XOR
and popcount; in a large index the searches of one lookup run side by side
on every CPU. At a million photos a slot is 8 MB and one query hash takes a
third of a millisecond. The all-pairs join (pairs_after) works on the same
memory in numpy tiles. Nothing here knows about SQLite or photos' meaning.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

from archive import threads


class HammingIndex:
    def __init__(self, slots):
        self.slots = slots
        self.size = 0
        self._owners = np.empty(1024, np.int64)
        # One flat binary table per slot: faiss compares 64-bit codes with a
        # fused XOR and popcount, where numpy needs a pass for each.
        self._tables = [faiss.IndexBinaryFlat(64) for _ in range(slots)]

    @property
    def owners(self):
        return self._owners[: self.size]

    def codes(self, slot):
        """One slot's codes as uint64: a view of the table's own memory,
        valid until the next add."""
        table = self._tables[slot]
        if table.ntotal == 0:
            return np.zeros(0, np.uint64)
        return faiss.rev_swig_ptr(table.xb.data(), table.ntotal * 8).view(np.uint64)

    def add(self, owners, codes):
        """Append entries: owners is a sequence of ints, codes an (n, slots)
        array-like of signed or unsigned 64-bit hashes."""
        owners = np.asarray(owners, np.int64)
        codes = np.asarray(codes, np.int64).reshape(len(owners), self.slots)
        needed = self.size + len(owners)
        if needed > len(self._owners):
            grown = np.empty(max(needed, 2 * len(self._owners)), np.int64)
            grown[: self.size] = self.owners
            self._owners = grown
        self._owners[self.size : needed] = owners
        for slot, table in enumerate(self._tables):
            table.add(_as_bytes(codes[:, slot]))
        self.size = needed

    def search(self, slot, queries, radius, limit=None):
        """Entries of one slot within radius bits of any query hash; see search_many."""
        return self.search_many([(slot, queries)], radius, limit)

    def search_many(self, requests, radius, limit=None):
        """Entries within radius bits of any query hash of any request, where
        each request is (slot, query hashes) and searches that slot.

        Returns (positions, distances): positions index into owners; each
        entry appears once, at its smallest distance to any query. `limit`
        keeps only the entries of the first `limit` positions (the photos
        older than a given one)."""
        # Work goes to this process's threads, a request with many query
        # hashes split in one piece per CPU: faiss lets go of the GIL while
        # it scans a table.
        pieces = [(slot, piece) for slot, queries in requests if len(queries)
                  for piece in np.array_split(_as_bytes(queries), min(len(queries), threads.cpu_count()))]
        if self.size >= PARALLEL_FROM and len(pieces) > 1:
            found = list(threads.pool("hamming").map(lambda p: self._search_one(*p, radius), pieces))
        else:
            found = [self._search_one(slot, queries, radius) for slot, queries in pieces]
        positions = np.concatenate([p for p, _ in found] or [np.zeros(0, np.int64)])
        distances = np.concatenate([d for _, d in found] or [np.zeros(0, np.uint8)])
        if limit is not None:
            keep = positions < limit
            positions, distances = positions[keep], distances[keep]
        # Nearest first within each position, then the first of each position.
        order = np.lexsort((distances, positions))
        positions, distances = positions[order], distances[order]
        first = np.ones(len(positions), bool)
        first[1:] = positions[1:] != positions[:-1]
        return positions[first], distances[first]

    def _search_one(self, slot, queries, radius):
        # A lookup spreads its pieces over threads itself (see search_many);
        # faiss's own OpenMP threads on top would only compete for the same
        # CPUs. The setting belongs to the calling thread, so it is made here.
        faiss.omp_set_num_threads(1)
        # faiss returns the codes strictly closer than its radius.
        _, distances, positions = self._tables[slot].range_search(queries, radius + 1)
        return positions.astype(np.int64), distances.astype(np.uint8)


def _as_bytes(hashes):
    """64-bit hashes as the (n, 8) bytes faiss takes; the Hamming distance
    between two codes is the same in either form."""
    hashes = np.ascontiguousarray(np.asarray(hashes, np.int64))
    return hashes.view(np.uint8).reshape(len(hashes), 8)


# Below this many entries the searches of one lookup run one after another:
# handing them to other threads would cost more than it saves.
PARALLEL_FROM = 1 << 17


def pairs_after(queries, targets, radius, rows=256, cols=4096, workers=None):
    """All (i, j) with i < j and some query hash of i within radius bits of
    some target hash of j: the all-pairs join of one collection with itself.

    queries is (q, n) and targets (t, n): q and t hashes per item (for
    example its eight turns). Work goes by tiles of rows x cols so each
    tile's scratch stays in the CPU cache; tiles below the diagonal are
    skipped. numpy lets go of the GIL inside each operation, so bands of
    rows run on `workers` threads (default: one per CPU)."""
    queries = np.atleast_2d(np.asarray(queries, np.int64).view(np.uint64))
    targets = np.atleast_2d(np.asarray(targets, np.int64).view(np.uint64))
    n = targets.shape[1]
    combos = [(query, target) for query in queries for target in targets]

    def band(r0):
        r1 = min(r0 + rows, n)
        scratch = np.empty((rows, cols), np.uint64)
        counts = np.empty((rows, cols), np.uint8)
        nearest = np.empty((rows, cols), np.uint8)
        close = np.empty((rows, cols), bool)
        found_i, found_j = [], []
        for c0 in range(r0, n, cols):
            c1 = min(c0 + cols, n)
            width = c1 - c0
            x, c, m, b = (a[: r1 - r0, :width] for a in (scratch, counts, nearest, close))
            for k, (query, target) in enumerate(combos):
                np.bitwise_xor(query[r0:r1, None], target[None, c0:c1], out=x)
                np.bitwise_count(x, out=c if k else m)
                if k:
                    np.minimum(m, c, out=m)
            np.less_equal(m, radius, out=b)
            # flatnonzero is several times faster than a 2-D nonzero.
            hits = np.flatnonzero(b)
            hit_i, hit_j = hits // width + r0, hits % width + c0
            keep = hit_i < hit_j
            found_i.append(hit_i[keep])
            found_j.append(hit_j[keep])
        return found_i, found_j

    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(band, range(0, n, rows)))
    found_i = [part for i, _ in results for part in i]
    found_j = [part for _, j in results for part in j]
    if not found_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_i), np.concatenate(found_j)
