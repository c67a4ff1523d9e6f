"""A tile pyramid of one large photo: any region at any scale, decoding only
the tiles it touches.

Past the pyramid threshold a full decode is costly (a 196-megapixel PNG
takes seconds and most of a gigabyte; PNG, TIFF, WebP and HEIC have no
reduced decode, and a JPEG's draft mode does nothing at full scale), and an
anonymous visitor could ask for one with every tile. So such a photo gets
its pyramid once, from one bounded decode: the upright image and each
halving of it down to a single tile, cut into 512-pixel JPEG tiles, the
tiles IIIF viewers ask for (info.json's tiles and scale factors). A request
then decodes a few tiles of the level just above the size it wants.

The pyramid is one ordinary ZIP file of JPEG tiles, stored uncompressed
(they are compressed already), with a small JSON manifest: any ZIP tool
lists it, and one tile is read without reading the rest.
"""

import io
import json
import math
import zipfile

from PIL import Image

TILE = 512
QUALITY = 90
NAME = "pyramid.zip"  # its derivative name, beside the photo's other derivatives
MANIFEST = "pyramid.json"
FORMAT = 1  # the manifest's "format": what a reader of this file expects


def write(pixels, out):
    """Write the pyramid of pixels (the upright RGB image at full size) to
    the binary file out. The caller should hold no other reference to a
    reduced copy: each level is made from the one before and let go."""
    levels = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        level = pixels
        while True:
            levels.append(level.size)
            _write_tiles(archive, len(levels) - 1, level)
            if max(level.size) <= TILE:
                break
            # Each level halves the one before by averaging 2×2 blocks: the
            # plain box filter, exact for a factor of two.
            level = level.reduce(2)
        manifest = {"format": FORMAT, "width": pixels.width, "height": pixels.height,
                    "tile": TILE, "levels": [list(size) for size in levels]}
        archive.writestr(MANIFEST, json.dumps(manifest))


def _write_tiles(archive, index, level):
    columns, rows = math.ceil(level.width / TILE), math.ceil(level.height / TILE)
    for row in range(rows):
        for column in range(columns):
            box = (column * TILE, row * TILE, min(level.width, (column + 1) * TILE),
                   min(level.height, (row + 1) * TILE))
            out = io.BytesIO()
            level.crop(box).save(out, "JPEG", quality=QUALITY, comment=b"")
            archive.writestr(_tile_name(index, column, row), out.getvalue())


def _tile_name(level, column, row):
    return f"{level}/{column},{row}.jpg"


class Pyramid:
    """A pyramid file, open for reading. Answers the same calls as
    decoding.Original: pixels_for(edge), region(box, size) and
    decoded_pixels(box, size)."""

    def __init__(self, path):
        self.path = path
        self.archive = zipfile.ZipFile(path)
        try:
            manifest = json.loads(self.archive.read(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise ValueError(f"pyramid format {manifest.get('format')!r}, not {FORMAT}")
        except BaseException:
            self.archive.close()
            raise
        self.size = (manifest["width"], manifest["height"])
        self.tile = manifest["tile"]
        self.levels = [tuple(size) for size in manifest["levels"]]

    def close(self):
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def pixels_for(self, edge):
        """A whole level: the smallest whose long edge is at least edge
        (the full-size level if none is smaller)."""
        index = 0
        for candidate, size in enumerate(self.levels):
            if max(size) >= edge:
                index = candidate
        width, height = self.levels[index]
        return self._compose(index, 0, 0, width, height)

    def region(self, box, size):
        """The upright region box (x, y, w, h of the full image) scaled to
        size, from the smallest level that still has at least its pixels."""
        index, (left, top, right, bottom) = self._level_box(box, size)
        x0, y0, x1, y1 = math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)
        canvas = self._compose(index, x0, y0, x1, y1)
        inside = (left - x0, top - y0, right - x0, bottom - y0)
        if inside == (0, 0, canvas.width, canvas.height) and canvas.size == tuple(size):
            return canvas
        return canvas.resize(tuple(size), Image.Resampling.LANCZOS, box=inside, reducing_gap=3.0)

    def decoded_pixels(self, box, size):
        """How many tile pixels region(box, size) decodes."""
        index, (left, top, right, bottom) = self._level_box(box, size)
        width, height = self.levels[index]
        columns = math.ceil(right / self.tile) - math.floor(left / self.tile)
        rows = math.ceil(bottom / self.tile) - math.floor(top / self.tile)
        return min(columns * self.tile, width) * min(rows * self.tile, height)

    def _level_box(self, box, size):
        x, y, w, h = box
        scale = max(size[0] / w, size[1] / h)
        index = 0
        # The level of factor 2**k has enough pixels while 2**k * scale <= 1.
        while index + 1 < len(self.levels) and 2 ** (index + 1) * scale <= 1 + 1e-9:
            index += 1
        factor = 2 ** index
        width, height = self.levels[index]
        return index, (x / factor, y / factor, min((x + w) / factor, width), min((y + h) / factor, height))

    def _compose(self, index, x0, y0, x1, y1):
        """Pixels x0..x1, y0..y1 of a level, from the tiles that hold them."""
        canvas = Image.new("RGB", (x1 - x0, y1 - y0))
        for row in range(y0 // self.tile, math.ceil(y1 / self.tile)):
            for column in range(x0 // self.tile, math.ceil(x1 / self.tile)):
                with Image.open(io.BytesIO(self.archive.read(_tile_name(index, column, row)))) as tile:
                    tile.load()
                    canvas.paste(tile, (column * self.tile - x0, row * self.tile - y0))
        return canvas
