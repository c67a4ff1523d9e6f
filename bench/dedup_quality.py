"""Precision and recall of the archive's near-duplicate matcher, per edit,
against plain 64-bit pHash at Hamming distance <= 10 (imagededup's default),
on one labelled set built from real photographs (see dedup_dataset.py).

    python bench/dedup_quality.py            # full set (a few minutes)
    python bench/dedup_quality.py --quick    # a dozen photographs

Needs scikit-image and scikit-learn for their sample photographs:
    python -m pip install -e '.[bench]'
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_dataset  # noqa: E402

from archive.dedup import lookup as dedup
from archive.dedup import matching  # noqa: E402
from archive.imaging import decoding as imaging
from archive.imaging.fingerprint import fingerprint  # noqa: E402

PLAIN_PHASH_RADIUS = 10


UNSCORED = "unscored"


def truth(a, b):
    """What a pair really is: 'duplicate', 'related', None (different
    photographs) or UNSCORED: two edits of one photograph, neither the
    original, whose relation is a composition of edits nobody labelled."""
    if a.source != b.source:
        return None
    if "original" not in (a.kind, b.kind):
        return UNSCORED
    return "related" if "related" in (a.kind, b.kind) else "duplicate"


def archive_matches(prints, thumbnails):
    """Every pair the archive's matcher reports, as {(i, j): kind}: the same
    index search and comparison (with the detail check on the 400 px
    thumbnails) as import and rescan use."""
    index = dedup.NearDuplicateIndex()
    codes = np.array([dedup.index_row(p) for p in prints], np.int64)
    index.hashes.add(np.arange(len(prints)), codes)
    found = {}
    for i, j in dedup.all_candidate_pairs(index):
        verdict = matching.compare(prints[j], prints[i], pictures=lambda i=i, j=j: (thumbnails[j], thumbnails[i]))
        if verdict is not None:
            found[(min(i, j), max(i, j))] = verdict.kind
    return found


def plain_phash_matches(prints):
    upright = np.array([p.phashes[0] for p in prints], np.int64).view(np.uint64)
    found = {}
    for i in range(len(upright)):
        distances = np.bitwise_count(upright[i + 1 :] ^ upright[i])
        for j in np.flatnonzero(distances <= PLAIN_PHASH_RADIUS):
            found[(i, i + 1 + int(j))] = "duplicate"
    return found


def scores(samples, found, transform):
    """(precision, recall, n) for duplicates made by one edit."""
    n = hits = 0
    for i, s in enumerate(samples):
        if s.transform != transform:
            continue
        n += 1
        original = next(k for k, o in enumerate(samples) if o.source == s.source and o.kind == "original")
        hits += found.get((min(i, original), max(i, original))) == "duplicate"
    claimed = correct = 0
    for (i, j), kind in found.items():
        if kind == "duplicate" and transform in (samples[i].transform, samples[j].transform):
            label = truth(samples[i], samples[j])
            if label != UNSCORED:
                claimed += 1
                correct += label == "duplicate"
    return (correct / claimed if claimed else 1.0), hits / max(n, 1), n


def overall(samples, found):
    labels = [truth(samples[i], samples[j]) for (i, j), kind in found.items() if kind == "duplicate"]
    claimed = sum(1 for label in labels if label != UNSCORED)
    correct = labels.count("duplicate")
    wanted = sum(1 for s in samples if s.kind == "duplicate")
    return (correct / claimed if claimed else 1.0), correct / max(wanted, 1), claimed - correct


def hard_matches(images):
    """{(i, j): kind} over every pair of images, the archive's comparison."""
    thumbnails = [imaging.fit(image, imaging.THUMBNAIL_EDGE) for image in images]
    prints = [fingerprint(thumbnail) for thumbnail in thumbnails]
    found = {}
    for i in range(len(prints)):
        for j in range(i + 1, len(prints)):
            verdict = matching.compare(prints[j], prints[i], pictures=lambda i=i, j=j: (thumbnails[j], thumbnails[i]))
            if verdict is not None:
                found[(i, j)] = verdict.kind
    return found


