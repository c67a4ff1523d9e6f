"""How fast, and in how much memory, IIIF images are made.

Two parts, each against an in-run baseline:

1. A camera-sized JPEG (24 MP): archive.iiif.image_api.render from the
   original (JPEG draft mode: decode only as large as the request needs)
   against decoding the whole original every time.
2. A 196-megapixel photo, as PNG and as JPEG: render from its tile pyramid
   (made once, as an import makes it) against what the archive did before
   pyramids, a decode of the original for each request (a full decode for
   the PNG, draft mode for the JPEG). Each request runs in a fresh process
   so its peak memory can be read on its own.

    python bench/iiif_images.py          # 24 MP and 196 MP originals
    python bench/iiif_images.py --quick  # 6 MP and 49 MP originals, fewer runs
"""

import argparse
import io
import math
import multiprocessing
import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.iiif import image_api as iiif_image  # noqa: E402
from archive.imaging import pyramid  # noqa: E402
from archive.imaging.decoding import Original, decode_upright, to_rgb  # noqa: E402

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


def camera_part(width, height, runs):
    with tempfile.TemporaryDirectory() as folder:
        path = make_original(folder, width, height)
        source = Original(path, MAX_PIXELS, "JPEG", (width, height))
        factor = 2 ** math.floor(math.log2(max(width, height) / 512))
        requests = [
            ("thumbnail !400,400", "full", "!400,400"),
            ("screen 1600,", "full", "1600,"),
            (f"tile at scale {factor}", f"0,0,{512 * factor},{512 * factor}", "512,"),
            ("tile at scale 1", "1024,1024,512,512", "max"),
        ]
        print(f"1. original: {width}×{height} JPEG; median of {runs} runs\n")
        print(f"{'request':<22}{'baseline (full decode)':>24}{'archive (draft)':>18}{'speed-up':>10}")
        for label, region, size in requests:
            plan = iiif_image.parse_request(width, height, region, size, "0", "default.jpg")
            base = timed(lambda: baseline(path, plan), runs)
            ours = timed(lambda: iiif_image.render(source, plan), runs)
            print(f"{label:<22}{base * 1000:>21.0f} ms{ours * 1000:>15.0f} ms{base / ours:>9.1f}×")


# --- 2. a 196-megapixel photo ------------------------------------------------


def big_png(path, width, height):
    """A picture-like RGB PNG written row by row (a few MB, however large)."""
    rng = np.random.default_rng(7)
    x = np.arange(100)
    pattern = np.stack([127 + 90 * np.sin(x / 16 + c) for c in range(3)], -1) + rng.normal(0, 6, (100, 3))
    row = np.tile(np.clip(pattern, 0, 255).astype(np.uint8), (width // 100 + 2, 1))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        compressor = zlib.compressobj(1)
        for y in range(height):
            shade = 0.7 + 0.3 * math.cos(y / 900)
            data = compressor.compress(b"\x00" + (row[(y // 3) % 100:][:width] * shade).astype(np.uint8).tobytes())
            if data:
                out.write(chunk(b"IDAT", data))
        out.write(chunk(b"IDAT", compressor.flush()) + chunk(b"IEND", b""))
    return path


def big_jpeg(png, path):
    with Image.open(png) as image:
        image.save(path, quality=90)
    return path


def measured(function, *args):
    """(seconds, peak memory growth in bytes) of function(*args), in a fresh
    process: one forked from this one could reuse memory this one freed and
    seem to need none."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_measure_in_child, args=(theirs, function, args))
    process.start()
    theirs.close()
    result = ours.recv()
    process.join()
    return result


def _measure_in_child(connection, function, args):
    start_rss = _status("VmRSS")
    started = time.perf_counter()
    function(*args)
    seconds = time.perf_counter() - started
    # VmHWM, this process's own peak: getrusage's maxrss would also count
    # the parent's, from before the exec that made this one.
    connection.send((seconds, max(0, _status("VmHWM") - start_rss)))


def _status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def make_pyramid(original, target):
    decoded = decode_upright(original, MAX_PIXELS, 10**9)
    with open(target, "wb") as out:
        pyramid.write(decoded.pixels, out)


def render_from_pyramid(target, plan):
    with pyramid.Pyramid(target) as source:
        iiif_image.render(source, plan)


def render_from_original(path, fmt, size, plan):
    iiif_image.render(Original(path, MAX_PIXELS, fmt, size), plan)


def big_part(edge, runs):
    with tempfile.TemporaryDirectory() as folder:
        png = big_png(Path(folder) / "big.png", edge, edge)
        jpeg = big_jpeg(png, Path(folder) / "big.jpg")
        requests = [
            ("tile 512 at scale 1", "7168,7168,512,512", "max"),
            ("tile at scale 4", "4096,4096,2048,2048", "512,"),
            ("tile at scale 16", "0,0,8192,8192", "512,"),
            ("thumbnail !400,400", "full", "!400,400"),
            ("screen 1600,", "full", "1600,"),
        ]
        megapixels = edge * edge / 1e6
        for label, original, fmt in (("PNG", png, "PNG"), ("JPEG", jpeg, "JPEG")):
            target = Path(folder) / f"{label}.zip"
            build_seconds, build_peak = measured(make_pyramid, original, target)
            print(f"\n2. {megapixels:.0f}-megapixel {label} ({edge}×{edge}, {original.stat().st_size / 1e6:.1f} MB); "
                  f"its pyramid made once: {build_seconds:.1f} s, peak {build_peak / 1e6:,.0f} MB, "
                  f"{target.stat().st_size / 1e6:.0f} MB on disk. Median of {runs} runs per request.\n")
            print(f"{'request':<22}{'before: decode the original':>30}{'now: tile pyramid':>24}{'faster':>9}{'less memory':>13}")
            print(f"{'':<22}{'time':>14}{'peak memory':>16}{'time':>11}{'peak memory':>13}")
            for name, region, size in requests:
                plan = iiif_image.parse_request(edge, edge, region, size, "0", "default.jpg")
                before = [measured(render_from_original, original, fmt, (edge, edge), plan) for _ in range(runs)]
                now = [measured(render_from_pyramid, target, plan) for _ in range(runs)]
                b_time, b_peak = statistics.median(t for t, _ in before), max(p for _, p in before)
                n_time, n_peak = statistics.median(t for t, _ in now), max(p for _, p in now)
                print(f"{name:<22}{b_time:>12.2f} s{b_peak / 1e6:>13,.0f} MB{n_time:>9.3f} s{n_peak / 1e6:>10,.0f} MB"
                      f"{b_time / n_time:>8.0f}×{b_peak / max(n_peak, 1e6):>12.0f}×")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller originals and fewer runs")
    args = parser.parse_args()
    width, height = (3000, 2000) if args.quick else (6000, 4000)
    camera_part(width, height, 2 if args.quick else 5)
    big_part(7000 if args.quick else 14000, 1 if args.quick else 3)


if __name__ == "__main__":
    main()
