"""Speed of the near-duplicate index: one lookup and the all-pairs join, at
100,000 and 1,000,000 photos, against a plain Python loop in the same run.

    python bench/dedup_speed.py           # 100k and 1M (a few minutes)
    python bench/dedup_speed.py --quick   # 10k and 100k

The hashes are random 64-bit codes with planted near copies, laid out as the
archive's index holds them: per photo its pHash in 8 orientations and the
crop/turn windows the index keeps. A photo lookup searches the upright slot with the new
photo's 8 orientations and its cross windows, each cross window slot with its upright
pHash, and the caption windows' slots with the same window, as import does
(dedup.lookup_requests). A large index is searched on every CPU.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.dedup import lookup as dedup
from archive.dedup import matching  # noqa: E402
from archive.dedup.hamming import pairs_after  # noqa: E402
from archive.imaging import fingerprint

RADIUS = matching.SEARCH_RADIUS


class SlotLists:
    """Each slot as a plain list of Python ints, made when first asked for
    (a million photos' every slot at once would not fit in memory)."""

    def __init__(self, codes):
        self.codes = codes.view(np.uint64)

    def __getitem__(self, slot):
        return self.codes[:, slot].tolist()


def random_index(n, rng):
    codes = rng.integers(-(2**63), 2**63 - 1, (n, dedup.SLOTS), dtype=np.int64)
    # Plant near copies: 1 % of photos are another photo with 3 bits flipped
    # in every hash, so lookups and the join have something to find.
    copies = rng.choice(n, n // 100, replace=False)
    originals = rng.integers(0, n, len(copies))
    flips = np.zeros(len(copies), np.int64)
    for _ in range(3):
        flips |= np.left_shift(np.int64(1), rng.integers(0, 63, len(copies)))
    codes[copies] = codes[originals] ^ flips[:, None]
    index = dedup.NearDuplicateIndex()
    index.hashes.add(np.arange(1, n + 1), codes)
    return index, codes


def probe(codes, rng):
    """A new photo's fingerprint that is a near copy of a stored one."""
    row = (codes[rng.integers(0, len(codes))] ^ np.int64(0b101)).tolist()
    windows = [0] * len(fingerprint.WINDOWS)
    for k, w in enumerate(dedup.INDEXED_WINDOWS):
        windows[w] = row[dedup.TURNS + k]
    return fingerprint.Fingerprint(phashes=row[: dedup.TURNS], dhashes=[], window_phashes=windows,
                                   window_dhashes=[], colour=[], detail=10.0)


def best_of(runs, fn):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def python_lookup(stored, queries, radius):
    """The plain loop: every stored hash against every query hash."""
    found = []
    for position, code in enumerate(stored):
        for query in queries:
            if (code ^ query).bit_count() <= radius:
                found.append(position)
                break
    return found


def python_photo_lookup(slots, print_, radius):
    """The whole photo lookup as a plain loop (same searches as the index)."""
    found = set()
    for slot, queries in dedup.lookup_requests(print_):
        found.update(python_lookup(slots[slot], queries, radius))
    return found


def python_all_pairs(slots, n, radius):
    slots = [slots[s][:n] for s in range(dedup.SLOTS)]
    upright = slots[0]
    cross = [dedup.TURNS + dedup.INDEXED_WINDOWS.index(w) for w in dedup.CROSS_WINDOWS]
    same = [dedup.TURNS + dedup.INDEXED_WINDOWS.index(w) for w in dedup.SAME_WINDOWS]
    pairs = set()
    for i in range(n):
        mine = [slots[s][i] for s in list(range(dedup.TURNS)) + cross]
        for j in range(i + 1, n):
            other = upright[j]
            if any((q ^ other).bit_count() <= radius for q in mine) or any(
                    (slots[0][i] ^ slots[s][j]).bit_count() <= radius for s in cross) or any(
                    (slots[s][i] ^ slots[s][j]).bit_count() <= radius for s in same):
                pairs.add((i, j))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k and 100k instead of 100k and 1M")
    args = parser.parse_args()
    sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    rng = np.random.default_rng(1)
    rng_probe = probe(random_index(10, np.random.default_rng(0))[1], np.random.default_rng(0))
    passes = sum(len(queries) for _, queries in dedup.lookup_requests(rng_probe))
    print(f"radius {RADIUS} bits; {dedup.SLOTS} hashes per photo; {passes} hash passes per lookup; "
          f"{os.cpu_count()} CPUs; times are the best of several runs\n")
    header = f"{'operation':<44} {'photos':>9} {'index':>10} {'Python loop':>12} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for n in sizes:
        index, codes = random_index(n, rng)
        slots = SlotLists(codes)
        print_ = probe(codes, rng)
        one = np.int64(print_.phash)

        t_one, (positions, _) = best_of(7, lambda: index.hashes.search(0, [one], RADIUS))
        p_one, loop_found = best_of(1, lambda: python_lookup(slots[0], [int(np.uint64(one.view(np.uint64)))], RADIUS))
        assert sorted(positions.tolist()) == loop_found
        print(f"{'lookup: one hash, upright slot':<44} {n:>9,} {t_one * 1000:>8.2f}ms {p_one * 1000:>10.0f}ms {p_one / t_one:>8.0f}x")

        t_turns, _ = best_of(15, lambda: index.hashes.search(0, print_.phashes, RADIUS))
        print(f"{'lookup: photo in 8 orientations':<44} {n:>9,} {t_turns * 1000:>8.2f}ms")

        t_photo, found = best_of(15, lambda: index.candidates(print_))
        unsigned = fingerprint.Fingerprint(
            phashes=[int(np.int64(v).view(np.uint64)) for v in print_.phashes], dhashes=[],
            window_phashes=[int(np.int64(v).view(np.uint64)) for v in print_.window_phashes],
            window_dhashes=[], colour=[], detail=10.0)
        p_photo, loop_photo = best_of(1, lambda: python_photo_lookup(slots, unsigned, RADIUS))
        assert {int(index.hashes.owners[p]) for p in loop_photo} == set(found)
        print(f"{'lookup: photo, orientations + crop windows':<44} {n:>9,} {t_photo * 1000:>8.2f}ms "
              f"{p_photo * 1000:>10.0f}ms {p_photo / t_photo:>8.0f}x")

        if n <= 100_000:
            t_up, (ui, uj) = best_of(1, lambda: pairs_after(codes[:, 0], codes[:, 0], RADIUS))
            print(f"{'all pairs: upright pHash only':<44} {n:>9,} {t_up:>9.1f}s")
            t_all, pairs = best_of(1, lambda: dedup.all_candidate_pairs(index))
            sample = 1500
            p_sample, loop_pairs = best_of(1, lambda: python_all_pairs(slots, sample, RADIUS))
            small_index, _ = dedup.NearDuplicateIndex(), None
            small_index.hashes.add(np.arange(1, sample + 1), codes[:sample])
            assert {(a - 1, b - 1) for a, b in dedup.all_candidate_pairs(small_index)} == loop_pairs
            p_all = p_sample * (n / sample) ** 2
            print(f"{'all pairs: orientations + crop windows':<44} {n:>9,} {t_all:>9.1f}s {p_all:>10.0f}s* {p_all / t_all:>8.0f}x"
                  f"   ({len(pairs):,} candidate pairs)")
    print("-" * len(header))
    print("* the all-pairs Python loop ran on 1,500 photos and is scaled by (n / 1,500)^2; "
          "every index result above was checked against the loop's.")


if __name__ == "__main__":
    main()
