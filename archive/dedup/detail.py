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
from numpy.lib.stride_tricks import sliding_window_view
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

    energy_a = _block_sums(ha * ha, rows, cols)
    # Each block of a against b's block slid by every (dy, dx) within SLIDE:
    # block sums of b's energy at every slide from one integral image, and
    # the products as one correlation of each block with its neighbourhood
    # (the import's single writer checks every new copy this way, so this
    # is the costliest thing it does: one pass, not a pass per slide).
    padded = np.pad(hb, SLIDE, mode="edge")
    energy_b = _sums_at_every_slide(padded * padded, rows, cols)
    around = sliding_window_view(padded, (BLOCK + 2 * SLIDE,) * 2)[::BLOCK, ::BLOCK]
    slid = sliding_window_view(around, (BLOCK, BLOCK), axis=(2, 3))  # rows, cols, dy, dx, BLOCK, BLOCK
    blocks_a = ha.reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3)
    product = np.einsum("rcij,rcyxij->yxrc", blocks_a, slid, optimize=True)
    correlation = (product / np.sqrt(energy_a * energy_b + 1e-3)).reshape(-1, rows, cols)
    # The best slide of each block (the first of equals, dy then dx).
    pick = correlation.argmax(axis=0)[None]
    best = np.take_along_axis(correlation, pick, 0)[0]
    best_energy_b = np.take_along_axis(energy_b.reshape(-1, rows, cols), pick, 0)[0]
    best_product = np.take_along_axis(product.reshape(-1, rows, cols), pick, 0)[0]
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


def _block_sums(x, rows, cols):
    return x.reshape(rows, BLOCK, cols, BLOCK).sum(axis=(1, 3))


def _sums_at_every_slide(padded, rows, cols):
    """Block sums of padded (the picture with SLIDE pixels repeated around
    it) for the block grid slid by every (dy, dx): (dy, dx, rows, cols)."""
    table = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1))
    table[1:, 1:] = padded.cumsum(0, dtype=np.float64).cumsum(1)
    slides = np.arange(2 * SLIDE + 1)
    top = (slides[:, None] + np.arange(rows) * BLOCK)[:, None, :, None]
    left = (slides[:, None] + np.arange(cols) * BLOCK)[None, :, None, :]
    sums = (table[top + BLOCK, left + BLOCK] - table[top, left + BLOCK]
            - table[top + BLOCK, left] + table[top, left])
    # A flat block's sum comes out of the differences a hair below zero.
    return np.maximum(sums, 0.0)


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
    """A box blur of the given radius, both ways, edges repeated: the sum of
    the 2 * radius + 1 shifted copies (a few additions of a small image,
    cheaper than a running sum)."""
    for axis in (0, 1):
        n = pixels.shape[axis]
        padded = np.take(pixels, np.clip(np.arange(-radius, n + radius), 0, n - 1), axis=axis)
        total = np.zeros(pixels.shape, np.float32)
        for k in range(2 * radius + 1):
            total += padded[k : k + n] if axis == 0 else padded[:, k : k + n]
        pixels = total / (2 * radius + 1)
    return pixels
