"""Perceptual fingerprints of one upright image, for near-duplicate matching.

Everything here is made from the smallest derivative (long edge 400), so a
copy shrunk by a messaging app fingerprints like the camera original:

- pHash and dHash of the image in all eight orientations (the dihedral group:
  four rotations, each plain and mirrored), so a copy that lost its EXIF
  orientation or was mirrored still lines up with the original;
- the same hashes of a few windows of the image (crops, small turns, the
  band without a caption), so a cropped or straightened copy lines up too;
- a coarse colour signature, because pHash and dHash see only grey;
- a detail score: a flat, low-detail image (a solid colour, an overexposed
  sky) gives hashes that are mostly noise and that all look alike.
"""

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image

# The eight orientations, in a fixed order: index 0 is the image as it is.
# A stored variant k of photo A lining up with photo B's upright hash means
# B is A turned by DIHEDRAL[k].
DIHEDRAL = (
    None,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.TRANSVERSE,
)
ORIENTATION_NAMES = (
    "upright", "rotated 90°", "rotated 180°", "rotated 270°",
    "mirrored", "transposed", "flipped", "transversed",
)

# Windows of the image whose hashes are kept beside the whole image's, so a
# copy cropped by up to about a tenth (from one side, a corner or all round),
# straightened by a few degrees, or given a caption band lines up with one of
# them: (left, top, right, bottom) fractions cut away, or a rotation in degrees.
CUT = 0.08
WINDOWS = (
    ("crop", (CUT, 0, 0, 0)), ("crop", (0, 0, CUT, 0)),
    ("crop", (0, CUT, 0, 0)), ("crop", (0, 0, 0, CUT)),
    ("crop", (CUT, CUT, 0, 0)), ("crop", (0, 0, CUT, CUT)),
    ("crop", (CUT, 0, 0, CUT)), ("crop", (0, CUT, CUT, 0)),
    ("crop", (CUT / 2, CUT / 2, CUT / 2, CUT / 2)),
    ("turn", 4.0), ("turn", -4.0), ("turn", 2.0), ("turn", -2.0),
    # A caption band or a strip of watermark along the bottom edge.
    ("crop", (0, 0, 0, 0.14)),
)

# Hue bins for the colour signature, plus one bin for the greys.
HUE_BINS = 12
COLOUR_BINS = HUE_BINS + 1


@dataclass
class Fingerprint:
    phashes: list  # 8 signed 64-bit ints, one per orientation (DIHEDRAL order)
    dhashes: list
    window_phashes: list  # one per WINDOWS entry
    window_dhashes: list
    colour: list  # COLOUR_BINS weights summing to 1, then mean saturation
    detail: float  # 0 (flat) upwards; see detail_score

    @property
    def phash(self):
        return self.phashes[0]

    @property
    def dhash(self):
        return self.dhashes[0]