def print_hard_sets(args):
    """Pictures whose broad shapes agree although they are different
    photographs: every pair called a duplicate is a false one."""
    sets = dedup_dataset.hard_different(use_corpus=not args.no_corpus, limit=12 if args.quick else None)
    print(f"\n{'different photographs, alike in shape':<40} {'pairs':>6}   {'as duplicate':>12} {'as related':>10}")
    for name, groups in sets.items():
        pairs = duplicates = related = 0
        for images in groups:
            found = hard_matches(images)
            pairs += len(images) * (len(images) - 1) // 2
            duplicates += sum(1 for kind in found.values() if kind == "duplicate")
            related += sum(1 for kind in found.values() if kind == "related")
        print(f"{name:<40} {pairs:>6}   {duplicates:>12} {related:>10}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a dozen photographs instead of all")
    parser.add_argument("--no-corpus", action="store_true", help="leave out ../shared/corpus")
    args = parser.parse_args()

    started = time.perf_counter()
    samples = dedup_dataset.build(use_corpus=not args.no_corpus, limit=12 if args.quick else None)
    built = time.perf_counter()
    thumbnails = [imaging.fit(s.image, imaging.THUMBNAIL_EDGE) for s in samples]
    prints = [fingerprint(thumbnail) for thumbnail in thumbnails]
    printed = time.perf_counter()
    ours = archive_matches(prints, thumbnails)
    matched = time.perf_counter()
    plain = plain_phash_matches(prints)

    photos = len({s.source for s in samples if not s.source.startswith("flat:")})
    print(f"{len(samples)} images from {photos} photographs and {len(dedup_dataset.FLAT)} flat pictures; "
          f"{len(samples) * (len(samples) - 1) // 2} pairs")
    print(f"built in {built - started:.0f} s, fingerprinted in {printed - built:.0f} s "
          f"({(printed - built) / len(samples) * 1000:.0f} ms each), matched in {matched - printed:.1f} s\n")
    header = f"{'duplicate edit':<30} {'n':>4}   {'archive P':>9} {'archive R':>9}   {'pHash<=10 P':>11} {'pHash<=10 R':>11}"
    print(header)
    print("-" * len(header))
    for transform in dedup_dataset.DUPLICATE_EDITS:
        p1, r1, n = scores(samples, ours, transform)
        p2, r2, _ = scores(samples, plain, transform)
        print(f"{transform:<30} {n:>4}   {p1:>9.3f} {r1:>9.3f}   {p2:>11.3f} {r2:>11.3f}")
    print("-" * len(header))
    p1, r1, wrong1 = overall(samples, ours)
    p2, r2, wrong2 = overall(samples, plain)
    print(f"{'all duplicate edits':<30} {'':>4}   {p1:>9.3f} {r1:>9.3f}   {p2:>11.3f} {r2:>11.3f}")
    print(f"{'false duplicate pairs':<30} {'':>4}   {wrong1:>9} {'':>9}   {wrong2:>11}")
    flat_false = lambda found: sum(1 for (i, j) in found if samples[i].source.startswith("flat:")
                                   and samples[j].source.startswith("flat:"))
    print(f"{'flat pictures matched together':<30} {'':>4}   {flat_false(ours):>9} {'':>9}   {flat_false(plain):>11}")

    print(f"\n{'related shot':<30} {'n':>4}   {'as related':>10} {'any match':>10}   {'pHash<=10':>10}")
    edits = list(dedup_dataset.RELATED_EDITS) + ["other angle (stereo pair)"]
    for transform in edits:
        kinds, plain_hits, n = Counter(), 0, 0
        for i, s in enumerate(samples):
            if s.transform != transform:
                continue
            o = next((k for k, x in enumerate(samples) if x.source == s.source and x.kind == "original"), None)
            if o is None:
                continue
            n += 1
            key = (min(i, o), max(i, o))
            kinds[ours.get(key)] += 1
            plain_hits += key in plain
        if n:
            print(f"{transform:<30} {n:>4}   {kinds['related'] / n:>10.3f} {(n - kinds[None]) / n:>10.3f}   "
                  f"{plain_hits / n:>10.3f}")
    print_hard_sets(args)

    related_claimed = [(i, j) for (i, j), kind in ours.items() if kind == "related"]
    related_wrong = sum(1 for i, j in related_claimed if truth(samples[i], samples[j]) is None)
    print(f"\nrelated suggestions: {len(related_claimed)}, of which between different photographs: {related_wrong}")
    print("Scored pairs: an original with its edits, and photographs with each other; pairs of two\n"
          "edits of one photograph (compositions of edits) are left unscored.")


if __name__ == "__main__":
    main()
