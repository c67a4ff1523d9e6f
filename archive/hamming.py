"""An in-memory Hamming index over 64-bit hashes: brute force, but in numpy.

Each photo owns one hash in every slot (slot 0 its upright pHash, the others
the pHashes of its crop and turn windows). A slot is one contiguous uint64
array, so a search is an XOR and a popcount (numpy's bitwise_count) over
contiguous memory, a block at a time so that the work stays in the CPU cache.
At a million photos a slot is 8 MB and one query hash takes well under a
millisecond; nothing here knows about SQLite or photos' meaning.
"""

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


def pairs_within(codes_a, codes_b, radius, same=False):
    """All (i, j) with popcount(codes_a[i] ^ codes_b[j]) <= radius, computed
    a block of rows at a time; with same=True only i < j (one array against
    itself). Returns (i, j, distance) arrays."""
    a = np.asarray(codes_a, np.int64).view(np.uint64)
    b = np.asarray(codes_b, np.int64).view(np.uint64)
    rows = max(1, BLOCK * 16 // max(len(b), 1))
    out_i, out_j, out_d = [], [], []
    for start in range(0, len(a), rows):
        stop = min(start + rows, len(a))
        cols = b[: stop] if same else b  # only j < i can matter when same
        d = np.bitwise_count(a[start:stop, None] ^ cols[None, :])
        if same:
            # Keep i > j, then report as (j, i) so that i < j.
            mask = np.arange(start, stop)[:, None] > np.arange(len(cols))[None, :]
            hit_i, hit_j = np.nonzero((d <= radius) & mask)
            out_i.append(hit_j)
            out_j.append(hit_i + start)
            out_d.append(d[hit_i, hit_j])
        else:
            hit_i, hit_j = np.nonzero(d <= radius)
            out_i.append(hit_i + start)
            out_j.append(hit_j)
            out_d.append(d[hit_i, hit_j])
    if not out_i:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.uint8)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)
