"""Decoding, orientation, perceptual hashes and derivatives of one image.

An image is decoded once, reduced as early as the format allows (JPEG draft
mode decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost), turned
upright, and everything else is made from that one decode.

Before that decode a file is screened (screen()): its header, its JPEG
structure, and whether it carries the data a picture of its size needs.
The first decode of a file sent to the archive runs in a bounded child
process (see bounded.py and budget.py); this module is what runs there.
"""

import contextlib
import io
import math
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from archive.config import DISPLAY_EDGE, DISPLAY_MAX_EDGE, THUMBNAIL_EDGE
from archive.imaging import fingerprint, jpeg_structure

pillow_heif.register_heif_opener()

# Two pixel limits. The archive's own, configurable one is checked as soon as
# a header is read and before anything is decoded (see open_checked), with a
# message that names both sizes. Behind it Pillow's decompression-bomb check
# runs inside Image.open itself, at a fixed ceiling no configuration may pass;
# Pillow only warns between 1x and 2x its limit, so the warning is made an
# error here: a file past the ceiling is refused, never decoded.
HARD_MAX_PIXELS = 1_000_000_000
Image.MAX_IMAGE_PIXELS = HARD_MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

# Pillow's own default decompression-bomb limit, where it warns: past it an
# image is taken only if its file holds the data of a real picture that
# large. A photograph, even of a flat wall, compresses to far more than one
# byte a hundred pixels (a 100-megapixel JPEG of one colour is 1.7 MB); a
# few kilobytes that declare 10000×10000 pixels are a bomb, whatever their
# format, and are refused before anything is decoded.
BOMB_WARNING_PIXELS = 89_478_485
MAX_PIXELS_PER_BYTE = 100

# Pillow's format name -> (file extension, media type).
ACCEPTED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    # Phones and cameras write a JPEG with extra images after the first
    # (depth maps, previews); Pillow calls it MPO. The first image is the photo.
    "MPO": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "TIFF": ("tif", "image/tiff"),
    "HEIF": ("heic", "image/heic"),
}

# EXIF Orientation -> the transpose that makes the image upright, as Pillow's
# ImageOps.exif_transpose applies it.
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Every size that may be asked for by name (srcset, zoom). Other sizes are
# made on first request and cached; the list is fixed so that requests
# cannot fill the disk with one file per conceivable width.
SERVED_EDGES = (200, THUMBNAIL_EDGE, 800, 1200, DISPLAY_EDGE, 2400, 3200)


class RejectedImage(ValueError):
    """A file the archive will not take, with a message for the person who sent it."""


@dataclass
class Analysis:
    format: str
    ext: str
    mime_type: str
    width: int  # upright, full size
    height: int
    orientation: int
    phash: int  # signed 64-bit
    dhash: int
    display_edge: int  # the display image is derivative_name(display_edge)
    derivatives: dict = field(default_factory=dict)  # file name -> JPEG bytes
    fingerprint: object = None  # archive.fingerprint.Fingerprint, for near-duplicates


def derivative_name(edge, orientation_override=None):
    """Named by the request that made it, so a name always means the same pixels."""
    return oriented_name(f"fit{edge}.jpg", orientation_override)


def oriented_name(name, orientation_override):
    """A derivative's name for a photo an archivist turned or mirrored: the
    orientation it was made in goes into the name ("fit400-o6.jpg"), so the
    pixels of each orientation have names of their own and a cached copy of
    the old ones is never served for the new."""
    if not orientation_override:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-o{orientation_override}{dot}{ext}"


def edge_of(name):
    """The long edge a fit derivative's name asks for ("fit400-o6.jpg" -> 400), or None."""
    match = re.fullmatch(r"fit(\d+)(?:-o[1-8])?\.jpg", name)
    return int(match.group(1)) if match else None


# The image of each EXIF orientation, made from the pixels as stored: what
# turning an upright photo becomes is found by comparing these (below).
_PROBE = Image.frombytes("L", (3, 2), bytes(range(6)))


def _oriented(image, orientation):
    transpose = ORIENTATION_TRANSPOSE.get(orientation)
    return image.transpose(transpose) if transpose is not None else image


TURNS = {
    "cw": Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    "ccw": Image.Transpose.ROTATE_90,
    "half": Image.Transpose.ROTATE_180,
    "mirror": Image.Transpose.FLIP_LEFT_RIGHT,
}


