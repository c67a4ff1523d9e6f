"""Bulk-ingest benchmark: the archive's import against a naive pipeline, in one run.

Generates camera-like 12-megapixel JPEGs (real photos upscaled with sensor-like
noise, so they compress like camera files), then imports them with 1 and with
2 workers through the real CLI, and runs a naive baseline over the same files:
a full-size decode, imagehash on the full image and `thumbnail` without draft
mode. Prints images/s, the ratio to the baseline and peak RSS (the import's
whole process tree, sampled). The import's images/s leave out the command's
fixed start-up, timed on two tiny files and printed, as the baseline is timed
inside this process; the rate with the start-up is printed beside it.

    python bench/ingest.py                 # 200 photos, plus a 5,000-file memory run
    python bench/ingest.py --quick         # 24 photos, 300-file memory run
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "exif-samples"
SIZE = (4000, 3000)  # 12 megapixels


def source_photos():
    """Real photos to upscale: the shared camera samples when present."""
    photos = []
    if CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*.jpg")):
            try:
                with Image.open(path) as image:
                    if min(image.size) >= 300:
                        photos.append(path)
            except OSError:
                continue
    return photos


def camera_like(index, sources):
    rng = np.random.default_rng(index)
    if sources:
        with Image.open(sources[index % len(sources)]) as image:
            base = image.convert("RGB")
        # A different crop each time, so no two files are the same picture.
        w, h = base.size
        dx, dy = int(rng.integers(0, max(1, w // 10))), int(rng.integers(0, max(1, h // 10)))
        base = base.crop((dx, dy, dx + w * 9 // 10, dy + h * 9 // 10))
    else:
        sys.path.insert(0, str(ROOT / "tests"))
        from support import scene

        base = scene(800, 600, seed=index)
    big = np.asarray(base.resize(SIZE, Image.Resampling.BICUBIC), dtype=np.int16)
    noise = rng.normal(0, 4, big.shape).astype(np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(big + noise, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=92)
    return out.getvalue()


def _write_one(args):
    index, folder, sources = args
    path = Path(folder) / f"IMG_{index:05d}.jpg"
    if not path.exists():
        path.write_bytes(camera_like(index, sources))
    return path


def generate(folder, count):
    folder.mkdir(parents=True, exist_ok=True)
    for stray in folder.glob("IMG_*.jpg"):  # a larger earlier run's files: not part of this one
        if int(stray.stem[4:]) >= count:
            stray.unlink()
    sources = source_photos()
    with ProcessPoolExecutor(2) as pool:
        return list(pool.map(_write_one, [(i, str(folder), sources) for i in range(count)]))


def variants(base_files, folder, count):
    """count distinct files made from the base files by a differing JPEG
    comment: each decodes like a camera file but hashes differently."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = [f.read_bytes() for f in base_files]
    for index in range(count):
        data = bases[index % len(bases)]
        comment = f"variant {index}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (folder / f"VAR_{index:05d}.jpg").write_bytes(data[:2] + segment + data[2:])


def naive_one(path):
    """The straightforward pipeline: full decode, full-size hashes, no draft."""
    data = Path(path).read_bytes()
    hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        imagehash.phash(image)
        imagehash.dhash(image)
        display = image.copy()
        display.thumbnail((1600, 1600))
        display.save(io.BytesIO(), "JPEG", quality=85)
        thumb = image.copy()
        thumb.thumbnail((400, 400))
        thumb.save(io.BytesIO(), "JPEG", quality=80)


def run_naive(files, workers):
    started = time.perf_counter()
    if workers == 1:
        for path in files:
            naive_one(path)
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(naive_one, files, chunksize=2))
    return time.perf_counter() - started


