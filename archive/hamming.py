"""An in-memory Hamming index over 64-bit hashes: brute force, but in numpy.

Each photo owns one hash in every slot (slot 0 its upright pHash, the others
the pHashes of its crop and turn windows). A slot is one contiguous uint64
array, so a search is an XOR and a popcount (numpy's bitwise_count) over
contiguous memory, a block at a time so that the work stays in the CPU cache,
and a large index in parts on every CPU. At a million photos a slot is 8 MB
and one query hash takes well under a millisecond; nothing here knows about
SQLite or photos' meaning.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Query-hash pairs per block: a block and its scratch space fit in L2.
BLOCK_PAIRS = 1 << 16


class HammingIndex:
    def __init__(self, slots):
        self.slots = slots
        self.size = 0
        self._owners = np.empty(1024, np.int64)
        self._codes = np.empty((slots, 1024), np.uint64)

    @property
    def owners(self):
        return self._owners[: self.size]

    def codes(self, slot):
        return self._codes[slot, : self.size]

    def add(self, owners, codes):
        """Append entries: owners is a sequence of ints, codes an (n, slots)
        array-like of signed or unsigned 64-bit hashes."""
        owners = np.asarray(owners, np.int64)
        codes = np.asarray(codes, np.int64).reshape(len(owners), self.slots).view(np.uint64)
        needed = self.size + len(owners)
        if needed > len(self._owners):
            capacity = max(needed, 2 * len(self._owners))
            grown_owners = np.empty(capacity, np.int64)
            grown_owners[: self.size] = self.owners
            grown_codes = np.empty((self.slots, capacity), np.uint64)
            grown_codes[:, : self.size] = self._codes[:, : self.size]
            self._owners, self._codes = grown_owners, grown_codes
        self._owners[self.size : needed] = owners
        self._codes[:, self.size : needed] = codes.T
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
        older than a given one). A large index is searched in parts, one per
        CPU: numpy lets go of the GIL inside each operation."""
        requests = [(slot, np.asarray(queries, np.int64).view(np.uint64)) for slot, queries in requests]
        end = self.size if limit is None else min(limit, self.size)
        parts = _cpu_count() if end >= PARALLEL_FROM else 1
        bounds = [(end * k // parts, end * (k + 1) // parts) for k in range(parts)]
        if parts == 1:
            found = [self._search_range(requests, radius, *bounds[0])]
        else:
            found = list(_pool().map(lambda b: self._search_range(requests, radius, *b), bounds))
        positions = [p for part in found for p, _ in part]
        if not positions:
            return np.zeros(0, np.int64), np.zeros(0, np.uint8)
        positions = np.concatenate(positions)
        distances = np.concatenate([d for part in found for _, d in part])
        # Nearest first within each position, then the first of each position.
        order = np.lexsort((distances, positions))
        positions, distances = positions[order], distances[order]
        first = np.ones(len(positions), bool)
        first[1:] = positions[1:] != positions[:-1]
        return positions[first], distances[first]

    def _search_range(self, requests, radius, start, end):
        found = []
        for slot, queries in requests:
            codes = self._codes[slot]
            # Every operation spans all queries of a block at once: large
            # operations let the other search threads run meanwhile, where
            # many small ones would keep them waiting for the GIL.
            block = max(1024, BLOCK_PAIRS // len(queries))
            scratch = np.empty((len(queries), block), np.uint64)
            counts = np.empty((len(queries), block), np.uint8)
            close = np.empty((len(queries), block), bool)
            for lo in range(start, end, block):
                n = min(block, end - lo)
                x, c, b = scratch[:, :n], counts[:, :n], close[:, :n]
                np.bitwise_xor(codes[None, lo : lo + n], queries[:, None], out=x)
                np.bitwise_count(x, out=c)
                if c.min() > radius:
                    continue  # most blocks hold nothing near: one cheap check
                np.less_equal(c, radius, out=b)
                hits = np.flatnonzero(b)
                rows, cols = np.divmod(hits, n)
                found.append((cols + lo, c[rows, cols]))
        return found


# Below this many entries a search runs on one thread: handing the parts to
# other threads would cost more than it saves.
PARALLEL_FROM = 1 << 17
_threads = {}
_threads_lock = threading.Lock()


def _cpu_count():
    return os.cpu_count() or 1


def _pool():
    """This process's search threads, made on first use (a forked child
    makes its own: threads do not survive a fork)."""
    pid = os.getpid()
    with _threads_lock:
        if pid not in _threads:
            _threads.clear()
            _threads[pid] = ThreadPoolExecutor(max_workers=_cpu_count(), thread_name_prefix="hamming")
        return _threads[pid]


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