def turned(orientation, turn):
    """The EXIF orientation that shows the stored pixels as the image upright
    by `orientation` looks after `turn` (cw, ccw, half: turns by 90°, 90°
    the other way and 180°; mirror: left and right swapped)."""
    wanted = _oriented(_PROBE, orientation).transpose(TURNS[turn]).tobytes(), \
        _oriented(_PROBE, orientation).transpose(TURNS[turn]).size
    for candidate in range(1, 9):
        made = _oriented(_PROBE, candidate)
        if (made.tobytes(), made.size) == wanted:
            return candidate
    raise AssertionError("the eight orientations cover every turn")


def describe_orientation(file_orientation, orientation):
    """How an orientation differs from the file's own, for a person:
    "as the file says", "turned 90° clockwise", "mirrored and turned 180°"."""
    start = _oriented(_PROBE, file_orientation or 1)
    goal = _oriented(_PROBE, orientation or file_orientation or 1)
    for mirrored in (False, True):
        base = start.transpose(TURNS["mirror"]) if mirrored else start
        for degrees, transpose in ((0, None), (90, TURNS["cw"]), (180, TURNS["half"]), (270, TURNS["ccw"])):
            made = base.transpose(transpose) if transpose is not None else base
            if (made.tobytes(), made.size) == (goal.tobytes(), goal.size):
                turn = {0: "", 90: "turned 90° clockwise", 180: "turned 180°",
                        270: "turned 90° anticlockwise"}[degrees]
                if mirrored:
                    return "mirrored" + (f" and {turn}" if turn else "")
                return turn or "as the file says"
    raise AssertionError("the eight orientations cover every turn")


def open_checked(path, max_pixels):
    """Open an image lazily, rejecting what the archive does not take before decoding."""
    try:
        with broken_exif_tolerated():
            image = Image.open(path)
    except UnidentifiedImageError:
        raise RejectedImage("not an image the archive can read (JPEG, PNG, WebP, TIFF or HEIC)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RejectedImage(
            f"the image claims more than {HARD_MAX_PIXELS / 1e6:.0f} megapixels; "
            "it is refused as a decompression bomb"
        ) from None
    except Exception as exc:  # noqa: BLE001
        # A decoder fed hostile bytes fails in many ways (struct.error,
        # IndexError, a warning made an error...); each means a bad file.
        raise RejectedImage(f"the image header is broken ({_reason(exc)})") from None
    try:
        if image.format == "GIF" and getattr(image, "n_frames", 1) > 1:
            raise RejectedImage("animated GIF images are not accepted; send a still photo "
                                "as JPEG, PNG, WebP, TIFF or HEIC")
        if image.format not in ACCEPTED_FORMATS:
            raise RejectedImage(
                f"{image.format} images are not accepted; send JPEG, PNG, WebP, TIFF or HEIC"
            )
        width, height = image.size
        if width < 1 or height < 1:
            raise RejectedImage("the image has no pixels")
        if width * height > max_pixels:
            raise RejectedImage(
                f"the image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {max_pixels / 1e6:.0f} megapixels"
            )
        if image.format in ("WEBP", "PNG") and getattr(image, "n_frames", 1) > 1:
            # Only the first frame would be kept, and a visitor expects motion.
            raise RejectedImage("animated images are not accepted; send a still photo")
    except RejectedImage:
        image.close()
        raise
    except Exception as exc:  # noqa: BLE001 (counting frames reads past the header)
        image.close()
        raise RejectedImage(f"the image is broken ({_reason(exc)})") from None
    except BaseException:
        image.close()
        raise
    return image


@dataclass(frozen=True)
class Header:
    """What a file declares, read and checked before it is decoded."""

    format: str
    mode: str  # the mode Pillow decodes into
    width: int  # as stored (before EXIF orientation)
    height: int
    orientation: int
    file_size: int
    jpeg: object = None  # jpeg_structure.Structure for a JPEG

    @property
    def pixels(self):
        return self.width * self.height