def fingerprint(image):
    """The Fingerprint of an upright RGB PIL image (ideally the 400 px derivative)."""
    grey = image.convert("L")
    # pHash and dHash each start by shrinking the image (to 32x32 and 9x8);
    # shrinking once and turning the small copy gives the hashes of the
    # turned image for a fraction of the cost.
    grey32 = np.asarray(grey.resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    grey64 = grey.resize((64, 64), Image.Resampling.LANCZOS)
    phashes, dhashes = [], []
    for transpose in DIHEDRAL:
        turned = grey64 if transpose is None else grey64.transpose(transpose)
        phashes.append(phash(_turn_array(grey32, transpose)))
        dhashes.append(dhash(turned))
    window_phashes, window_dhashes = [], []
    for window in window_arrays(grey):
        window_phashes.append(window_phash(window))
        window_dhashes.append(window_dhash(window))
    return Fingerprint(
        phashes=phashes,
        dhashes=dhashes,
        window_phashes=window_phashes,
        window_dhashes=window_dhashes,
        colour=colour_signature(image),
        detail=detail_score(grey64),
    )


# The first 8 rows of the 32-point DCT-II matrix (scipy's unnormalised
# type 2): only the 8x8 lowest frequencies are kept, and two small matrix
# products give them without computing the rest or importing scipy.
_DCT8 = 2 * np.cos(np.pi * np.arange(8)[:, None] * (2 * np.arange(32)[None, :] + 1) / 64)


def phash(grey32):
    """pHash of a 32x32 grey array, as imagehash computes it: the 8x8 lowest
    frequencies of its DCT, each bit saying whether one is above their median."""
    # Rounded so that float noise cannot decide a bit: where the exact
    # coefficient is 0 (every one but the first of a flat image) it stays 0.
    low = np.round(_DCT8 @ grey32 @ _DCT8.T, 6)
    return _bits_to_signed(low > np.median(low))


def dhash(grey):
    """dHash of a grey PIL image, as imagehash computes it: is each pixel of a
    9x8 copy brighter than its right-hand neighbour."""
    small = np.asarray(grey.resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    return _bits_to_signed(small[:, 1:] > small[:, :-1])


def _bits_to_signed(bits):
    value = int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")
    return value - (1 << 64) if value >= (1 << 63) else value


def _turn_array(array, transpose):
    """A numpy array turned as PIL's transpose would turn the image."""
    T = Image.Transpose
    return {
        None: lambda a: a,
        T.ROTATE_90: lambda a: np.rot90(a, 1),
        T.ROTATE_180: lambda a: np.rot90(a, 2),
        T.ROTATE_270: lambda a: np.rot90(a, 3),
        T.FLIP_LEFT_RIGHT: np.fliplr,
        T.TRANSPOSE: lambda a: a.T,
        T.FLIP_TOP_BOTTOM: np.flipud,
        T.TRANSVERSE: lambda a: np.rot90(a, 2).T,
    }[transpose](array)


def window_arrays(grey):
    """The WINDOWS of a grey image, each as a float array."""
    # A 128 px copy holds more than the 32 px pHash needs after any window.
    small = grey.copy()
    small.thumbnail((128, 128), Image.Resampling.LANCZOS)
    w, h = small.size
    pixels = np.asarray(small, np.float64)
    for kind, spec in WINDOWS:
        if kind == "crop":
            left, top, right, bottom = spec
            yield pixels[round(h * top) : round(h * (1 - bottom)), round(w * left) : round(w * (1 - right))]
        else:
            turned = np.asarray(small.rotate(spec, Image.Resampling.BILINEAR), np.float64)
            # Cut away the corners the turn left empty.
            m = abs(np.sin(np.radians(spec))) * 1.1
            yield turned[round(h * m) : round(h * (1 - m)), round(w * m) : round(w * (1 - m))]


def window_phash(window):
    """pHash of a window array: shrunk to 32x32 by two small matrix products
    (a window is only ever hashed, so it never needs to become an image of
    its own), then clipped and rounded to 8-bit grey levels as Pillow's
    resize would leave them."""
    rows, cols = window.shape
    return phash(_as_grey_levels(_shrink_matrix(rows, 32) @ window @ _shrink_matrix(cols, 32).T))


def window_dhash(window):
    """dHash of a window array: shrunk to 9x8 and rounded likewise, each
    pixel against its right-hand neighbour."""
    rows, cols = window.shape
    small = _as_grey_levels(_shrink_matrix(rows, 8) @ window @ _shrink_matrix(cols, 9).T)
    return _bits_to_signed(small[:, 1:] > small[:, :-1])


def _as_grey_levels(pixels):
    # Lanczos overshoots past black and white at hard edges; float noise
    # between two nearly equal neighbours would otherwise decide dHash bits.
    return np.round(np.clip(pixels, 0, 255))


@functools.lru_cache(maxsize=512)
def _shrink_matrix(size, target):
    """The (target, size) weights that shrink a line of pixels with a
    Lanczos-3 filter widened by the reduction, as Pillow's LANCZOS resize."""
    scale = size / target
    stretch = max(scale, 1.0)
    centres = (np.arange(target) + 0.5) * scale
    distance = ((np.arange(size) + 0.5)[None, :] - centres[:, None]) / stretch
    weights = np.sinc(distance) * np.sinc(distance / 3) * (np.abs(distance) < 3)
    return weights / weights.sum(axis=1, keepdims=True)


def colour_signature(image):
    """A hue histogram weighted by saturation, a grey share, and the mean
    saturation: survives resizing, cropping, rotation and mild tone edits,
    and tells a red poster from a blue one when the grey hashes cannot."""
    # Shrunk before the conversion: averaging hues across the red wrap-around
    # would be wrong, and HSV of 48x48 pixels costs a tenth of the whole.
    small = np.asarray(image.resize((48, 48), Image.Resampling.BILINEAR).convert("HSV"),
                       dtype=np.float32)
    hue, sat = small[..., 0].ravel(), small[..., 1].ravel() / 255.0
    weights = np.zeros(COLOUR_BINS, np.float64)
    colourful = sat > 0.15
    bins = (hue[colourful] * HUE_BINS / 256.0).astype(np.int64)
    np.add.at(weights, bins, sat[colourful])
    weights[HUE_BINS] = float(np.sum(1.0 - sat))  # greys and pastels
    weights /= max(weights.sum(), 1e-9)
    return [round(float(w), 4) for w in weights] + [round(float(sat.mean()), 4)]


def detail_score(grey64):
    """How much a picture holds beyond smooth shading: the upper quartile of
    the Laplacian of a 64x64 grey copy after stretching its contrast. About 0
    for a solid colour, about 1 for a linear gradient (its second derivative
    is nil), above 2 for any photograph, however faint or blurred."""
    a = np.asarray(grey64, dtype=np.float32)
    low, high = np.percentile(a, [2, 98])
    if high - low < 6:  # not even a faint picture: nothing to stretch
        return 0.0
    a = (a - low) * (255.0 / (high - low))
    laplacian = np.abs(4 * a[1:-1, 1:-1] - a[:-2, 1:-1] - a[2:, 1:-1] - a[1:-1, :-2] - a[1:-1, 2:])
    return round(float(np.percentile(laplacian, 75)), 3)


def pack(values):
    """Signed 64-bit ints as a little-endian blob for SQLite."""
    return np.asarray(values, dtype="<i8").tobytes()


def unpack(blob):
    return np.frombuffer(blob, dtype="<i8") if blob else np.zeros(0, "<i8")
