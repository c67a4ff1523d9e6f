"""Deciding whether two fingerprints show the same photograph, another shot
of the same subject, or nothing to do with each other.

Two photos are lined up several ways before their hashes are compared: one
turned or mirrored against the other, one against a window (crop or slight
turn) of the other, and window against the same window. The way with the
smallest pHash + dHash distance wins; its distances then decide the level.
A pair the hashes call the same photograph must then agree in its fine
detail too, lined up the same way (detail.py), whenever the two pictures are
at hand.
"""

from dataclasses import dataclass, field

import numpy as np

from archive.dedup import detail
from archive.imaging.fingerprint import COLOUR_BINS, HUE_BINS, ORIENTATION_NAMES, WINDOWS

# Below this detail score an image is flat (a solid colour, a smooth
# gradient, a blank wall): its hashes are mostly noise and all flat images
# hash alike, so it is never matched by its hashes. Ramps score 1-2, the
# smoothest photograph in the benchmark set (a colour wheel) 2.2.
FLAT_DETAIL = 2.0

# `duplicate`: the same photograph. Lined-up copies sit at 0-14 bits of
# pHash, where different photos come only rarely, and then the dHash of the
# same alignment has to agree as well: both together rule them out.
DUPLICATE_PHASH = 14
DUPLICATE_SUM = 22
# Little detail (smooth graphics, fog, a blank wall with one sign) leaves
# few bits that mean anything, so such pairs must agree more closely.
LOW_DETAIL = 4.0
LOW_DETAIL_SUM = 16
# `related`: another shot of the same subject (framing, angle, light).
RELATED_PHASH = 14
RELATED_SUM = 34

# The index looks this far around every lined-up hash for candidates. A
# random pair of pHashes comes this close about three times in a million.
SEARCH_RADIUS = RELATED_PHASH


@dataclass(frozen=True)
class Alignment:
    """One way of lining photo a up with photo b: a turned or mirrored by
    DIHEDRAL[orientation] to match b; or a WINDOWS window cut from a ("a"),
    from b ("b") or from both ("both")."""

    orientation: int = 0
    window: int | None = None
    windowed: str = ""

    @property
    def turned(self):
        return self.orientation != 0

    def describe(self):
        """The engine's short description, stored with a suggestion."""
        if self.window is None:
            return "as they are" if not self.orientation else f"one is the other {ORIENTATION_NAMES[self.orientation]}"
        name = _window_name(self.window)
        return f"both {name}" if self.windowed == "both" else f"one is the other {name}"


@dataclass
class Verdict:
    kind: str  # "duplicate" | "related"
    phash_distance: int
    dhash_distance: int
    alignment: str  # how the two were lined up, as the engine says it
    colour: float  # colour signature difference, 0 (same) to 1
    how: Alignment = field(default_factory=Alignment)
    agreement: detail.Agreement | None = None  # the detail check, when it ran

    @property
    def confidence(self):
        return confidence(self.kind, self.phash_distance, self.dhash_distance)


def alignments(a, b):
    """(pHash distance, dHash distance, Alignment) for every way of lining
    fingerprint a up with fingerprint b."""
    ap, ad = _u64(a.phashes), _u64(a.dhashes)
    bp, bd = _u64(b.phashes), _u64(b.dhashes)
    awp, awd = _u64(a.window_phashes), _u64(a.window_dhashes)
    bwp, bwd = _u64(b.window_phashes), _u64(b.window_dhashes)
    ways = []
    # a turned or mirrored against b as it is.
    for k in range(len(ap)):
        ways.append((ap[k] ^ bp[0], ad[k] ^ bd[0], Alignment(k)))
    for w in range(len(awp)):
        ways.append((ap[0] ^ bwp[w], ad[0] ^ bwd[w], Alignment(0, w, "b")))
        ways.append((awp[w] ^ bp[0], awd[w] ^ bd[0], Alignment(0, w, "a")))
        ways.append((awp[w] ^ bwp[w], awd[w] ^ bwd[w], Alignment(0, w, "both")))
    return [(int(np.bitwise_count(p)), int(np.bitwise_count(d)), how) for p, d, how in ways]