def screen(path, max_pixels):
    """The Header of a file the archive may decode, or RejectedImage.

    Only headers and structure are read: a file refused here costs next to
    nothing, however many pixels it declares."""
    file_size = os.stat(path).st_size
    declared = declared_webp_size(path)
    if declared is not None:
        _check_declared(*declared, file_size, max_pixels)
    with open_checked(path, max_pixels) as image:
        fmt, mode, (width, height) = image.format, image.mode, image.size
        orientation = _declared_orientation(image)
    jpeg = None
    if fmt in ("JPEG", "MPO"):
        try:
            jpeg = jpeg_structure.check(path)
        except jpeg_structure.BrokenJPEG as exc:
            raise RejectedImage(str(exc)) from None
    _check_declared(width, height, file_size, max_pixels)
    return Header(fmt, mode, width, height, orientation, file_size, jpeg)


def _check_declared(width, height, file_size, max_pixels):
    """The archive's pixel limit, and the data a picture that large needs."""
    pixels = width * height
    if pixels > max_pixels:
        raise RejectedImage(f"the image is {width}×{height} ({pixels / 1e6:.0f} megapixels); "
                            f"the limit is {max_pixels / 1e6:.0f} megapixels")
    if pixels > BOMB_WARNING_PIXELS and file_size * MAX_PIXELS_PER_BYTE < pixels:
        raise RejectedImage(
            f"the image declares {width}×{height} pixels ({pixels / 1e6:.0f} megapixels) in a file of "
            f"{_amount(file_size)}: past {BOMB_WARNING_PIXELS / 1e6:.0f} megapixels a picture needs at "
            f"least one byte for every {MAX_PIXELS_PER_BYTE} pixels; it is refused as a decompression bomb"
        )


def declared_webp_size(path):
    """(width, height) from a WebP file's own header, or None for any other
    file. Pillow's WebP reader makes the whole canvas (4 bytes a pixel) as it
    opens a file, so a WebP's size is checked before Pillow sees it."""
    with open(path, "rb") as f:
        head = f.read(30)
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    kind, body = head[12:16], head[20:30]
    if kind == b"VP8X":
        return int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1
    if kind == b"VP8 " and body[3:6] == b"\x9d\x01\x2a":
        return int.from_bytes(body[6:8], "little") & 0x3FFF, int.from_bytes(body[8:10], "little") & 0x3FFF
    if kind == b"VP8L" and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _amount(count):
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} MB"
    if count >= 1000:
        return f"{count / 1000:.0f} KB"
    return f"{count} bytes"


def _declared_orientation(image):
    """The EXIF orientation, read without decoding pixels. (A PNG's getexif()
    decodes the whole image to look past it; an eXIf chunk before the pixels
    is already in image.info.)"""
    if image.format == "PNG":
        if "exif" not in image.info:
            return 1
        exif = Image.Exif()
        with broken_exif_tolerated(), contextlib.suppress(Exception):
            exif.load(image.info["exif"])
        value = exif.get(0x0112, 1)
        return value if value in range(1, 9) else 1
    return read_orientation(image)


@contextlib.contextmanager
def broken_exif_tolerated():
    """Pillow warns ("Corrupt EXIF data") as it parses a broken EXIF block, even
    while only opening a JPEG. The metadata reader already reports broken EXIF
    as an ingest warning; under warnings-as-errors (`python -W error`, the test
    suite) Pillow's warning would instead fail the import of a good picture."""
    # catch_warnings is process-wide; if two threads interleave, the worst
    # left behind is this one narrow ignore rule.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(possibly )?corrupt exif", category=UserWarning)
        yield


def read_orientation(image):
    try:
        with broken_exif_tolerated():
            value = image.getexif().get(0x0112, 1)
        return value if value in range(1, 9) else 1
    except Exception:  # a broken EXIF block must not stop the decode
        return 1


@dataclass
class Decoded:
    format: str
    orientation: int
    width: int  # upright, full size
    height: int
    pixels: Image.Image  # upright RGB, reduced to no less than the edge asked for


