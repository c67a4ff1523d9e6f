"""What one decode may cost, from the image's header: per pixel and mode.

A file's size says nothing about what decoding it takes (a 0.3 MB PNG can
declare 196 megapixels), and neither does its pixel count alone: a palette
image decodes into one byte a pixel, RGB into four (Pillow pads it), and a
progressive JPEG keeps every DCT coefficient of the whole image while it
decodes. The budget is therefore worked out from the mode the decoder will
produce, what the format's decoder holds besides, and what the archive then
makes from the pixels; the bounded child gets exactly that much (see
bounded.allow), and a file whose budget is past the archive's ceiling is
refused before anything is decoded.
"""

from dataclasses import dataclass

MB = 1024 * 1024

# Working memory besides the pixels: the derivatives (a 2048 px display
# image and its resampling), the fingerprint, the decoders' own tables.
FIXED = 192 * MB

# Processor time: a floor for everything around the decode, then per
# megapixel. Decoding a PNG and cutting it into a tile pyramid takes about
# 35 ms a megapixel here; the budget leaves ample room for a slower machine.
CPU_FLOOR_SECONDS = 10
CPU_SECONDS_PER_MEGAPIXEL = 0.25


@dataclass(frozen=True)
class Budget:
    memory: int  # bytes
    seconds: int  # processor time


def mode_bytes(mode):
    """Bytes a pixel takes in Pillow's memory in this mode. Pillow keeps
    every mode of two to four bands (LA, RGB, RGBA, CMYK...) in four."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def per_decoded_pixel(mode, turned):
    """Bytes a decoded pixel takes at the peak of decoding it and making it
    upright RGB: the decoded image and the RGB one (see decoding.to_rgb;
    8-bit RGB is used as it is, 16-bit and float go through a 1-byte grey
    image), then, for a photo turned by its EXIF orientation, the RGB image
    and its turned copy."""
    rgb = 4
    if mode in ("RGB", "RGBX"):
        converting = rgb
    elif mode.startswith("I") or mode == "F":
        converting = mode_bytes(mode) + 1 + rgb
    else:
        converting = mode_bytes(mode) + rgb
    return max(converting, 2 * rgb if turned else rgb)


def decoder_bytes_per_pixel(header):
    """What the format's decoder holds besides the image, per full-size pixel."""
    if header.jpeg is not None and header.jpeg.marker in (0xC2, 0xC6, 0xCA, 0xCE):
        # A progressive JPEG keeps every component's coefficients (2 bytes
        # each, 64 to a block of 64 pixels) however small it is drawn.
        components = header.jpeg.components or ((1, 1),) * 3
        h_max = max(h for h, _ in components) or 1
        v_max = max(v for _, v in components) or 1
        return 2 * sum(h * v for h, v in components) / (h_max * v_max)
    if header.format == "WEBP":
        return 4  # libwebp decodes into a buffer of its own, then Pillow copies it
    if header.format == "HEIF":
        return 8  # libheif's planes and pillow-heif's buffer (up to 16 bits a sample)
    if header.format == "TIFF":
        return 1  # strip and tile buffers
    return 0


def first_decode(header, decoded_pixels, pyramid):
    """The Budget to decode a file once (at decoded_pixels, which a JPEG's
    draft mode may make a fraction of its full size) and make its
    derivatives; with pyramid, also its tile pyramid from a full decode."""
    turned = header.orientation in (5, 6, 7, 8, 2, 3, 4)
    decoding = decoded_pixels * per_decoded_pixel(header.mode, turned)
    decoding += header.pixels * decoder_bytes_per_pixel(header)
    peak = decoding
    if pyramid:
        # The upright RGB image, and its halvings (a third of it) as they
        # are cut into tiles.
        peak = max(peak, header.pixels * 4 * 4 / 3)
    seconds = CPU_FLOOR_SECONDS + header.pixels / 1e6 * CPU_SECONDS_PER_MEGAPIXEL
    return Budget(memory=int(peak + FIXED), seconds=int(seconds + 1))