def compare(a, b, pictures=None):
    """The Verdict for two fingerprints, or None when they are unrelated.

    pictures: a function giving the two photos' thumbnails (PIL images, a's
    first) or None when one cannot be read. It is called only when the hashes
    say "the same photograph", and then the detail must agree as well; without
    it (or without the pictures) the hashes decide alone."""
    if min(a.detail, b.detail) < FLAT_DETAIL:
        return None
    ways = alignments(a, b)
    verdict = _judge(a, b, ways)
    if verdict is None or verdict.kind != "duplicate" or pictures is None:
        return verdict
    images = pictures()
    if images is None:
        return verdict
    verdict.agreement = detail.agreement(*images, verdict.how)
    if verdict.agreement.same_photograph(verdict.how.turned):
        return verdict
    # Broad shapes alike, detail not: different photographs. Only a picture
    # as it is (not turned) can be another shot of the same subject.
    upright = [way for way in ways if not way[2].turned]
    fallback = _judge(a, b, upright, duplicates=False)
    if fallback is not None:
        fallback.agreement = verdict.agreement
    return fallback


def _judge(a, b, ways, duplicates=True):
    pd, dd, how = min(ways, key=lambda w: (w[0] + w[1], w[0]))
    best_p = min(w[0] for w in ways)
    colour = colour_difference(a.colour, b.colour)
    limit = LOW_DETAIL_SUM if min(a.detail, b.detail) < LOW_DETAIL else DUPLICATE_SUM
    if duplicates and pd <= DUPLICATE_PHASH and pd + dd <= limit and colour <= 0.5:
        return Verdict("duplicate", pd, dd, how.describe(), colour, how)
    related = best_p <= RELATED_PHASH and pd + dd <= RELATED_SUM
    if related and colour <= 0.6:
        return Verdict("related", pd, dd, how.describe(), colour, how)
    return None


def confidence(kind, phash_distance, dhash_distance):
    """How sure the matcher is, 0 to 1, from a suggestion's stored distances:
    copies of one photograph from 0.5 (at the limit) to 1 (identical hashes),
    other shots below 0.5. For ordering the review queue and saying how sure."""
    total = phash_distance + dhash_distance
    if kind == "duplicate":
        return round(0.5 + 0.5 * max(0.0, 1 - total / (DUPLICATE_SUM + 1)), 3)
    return round(0.5 * max(0.0, 1 - total / (RELATED_SUM + 1)), 3)


def colour_difference(a, b):
    """0 when two colour signatures agree, towards 1 when they disagree.

    Greyscale copies of colour photos are duplicates too, so hue counts only
    as far as both images have colour in them."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    sat = min(a[COLOUR_BINS], b[COLOUR_BINS])
    if sat < 0.08:  # at least one is (nearly) grey: hue says nothing
        return 0.0
    ha, hb = a[:HUE_BINS], b[:HUE_BINS]
    ha, hb = ha / max(ha.sum(), 1e-9), hb / max(hb.sum(), 1e-9)
    # Neighbouring hue bins blur into each other, so a warmer light is not
    # a different colour; the histograms are compared after smoothing.
    ha, hb = _smooth_circular(ha), _smooth_circular(hb)
    return round(float(0.5 * np.abs(ha - hb).sum()), 3)


def _smooth_circular(h):
    return 0.5 * h + 0.25 * np.roll(h, 1) + 0.25 * np.roll(h, -1)


def _window_name(w):
    kind, spec = WINDOWS[w]
    if kind == "turn":
        return f"turned {spec:+g}°"
    left, top, right, bottom = spec
    sides = [name for name, cut in zip(("left", "top", "right", "bottom"), spec) if cut]
    return "cropped " + ("all round" if len(sides) == 4 else " and ".join(sides))


def _u64(values):
    return np.asarray(values, dtype=np.int64).view(np.uint64)
