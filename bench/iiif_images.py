"""How fast IIIF images are made from a camera-sized JPEG.

Compares archive.iiif_image.render (JPEG draft mode: decode only as large as
the request needs) with an in-run baseline that decodes the whole original
every time, for the requests a viewer makes: a thumbnail, a screen-sized
image, a deep-zoom tile at a high scale factor and one at full resolution.

    python bench/iiif_images.py          # 24 MP original, 5 runs each
    python bench/iiif_images.py --quick  # 6 MP original, 2 runs each
"""

import argparse
import io
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.iiif import image_api as iiif_image  # noqa: E402
from archive.imaging.decoding import to_rgb  # noqa: E402

MAX_PIXELS = 500_000_000


def make_original(folder, width, height):
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    array = np.stack([127 + 100 * np.sin(x / (37 + 11 * c)) * np.cos(y / (53 + 7 * c)) for c in range(3)], -1)
    array += rng.normal(0, 8, array.shape)
    path = Path(folder) / "original.jpg"
    Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), "RGB").save(path, quality=90)
    return path


def baseline(path, plan):
    """The straightforward way: decode everything, then crop and scale."""
    with Image.open(path) as image:
        image.load()
        pixels = to_rgb(image)
    x, y, w, h = plan.region
    out = pixels.crop((x, y, x + w, y + h)).resize(plan.size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def timed(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small original and fewer runs")
    args = parser.parse_args()
    width, height = (3000, 2000) if args.quick else (6000, 4000)
    runs = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as folder:
        path = make_original(folder, width, height)
        factor = 2 ** math.floor(math.log2(max(width, height) / 512))
        requests = [
            ("thumbnail !400,400", "full", "!400,400"),
            ("screen 1600,", "full", "1600,"),
            (f"tile at scale {factor}", f"0,0,{512 * factor},{512 * factor}", "512,"),
            ("tile at scale 1", "1024,1024,512,512", "max"),
        ]
        print(f"original: {width}×{height} JPEG; median of {runs} runs\n")
        print(f"{'request':<22}{'baseline (full decode)':>24}{'archive (draft)':>18}{'speed-up':>10}")
        for label, region, size in requests:
            plan = iiif_image.parse_request(width, height, region, size, "0", "default.jpg")
            base = timed(lambda: baseline(path, plan), runs)
            ours = timed(lambda: iiif_image.render(path, plan, MAX_PIXELS), runs)
            print(f"{label:<22}{base * 1000:>21.0f} ms{ours * 1000:>15.0f} ms{base / ours:>9.1f}×")


if __name__ == "__main__":
    main()
