"""An in-memory Hamming index over 64-bit hashes: brute force, but in numpy.

Each photo owns one hash in every slot (slot 0 its upright pHash, the others
the pHashes of its crop and turn windows). A slot is one contiguous uint64
array, so a search is an XOR and a popcount (numpy's bitwise_count) over
contiguous memory, a block at a time so that the work stays in the CPU cache.
At a million photos a slot is 8 MB and one query hash takes well under a
millisecond; nothing here knows about SQLite or photos' meaning.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK = 16384  # hashes per block: a block and its scratch space fit in L2


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
        """Entries of one slot within radius bits of any query hash.

        Returns (positions, distances): positions index into owners; each
        entry appears once, at its smallest distance to any query. `limit`
        keeps only the entries of the first `limit` positions (the photos
        older than a given one)."""
        queries = np.asarray(queries, np.int64).view(np.uint64)
        end = self.size if limit is None else min(limit, self.size)
        codes = self._codes[slot]
        found_pos, found_dist = [], []
        block = max(1024, BLOCK * 4 // max(len(queries), 1))
        scratch = np.empty((len(queries), block), np.uint64)
        counts = np.empty((len(queries), block), np.uint8)
        for start in range(0, end, block):
            stop = min(start + block, end)
            n = stop - start
            x, c = scratch[:, :n], counts[:, :n]
            np.bitwise_xor(codes[None, start:stop], queries[:, None], out=x)
            np.bitwise_count(x, out=c)
            nearest = c.min(axis=0) if len(queries) > 1 else c[0]
            hits = np.flatnonzero(nearest <= radius)
            if len(hits):
                found_pos.append(hits + start)
                found_dist.append(nearest[hits])
        if not found_pos:
            return np.zeros(0, np.int64), np.zeros(0, np.uint8)
        return np.concatenate(found_pos), np.concatenate(found_dist)


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