class TreeRSS:
    """Peak resident memory of a process and all its descendants, sampled."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(self.pid)))
            time.sleep(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree(pid):
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return pids


def _rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_import(folder, workers, data_dir):
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [sys.executable, str(ROOT / "manage_archive.py"), "--data", str(data_dir),
               "import", str(folder), "--workers", str(workers), "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    sampler = TreeRSS(process.pid)
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    peak = sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"import failed: {err.decode()}")
    statuses = [json.loads(line)["status"] for line in out.decode().splitlines()]
    imported = statuses.count("imported")
    return elapsed, imported, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200, help="camera-like photos to time")
    parser.add_argument("--memory-files", type=int, default=5000, help="files in the memory run")
    parser.add_argument("--quick", action="store_true", help="24 photos, 300-file memory run")
    parser.add_argument("--work", type=Path, default=None, help="folder for generated files (kept)")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.memory_files = 24, 300
    work = args.work or Path(tempfile.gettempdir()) / "archive-bench-ingest"
    print(f"generating {args.photos} camera-like 12 MP JPEGs in {work} ...", flush=True)
    photos = generate(work / "photos", args.photos)
    mb = sum(p.stat().st_size for p in photos) / len(photos) / 1e6
    print(f"  mean file size {mb:.1f} MB", flush=True)

    # The import runs as the real command: a new interpreter that loads the
    # archive, opens its database and starts its workers before the first
    # photo. That fixed cost is timed on two tiny files (two, so that the
    # worker pool starts as it does for a trip) and reported apart, so the
    # rate below is the sustained rate the naive baseline (timed in this
    # process) is compared with.
    tiny = work / "startup"
    tiny.mkdir(exist_ok=True)
    for index in range(2):
        Image.new("RGB", (32, 24), (40 * index, 90, 160)).save(tiny / f"tiny{index}.jpg")
    startup = min(run_import(tiny, 2, work / "data-startup")[0] for _ in range(3))
    shutil.rmtree(work / "data-startup", ignore_errors=True)

    rows = []
    naive_1 = run_naive(photos, 1)
    rows.append(("naive baseline, 1 process", len(photos) / naive_1, None, None))
    naive_2 = run_naive(photos, 2)
    rows.append(("naive baseline, 2 processes", len(photos) / naive_2, None, None))
    for workers in (1, 2):
        elapsed, imported, peak = run_import(work / "photos", workers, work / f"data-{workers}")
        assert imported == len(photos), f"imported {imported} of {len(photos)}"
        rows.append((f"archive import, {workers} worker{'s' if workers > 1 else ''}",
                     len(photos) / (elapsed - startup), peak, len(photos) / elapsed))

    memory_rows = []
    for count in sorted({min(100, args.memory_files), args.memory_files}):
        variants(photos, work / f"var-{count}", count)
        elapsed, imported, peak = run_import(work / f"var-{count}", 2, work / "data-mem")
        memory_rows.append((count, imported, count / (elapsed - startup), peak))
        shutil.rmtree(work / f"var-{count}", ignore_errors=True)
    shutil.rmtree(work / "data-mem", ignore_errors=True)

    print()
    print(f"Ingest of {len(photos)} camera-like 12 MP JPEGs ({mb:.1f} MB each), {os.cpu_count()} CPUs; "
          f"the import command's start-up (interpreter, imports, database) takes {startup:.2f} s")
    print(f"{'pipeline':<32} {'images/s':>9} {'vs naive (same procs)':>22} {'with start-up':>14} {'peak RSS':>10}")
    for name, rate, peak, whole in rows:
        procs = 2 if "2" in name else 1
        baseline = rows[procs - 1][1]
        ratio = f"{rate / baseline:.1f}x"
        rss = f"{peak / 1e6:.0f} MB" if peak else "-"
        with_startup = f"{whole:.1f}" if whole else "-"
        print(f"{name:<32} {rate:>9.1f} {ratio:>22} {with_startup:>14} {rss:>10}")
    print()
    print("Memory against import size (2 workers, 12 MP files)")
    print(f"{'files':>6} {'imported':>9} {'images/s':>9} {'peak RSS':>10}")
    for count, imported, rate, peak in memory_rows:
        print(f"{count:>6} {imported:>9} {rate:>9.1f} {peak / 1e6:>7.0f} MB")


if __name__ == "__main__":
    main()