def decode_upright(path, max_pixels, largest_edge, orientation_override=None):
    """Decode once, as small as still covers largest_edge, and turn upright:
    by the file's EXIF orientation, or by the archivist's override of it.

    The pixels carry nothing of the file but pixels: Pillow copies an image's
    info (a JPEG comment, an ICC profile) into every crop and resize, and
    its encoders write some of it back out."""
    with open_checked(path, max_pixels) as image:
        fmt = image.format
        full_width, full_height = image.size
        scale = min(1.0, largest_edge / max(full_width, full_height))
        if fmt in ("JPEG", "MPO") and scale < 1.0:
            # Asks for at least the size the largest derivative needs; the
            # decoder picks the smallest DCT scale that still covers it.
            image.draft("RGB", (math.ceil(full_width * scale), math.ceil(full_height * scale)))
        try:
            image.load()
        except Exception as exc:  # noqa: BLE001 (as in open_checked)
            raise RejectedImage(f"the image data is truncated or corrupt ({_reason(exc)})") from None
        # Only after load: PNG's getexif() loads the pixels itself, and a
        # decode error swallowed there would let a second load() pass on a
        # half-decoded image.
        orientation = read_orientation(image)
        try:
            pixels = to_rgb(image)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise RejectedImage(
                f"the image's colour mode {image.mode} cannot be shown ({_reason(exc)})"
            ) from None
    applied = orientation_override or orientation
    if applied in ORIENTATION_TRANSPOSE:
        pixels = pixels.transpose(ORIENTATION_TRANSPOSE[applied])
    if applied in (5, 6, 7, 8):
        full_width, full_height = full_height, full_width
    pixels.info = {}
    return Decoded(fmt, orientation, full_width, full_height, pixels)


def analyse(path, max_pixels, orientation_override=None):
    """Validate, decode once (reduced), make the image upright, hash it and make
    the derivatives. Raises RejectedImage for anything the archive will not keep.

    The display image is the reduced decode itself when that is no larger than
    DISPLAY_MAX_EDGE: a 12-megapixel phone or camera file (4000 or 4032 px)
    decodes at half scale to about 2000 px, sharper than 1600 px and with no
    resampling at all, which was the costliest step of an import after the
    decode. Larger decodes are shrunk to DISPLAY_MAX_EDGE."""
    decoded = decode_upright(path, max_pixels, DISPLAY_EDGE, orientation_override)
    return analysis_of(decoded, decoded.pixels, orientation_override)


def analysis_of(decoded, pixels, orientation_override=None):
    """The Analysis of a decoded image, its derivatives made from pixels: the
    upright image with a long edge of at least DISPLAY_EDGE (or all of it),
    named for the orientation they are shown in."""
    display = fit(pixels, DISPLAY_MAX_EDGE)
    edge = display_edge(display)
    thumbnail = fit(display, THUMBNAIL_EDGE)
    ext, mime_type = ACCEPTED_FORMATS[decoded.format]
    # From the smallest derivative: the hashes shrink to 32 px anyway. The
    # fingerprint's upright pHash and dHash are imagehash's, made once.
    print_ = fingerprint.fingerprint(thumbnail)
    return Analysis(
        format=decoded.format,
        ext=ext,
        mime_type=mime_type,
        width=decoded.width,
        height=decoded.height,
        orientation=decoded.orientation,
        phash=print_.phash,
        dhash=print_.dhash,
        display_edge=edge,
        derivatives={
            derivative_name(edge, orientation_override): encode_jpeg(display, quality_for(edge)),
            derivative_name(THUMBNAIL_EDGE, orientation_override):
                encode_jpeg(thumbnail, quality_for(THUMBNAIL_EDGE)),
        },
        fingerprint=print_,
    )


def display_edge(display):
    """The edge a display image is named by: its long edge, or DISPLAY_EDGE
    for a photo smaller than that (fit1600 of a small photo is the photo)."""
    return max(DISPLAY_EDGE, *display.size)


def standard_edges(photo_display_edge):
    """The long edges of the derivatives a photo got at ingest, largest first."""
    return (photo_display_edge, THUMBNAIL_EDGE)


