"""IIIF Image API 3.0 (compliance level 2, plus mirroring and bitonal).

A request names a region, a size, a rotation, a quality and a format. It is
parsed into a Plan of whole pixels on the UPRIGHT image (EXIF orientation
applied; its full size is photos.width × photos.height), so that different
spellings of the same pixels (pct:50 and 500,) share one cached file whose
name says exactly what it holds.

Nothing here knows about Flask: the web blueprint turns IIIFError into a
response and Plan into a cached file. The pixels come from a source (see
rendering.py): the original, or a large photo's tile pyramid.
"""

import io
import math
import re
from dataclasses import dataclass

from PIL import Image

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"
PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
TILE_SIZE = 512
# Qualities and formats beyond what level 2 promises, and features beyond it.
EXTRA_QUALITIES = ["bitonal"]
EXTRA_FORMATS = ["webp"]
EXTRA_FEATURES = ["mirroring", "profileLinkHeader", "canonicalLinkHeader"]
QUALITIES = ("default", "color", "gray", "bitonal")
FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}

_INT = r"(?:0|[1-9][0-9]{0,8})"
_FLOAT = r"(?:[0-9]{1,9}(?:\.[0-9]{1,9})?|\.[0-9]{1,9})"
REGION_PX = re.compile(rf"^({_INT}),({_INT}),({_INT}),({_INT})$")
REGION_PCT = re.compile(rf"^pct:({_FLOAT}),({_FLOAT}),({_FLOAT}),({_FLOAT})$")
SIZE_W = re.compile(rf"^({_INT}),$")
SIZE_H = re.compile(rf"^,({_INT})$")
SIZE_WH = re.compile(rf"^(!)?({_INT}),({_INT})$")
SIZE_PCT = re.compile(rf"^pct:({_FLOAT})$")
ROTATION = re.compile(rf"^(!)?({_FLOAT})$")
IDENTIFIER = re.compile(r"^[1-9][0-9]{0,17}$")


class IIIFError(ValueError):
    """A request the server refuses; status is 400 (bad) or 501 (valid, not offered)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Plan:
    """Exactly which pixels to make, in whole pixels of the upright full image."""

    region: tuple  # x, y, w, h
    size: tuple  # w, h of the output before rotation
    mirror: bool
    rotation: int  # 0, 90, 180, 270 clockwise
    quality: str  # color | gray | bitonal ("default" is color)
    format: str  # jpg | png | webp
    full: tuple  # full width, height
    largest: tuple = None  # the size 'max' gives for this region (within maxArea)

    @property
    def cache_name(self):
        """A derivative name that only these pixels can have (see storage.py)."""
        x, y, w, h = self.region
        flip = "!" if self.mirror else ""
        return f"iiif-{x},{y},{w},{h}-{self.size[0]},{self.size[1]}-{flip}{self.rotation}-{self.quality}.{self.format}"

    @property
    def media_type(self):
        return FORMATS[self.format][1]

    @property
    def kept(self):
        """Whether the image is worth keeping in the cache: what viewers ask
        for (info.json's tiles at its scale factors, the whole image at its
        halvings, at the widths the photo page zooms to, or at 'max'), plain
        and upright. Anything else is made for its request and not stored,
        so that varying x, y and sizes cannot fill the disk."""
        if self.mirror or self.rotation or self.quality != "color":
            return False
        x, y, w, h = self.region
        full_w, full_h = self.full
        if (x, y, w, h) == (0, 0, full_w, full_h):
            out_w, out_h = self.size
            return (self.size in ((w, h), self.largest) or out_w % 256 == 0 or any(
                (out_w, out_h) == (math.ceil(full_w / f), math.ceil(full_h / f)) for f in _halvings(full_w, full_h)))
        for factor in scale_factors(full_w, full_h):
            span = TILE_SIZE * factor
            if x % span or y % span or (w, h) != (min(span, full_w - x), min(span, full_h - y)):
                continue
            if abs(self.size[0] - math.ceil(w / factor)) <= 1 and abs(self.size[1] - math.ceil(h / factor)) <= 1:
                return True
        return False

    def canonical_path(self):
        """region/size/rotation/quality.format in the API's canonical form."""
        x, y, w, h = self.region
        region = "full" if self.region == (0, 0, *self.full) else f"{x},{y},{w},{h}"
        size = "max" if self.size == (w, h) else f"{self.size[0]},{self.size[1]}"
        rotation = ("!" if self.mirror else "") + str(self.rotation)
        quality = "default" if self.quality == "color" else self.quality
        return f"{region}/{size}/{rotation}/{quality}.{self.format}"


def valid_identifier(identifier):
    return bool(IDENTIFIER.match(identifier))


