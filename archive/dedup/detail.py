"""Do two photos the hashes call copies agree in their fine detail?

The hashes see a photo at 32 x 32 pixels, its broad shapes only. Two
different posters painted on one template (the same frame, title band and
picture panel) or the left and right quarters of a roughly symmetric picture
(one mirrored) have the same broad shapes and so the same hashes. Their fine
detail differs: the words, the picture in the panel, the texture.

So a pair the hashes call the same photograph is lined up the way the hashes
found (turned, mirrored, one cropped) on the two 400 px thumbnails, and the
detail is compared block by block:

- each thumbnail is brought to 192 px and band-passed (what remains once
  the broad shading is taken away: edges, letters, texture);
- in each 16 px block the two are correlated, each block free to slide a few
  pixels, since a crop or a straightening is lined up only roughly;
- a block where both photos have detail and one holds little of the other's
  is a block that disagrees. A copy has at most one such block (a watermark
  laid over it still lets the picture through); different pictures have
  several, or correlate less on the whole.

A turn or a mirror lines two copies up exactly, so there the whole picture
must also correlate without sliding: the way quarter-crops of a symmetric
picture fail.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from archive.imaging.fingerprint import DIHEDRAL, WINDOWS

# Long edge the two thumbnails are compared at, and the blocks compared.
EDGE = 192
BLOCK = 16
# How far (pixels at EDGE) each block may slide to line up: a copy cropped by
# 10 % lined up with an 8 % window is off by 2 %, about 4 pixels at the far side.
SLIDE = 4
# A block has detail when its band-passed grey levels vary by this much.
DETAIL_LEVEL = 4.0
# A block disagrees when the photo with less detail there finds less than
# this share of its detail in the other.
HELD = 0.3
# How much two copies' blocks correlate on average, and how much the whole
# picture correlates when a turn or a mirror lines it up exactly. Measured on
# bench/dedup_quality.py: copies of every edit stay above, template posters
# and symmetric quarters mostly fall below.
MEAN_AGREEMENT = 0.85
TURNED_AGREEMENT = 0.9


@dataclass
class Agreement:
    whole: float  # correlation of the whole band-passed pictures, no sliding
    mean: float  # mean correlation of the blocks with detail, each slid to fit
    disagreeing: int  # blocks where both have detail and they disagree

    def same_photograph(self, turned):
        """Whether the detail says these are copies of one photograph;
        turned: they were lined up through a turn or a mirror."""
        if self.disagreeing > 1 or (self.disagreeing == 1 and self.mean < MEAN_AGREEMENT):
            return False
        return not turned or self.whole >= TURNED_AGREEMENT


def agreement(a, b, alignment):
    """The Agreement of two grey thumbnails (PIL images, upright as stored)
    lined up as `alignment` (a matching.Alignment) says."""
    a, b = line_up(a.convert("L"), b.convert("L"), alignment)
    width, height = b.size
    scale = min(EDGE, max(a.size), max(b.size)) / max(width, height)
    cols, rows = max(1, round(width * scale) // BLOCK), max(1, round(height * scale) // BLOCK)
    size = (cols * BLOCK, rows * BLOCK)
    ha = _band(np.asarray(a.resize(size, Image.Resampling.BILINEAR), np.float32))
    hb = _band(np.asarray(b.resize(size, Image.Resampling.BILINEAR), np.float32))
    whole = float((ha * hb).sum() / np.sqrt((ha * ha).sum() * (hb * hb).sum() + 1e-3))

    def blocks(x):
        return x.reshape(rows, BLOCK, cols, BLOCK).sum(axis=(1, 3))

    energy_a = blocks(ha * ha)
    padded = np.pad(hb, SLIDE, mode="edge")
    best = np.full((rows, cols), -2.0)
    best_energy_b = np.zeros((rows, cols))
    best_product = np.zeros((rows, cols))
    h, w = ha.shape
    for dy in range(-SLIDE, SLIDE + 1):
        for dx in range(-SLIDE, SLIDE + 1):
            moved = padded[SLIDE + dy : SLIDE + dy + h, SLIDE + dx : SLIDE + dx + w]
            energy_b, product = blocks(moved * moved), blocks(ha * moved)
            correlation = product / np.sqrt(energy_a * energy_b + 1e-3)
            better = correlation > best
            best[better] = correlation[better]
            best_energy_b[better] = energy_b[better]
            best_product[better] = product[better]
    level_a = np.sqrt(energy_a / BLOCK**2)
    level_b = np.sqrt(best_energy_b / BLOCK**2)
    either = np.maximum(level_a, level_b) >= DETAIL_LEVEL
    both = np.minimum(level_a, level_b) >= DETAIL_LEVEL
    held = best_product / (np.minimum(energy_a, best_energy_b) + 1e-3)
    return Agreement(
        whole=round(whole, 3),
        mean=round(float(best[either].mean()), 3) if either.any() else 1.0,
        disagreeing=int((both & (held < HELD)).sum()),
    )


def line_up(a, b, alignment):
    """The two images as the hashes lined them up."""
    if alignment.orientation:
        a = a.transpose(DIHEDRAL[alignment.orientation])
    if alignment.window is not None:
        if alignment.windowed in ("a", "both"):
            a = window(a, alignment.window)
        if alignment.windowed in ("b", "both"):
            b = window(b, alignment.window)
    return a, b


def window(image, w):
    """One of the fingerprint's WINDOWS of an image: a crop, or a small turn
    with the corners it leaves empty cut away."""
    kind, spec = WINDOWS[w]
    width, height = image.size
    if kind == "turn":
        image = image.rotate(spec, Image.Resampling.BILINEAR)
        m = abs(np.sin(np.radians(spec))) * 1.1
        spec = (m, m, m, m)
    left, top, right, bottom = spec
    return image.crop((round(width * left), round(height * top),
                       round(width * (1 - right)), round(height * (1 - bottom))))


def _band(pixels):
    """Detail between about 2 and 8 pixels: the picture less its broad
    shading (a blur by two box passes), lightly smoothed against JPEG noise."""
    broad = _box(_box(pixels, 3), 3)
    return _box(pixels - broad, 1)


def _box(pixels, radius):
    """A box blur of the given radius, both ways, edges repeated."""
    for axis in (0, 1):
        moved = np.moveaxis(pixels, axis, 0)
        padded = np.concatenate([np.repeat(moved[:1], radius + 1, 0), moved, np.repeat(moved[-1:], radius, 0)])
        sums = np.cumsum(padded, 0, dtype=np.float64)
        pixels = np.moveaxis(((sums[2 * radius + 1 :] - sums[: -2 * radius - 1]) / (2 * radius + 1)), 0, axis)
    return pixels.astype(np.float32)