class Original:
    """A photo's pixels, decoded from its original file as small as each
    request allows. (A photo past the pyramid threshold is read from its
    tile pyramid instead: see pyramid.Pyramid, which answers the same calls.)"""

    def __init__(self, path, max_pixels, format=None, size=None, orientation_override=None):
        self.path, self.max_pixels = path, max_pixels
        self.format, self.size = format, size  # the photo row's, for decoded_pixels()
        self.orientation_override = orientation_override  # the archivist's turn, if any

    def close(self):
        """Nothing to let go (a Pyramid has an open file)."""

    def pixels_for(self, edge):
        """The upright image with a long edge of at least edge (or all of it)."""
        return decode_upright(self.path, self.max_pixels, edge, self.orientation_override).pixels

    def region(self, box, size):
        """The upright region box (x, y, w, h of the full image) scaled to size."""
        x, y, w, h = box
        longest = max(self.size)
        # Decode no larger than the output needs: a JPEG then uses draft mode
        # (1/2, 1/4, 1/8 scale), which is most of the cost of a tile.
        edge = math.ceil(longest * max(size[0] / w, size[1] / h)) + 1
        decoded = decode_upright(self.path, self.max_pixels, min(edge, longest), self.orientation_override)
        return crop_and_scale(decoded.pixels, (decoded.width, decoded.height), box, size)

    def decoded_pixels(self, box, size):
        """About how many pixels region(box, size) decodes: a JPEG's draft
        mode reduces by up to 8 in each direction, other formats not at all."""
        width, height = self.size
        if self.format not in ("JPEG", "MPO"):
            return width * height
        x, y, w, h = box
        scale = max(size[0] / w, size[1] / h)
        reduction = 1
        while reduction < 8 and scale * 2 * reduction <= 1:
            reduction *= 2
        return math.ceil(width / reduction) * math.ceil(height / reduction)


def crop_and_scale(pixels, full, box, size):
    """The region box of an image whose full size is full, from pixels (the
    image decoded at full size or reduced), scaled to size."""
    x, y, w, h = box
    fx, fy = pixels.width / full[0], pixels.height / full[1]
    if (fx, fy) == (1.0, 1.0) and tuple(size) == (w, h):
        return pixels.crop((x, y, x + w, y + h))
    scaled_box = (x * fx, y * fy, (x + w) * fx, (y + h) * fy)
    return pixels.resize(tuple(size), Image.Resampling.LANCZOS, box=scaled_box, reducing_gap=3.0)


def render_fit(path, edge, max_pixels, photo_display_edge=DISPLAY_EDGE, orientation_override=None):
    """JPEG bytes of one derivative, made again from the original.

    The display image and the thumbnail are remade exactly as ingest makes
    them (the same draft decode, the thumbnail from the display image), so a
    rebuilt file is the same bytes as the deleted one and its URL keeps
    meaning one thing. (A photo imported before thumbnails were made by block
    reduction gets a thumbnail that differs from its first by about a grey
    level.) Other sizes come from a decode reduced for them."""
    return encode_fit(Original(path, max_pixels, orientation_override=orientation_override), edge,
                      photo_display_edge)


def encode_fit(source, edge, photo_display_edge=DISPLAY_EDGE):
    """JPEG bytes of the fit{edge} derivative, from an Original or a Pyramid."""
    return encode_jpeg(fit_from(source, edge, photo_display_edge), quality_for(edge))


def fit_pixels(path, edge, max_pixels, photo_display_edge=DISPLAY_EDGE, orientation_override=None):
    """The pixels of one derivative, made from the original as render_fit says."""
    return fit_from(Original(path, max_pixels, orientation_override=orientation_override), edge, photo_display_edge)


def fit_from(source, edge, photo_display_edge=DISPLAY_EDGE):
    """The pixels of one derivative from a source (an Original or a Pyramid)."""
    if edge in standard_edges(photo_display_edge):
        display = fit(source.pixels_for(DISPLAY_EDGE), photo_display_edge)
        return fit(display, edge)
    return fit(source.pixels_for(edge), edge)


def to_rgb(image):
    """Any mode Pillow decodes (palette, alpha, CMYK, 16-bit, grey) as 8-bit RGB.

    Never more than the decoded image and the RGB one at a time (see
    budget.py): no RGBA detours, no whole-image wide integer arrays. A
    palette image with transparent entries gets its palette flattened in
    place."""
    if image.mode in DEEP_MODES:
        return _deep_to_grey(image).convert("RGB")
    if image.mode == "P":
        return _palette_to_rgb(image)
    if image.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        # Transparent areas over white, as a viewer would show them: pasting
        # through the alpha channel blends as compositing over opaque white
        # does, without two more RGBA images of the whole size.
        rgb = Image.new("RGB", image.size, (255, 255, 255))
        rgb.paste(rgba, (0, 0), rgba)
        return rgb
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
# Rows of a deep image converted at once: about this many pixels (each
# step of the conversion holds a few bytes a pixel of one band).
BAND_PIXELS = 1_000_000