def parse_request(width, height, region, size, rotation, quality_format, max_area=None):
    """The Plan for one image request on an image of width × height, or IIIFError."""
    quality, dot, fmt = quality_format.rpartition(".")
    if not dot:
        raise IIIFError("the last part must be QUALITY.FORMAT, e.g. default.jpg")
    if quality not in QUALITIES:
        raise IIIFError(f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise IIIFError(f"format {fmt!r} is not offered; use jpg, png or webp")
    box = parse_region(region, width, height)
    out = parse_size(size, box[2], box[3], max_area)
    mirror, degrees = parse_rotation(rotation)
    return Plan(region=box, size=out, mirror=mirror, rotation=degrees,
                quality="color" if quality == "default" else quality, format=fmt,
                full=(width, height), largest=parse_size("max", box[2], box[3], max_area))


def parse_region(text, width, height):
    if text == "full":
        return (0, 0, width, height)
    if text == "square":
        side = min(width, height)
        return ((width - side) // 2, (height - side) // 2, side, side)
    match = REGION_PX.match(text)
    if match:
        x, y, w, h = (int(v) for v in match.groups())
    else:
        match = REGION_PCT.match(text)
        if not match:
            raise IIIFError(f"region {text!r} is not full, square, x,y,w,h or pct:x,y,w,h")
        px, py, pw, ph = (float(v) for v in match.groups())
        if px > 100 or py > 100:
            raise IIIFError(f"region {text!r} starts outside the image")
        x, y = math.floor(px * width / 100), math.floor(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
        if pw > 0 and ph > 0:
            w, h = max(w, 1), max(h, 1)
    if w <= 0 or h <= 0:
        raise IIIFError(f"region {text!r} has no width or no height")
    if x >= width or y >= height:
        raise IIIFError(f"region {text!r} lies outside the {width}×{height} image")
    # A region that runs past the edge is cut at the edge (the API says so).
    return (x, y, min(w, width - x), min(h, height - y))


def parse_size(text, region_w, region_h, max_area=None):
    if text.startswith("^"):
        raise IIIFError("upscaling (^) is not offered by this server", 501)
    if text == "max":
        w, h = region_w, region_h
        if max_area and w * h > max_area:
            scale = math.sqrt(max_area / (w * h))
            w, h = max(1, math.floor(w * scale)), max(1, math.floor(h * scale))
        return (w, h)
    if text == "full":
        raise IIIFError("size 'full' was replaced by 'max' in IIIF Image API 3.0")
    if match := SIZE_W.match(text):
        w = int(match.group(1))
        h = round(region_h * w / region_w)
    elif match := SIZE_H.match(text):
        h = int(match.group(1))
        w = round(region_w * h / region_h)
    elif match := SIZE_PCT.match(text):
        pct = float(match.group(1))
        if pct > 100:
            raise IIIFError(f"size {text!r} is larger than the region; upscaling is not offered")
        w, h = round(region_w * pct / 100), round(region_h * pct / 100)
    elif match := SIZE_WH.match(text):
        confined, w, h = match.group(1), int(match.group(2)), int(match.group(3))
        if confined:
            if w <= 0 or h <= 0:
                raise IIIFError(f"size {text!r} has no width or no height")
            # Without ^ a confining box that would enlarge the region is an
            # error, as for every other form (the official validator's reading).
            scale = min(w / region_w, h / region_h)
            w, h = max(round(region_w * scale), 1), max(round(region_h * scale), 1)
    else:
        raise IIIFError(f"size {text!r} is not max, w,, ,h, w,h, !w,h or pct:n")
    if w <= 0 or h <= 0:
        raise IIIFError(f"size {text!r} makes an image with no pixels")
    if w > region_w or h > region_h:
        raise IIIFError(f"size {text!r} is larger than the {region_w}×{region_h} region; "
                        "upscaling is not offered")
    if max_area and w * h > max_area:
        raise IIIFError(f"size {text!r} is more than the {max_area} pixels this server makes")
    return (w, h)


def parse_rotation(text):
    match = ROTATION.match(text)
    if not match:
        raise IIIFError(f"rotation {text!r} is not a number of degrees, e.g. 90 or !180")
    degrees = float(match.group(2))
    if degrees > 360:
        raise IIIFError(f"rotation {text!r} is more than 360 degrees")
    if degrees % 90:
        raise IIIFError("only rotations by multiples of 90 degrees are offered", 501)
    return bool(match.group(1)), int(degrees) % 360


def scale_factors(width, height):
    """info.json's tile scale factors: halvings until one tile holds the image."""
    factors = [1]
    while max(width, height) / factors[-1] > TILE_SIZE:
        factors.append(factors[-1] * 2)
    return factors


def _halvings(width, height):
    factor = 1
    while factor <= max(width, height):
        yield factor
        factor *= 2


def info(base_uri, width, height, rights=None, max_area=None):
    """The info.json document of one image."""
    factors = scale_factors(width, height)
    sizes = []
    for factor in reversed(factors[1:]):
        sizes.append({"width": math.ceil(width / factor), "height": math.ceil(height / factor)})
    document = {
        "@context": CONTEXT,
        "id": base_uri,
        "type": "ImageService3",
        "protocol": PROTOCOL,
        "profile": "level2",
        "width": width,
        "height": height,
        "sizes": sizes,
        "tiles": [{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": factors}],
        "preferredFormats": ["jpg"],
        "extraQualities": EXTRA_QUALITIES,
        "extraFormats": EXTRA_FORMATS,
        "extraFeatures": EXTRA_FEATURES,
    }
    if max_area and width * height > max_area:
        document["maxArea"] = max_area
    if rights:
        document["rights"] = rights
    return document


def render(source, plan):
    """The image bytes a Plan asks for, from a source (see rendering.py)."""
    image = source.region(plan.region, plan.size)
    if plan.mirror:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if plan.rotation:
        # Pillow's ROTATE_n turn counter-clockwise; IIIF turns clockwise.
        image = image.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                                 270: Image.Transpose.ROTATE_90}[plan.rotation])
    if plan.quality == "gray":
        image = image.convert("L")
    elif plan.quality == "bitonal":
        image = image.convert("1")
        if plan.format != "png":  # JPEG and WebP have no 1-bit mode
            image = image.convert("L")
    return encode(image, plan.format)


def encode(image, fmt):
    """Pixels only: no comment, EXIF, XMP or ICC profile from the original
    (the sources' pixels carry none, and the JPEG comment is refused here
    too, as Pillow would copy one from an image's info)."""
    out = io.BytesIO()
    if fmt == "jpg":
        image.save(out, "JPEG", quality=85, optimize=True, comment=b"")
    elif fmt == "png":
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()