def _deep_to_grey(image):
    """A 16-bit, 32-bit or float image as 8-bit grey, a band of rows at a
    time (one int64 array of a 200-megapixel scan would take 1.6 GB).

    16-bit scans use the full 0-65535 range and are scaled by the range in
    use; signed 32-bit values outside 0-65535 are clipped, not wrapped;
    floats from 0 to 1 are scaled to 0-255."""
    width, height = image.size
    rows = max(1, BAND_PIXELS // width)
    bands = [(top, min(height, top + rows)) for top in range(0, height, rows)]

    def values(top, bottom):
        array = np.asarray(image.crop((0, top, width, bottom)))
        if image.mode == "F":
            return np.nan_to_num(array.astype(np.float32))
        # Clipped to 16 bits, a value times 255 still fits in 32.
        return np.clip(array.astype(np.int32), 0, 65535)

    peak = max(values(top, bottom).max() for top, bottom in bands)
    grey = np.empty((height, width), np.uint8)
    for top, bottom in bands:
        band = values(top, bottom)
        if image.mode == "F":
            grey[top:bottom] = np.clip(band * (255.0 if peak <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        else:
            grey[top:bottom] = (band * 255 // (65535 if peak > 255 else 255)).astype(np.uint8)
    return Image.fromarray(grey, "L")


def _palette_to_rgb(image):
    """A palette image as RGB, its transparent colours over white. The few
    hundred colours of the palette are blended, not the pixels: an RGBA copy
    of a 196-megapixel palette image would take 784 MB, and compositing it
    three times that."""
    transparency = image.info.get("transparency")
    if transparency is None and (image.palette is None or image.palette.mode != "RGBA"):
        return image.convert("RGB")
    entries = image.getpalette("RGBA") or []
    alpha = list(entries[3::4])
    if isinstance(transparency, int) and 0 <= transparency < len(alpha):
        alpha[transparency] = 0
    elif isinstance(transparency, bytes):
        alpha[:len(transparency)] = transparency[:len(alpha)]
    flattened = []
    for index, a in enumerate(alpha):
        for channel in entries[4 * index:4 * index + 3]:
            flattened.append((channel * a + 255 * (255 - a) + 127) // 255)
    image.info.pop("transparency", None)
    image.putpalette(flattened, "RGB")
    return image.convert("RGB")


# How much of a strong reduction Image.reduce takes (see Pillow's
# reducing_gap): all of its whole factor. For a 2000 px display image shrunk
# to a 400 px thumbnail this costs 1.6 ms against 6.9 ms at 2.0, and the
# result differs from a full Lanczos reduction by 1.2 grey levels on average
# against 0.8.
REDUCING_GAP = 1.0


def fit(image, edge):
    """The image scaled down (never up) to fit within edge × edge.

    Pillow's filters scale their support with the reduction, so all of them
    antialias. For a mild reduction (a draft decode shrunk to the display
    size) bilinear looks the same as bicubic at two thirds of the cost, which
    every import pays on a camera-sized image. A stronger reduction (the
    thumbnail) first averages whole blocks of pixels (Image.reduce, a box
    filter, the classic area reduction) and then resamples the rest bicubic."""
    if max(image.size) <= edge:
        return image
    scale = edge / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if scale >= 0.5:
        return image.resize(size, Image.Resampling.BILINEAR)
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=REDUCING_GAP)


def quality_for(edge):
    return 80 if edge <= THUMBNAIL_EDGE else 85


def encode_jpeg(image, quality):
    """JPEG bytes with no EXIF, IPTC or XMP: derivatives never carry metadata."""
    out = io.BytesIO()
    # Baseline, not optimised or progressive: those cost 2-6x the encode time
    # for 1-5 % smaller files, and every import pays it for every photo.
    # Pillow writes EXIF, XMP and ICC only when asked, but copies a decoded
    # JPEG's comment (COM segment) into the new file unless told otherwise:
    # that is where an image+script polyglot hides its payload.
    image.save(out, "JPEG", quality=quality, comment=b"")
    return out.getvalue()


def to_signed64(image_hash):
    value = int(str(image_hash), 16)
    return value - (1 << 64) if value >= (1 << 63) else value


def _reason(exc):
    text = str(exc).strip() or type(exc).__name__
    return text[:200]
