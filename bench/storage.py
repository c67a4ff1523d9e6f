"""Storage benchmark: the archive on an S3-compatible store against the local
folder, in one run.

Makes camera-sized JPEGs, then for each backend imports them through the
real CLI (2 workers) into a fresh archive, and serves a fixed number of
thumbnails and IIIF tiles from gunicorn (4 workers) to 8 keep-alive
clients on 127.0.0.1: the first pass over the tiles makes them (cache
misses: the original is read from the store), the second finds them made
(cache hits: read from the store). The object store is moto's S3 server on
127.0.0.1, a Python process: it measures the archive's round trips to a
store over HTTP, not the speed of a real S3 or MinIO, which answer small
reads faster than moto under load. The local folder is the baseline.

    python bench/storage.py            # 200 photos, 1,000 thumbnails, 1,000 tiles
    python bench/storage.py --quick    # 40 photos, 200 of each
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import http_load  # noqa: E402
import servers  # noqa: E402
from object_store import CREDENTIALS, moto_server, new_bucket  # noqa: E402
from support import image_bytes, scene  # noqa: E402

SIZE = (2400, 1800)  # about 4 megapixels: a tile pass covers 5 x 4 tiles per photo


def make_photos(folder, count):
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = folder / f"P{index:04d}.jpg"
        if not path.exists():
            path.write_bytes(image_bytes(scene(*SIZE, seed=index), quality=90))
    return folder


def import_rate(data_dir, photos, env, count):
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage_archive.py", "--data", str(data_dir), "import", str(photos),
                    "--workers", "2"], cwd=ROOT, check=True, capture_output=True, env={**os.environ, **env})
    return count / (time.perf_counter() - started)


def load(base_url, paths, clients):
    """Send every path once, spread over clients; a redirect to a presigned URL is an answer."""
    return http_load.run(base_url, http_load.each_once(paths), clients, ok=(200, 302))


def requests_for(data_dir, count):
    db = sqlite3.connect(data_dir / "archive.db")
    rows = db.execute("SELECT id, sha256, width, height FROM photos ORDER BY id").fetchall()
    db.close()
    thumbs = [f"/media/{sha}/fit400.jpg" for _, sha, _, _ in rows]
    tiles = [f"/iiif/3/{photo_id}/{x},{y},{min(512, w - x)},{min(512, h - y)}/{min(512, w - x)},/0/default.jpg"
             for photo_id, _, w, h in rows for y in range(0, h, 512) for x in range(0, w, 512)]
    return (thumbs * (count // len(thumbs) + 1))[:count], tiles[:count]


def run_backend(name, data_dir, photos, env, args):
    print(f"{name}: importing {args.photos} photos ...", flush=True)
    results = {"import": import_rate(data_dir, photos, env, args.photos)}
    thumbs, tiles = requests_for(data_dir, args.requests)
    with servers.gunicorn(data_dir, workers=4, env=env) as base:
        load(base, thumbs[:20], 2)  # workers warm (imports, connections)
        results["thumbnails"] = load(base, thumbs, args.clients)
        results["tiles, made"] = load(base, tiles, args.clients)
        results["tiles, cached"] = load(base, tiles, args.clients)
    if env.get("ARCHIVE_STORAGE"):
        with servers.gunicorn(data_dir, workers=4, env={**env, "ARCHIVE_S3_PRESIGN_SECONDS": "300"}) as signed:
            load(signed, thumbs[:20], 2)
            results["thumbnails, presigned 302"] = load(signed, thumbs, args.clients)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.requests = 40, 200
    with tempfile.TemporaryDirectory(prefix="storage-bench-") as tmp:
        tmp = Path(tmp)
        photos = make_photos(tmp / "photos", args.photos)
        results = {"local folder": run_backend("local folder", tmp / "local", photos, {"ARCHIVE_STORAGE": ""}, args)}
        with moto_server() as endpoint:
            env = {**CREDENTIALS, "ARCHIVE_STORAGE": f"s3://{new_bucket(endpoint)}/archive",
                   "ARCHIVE_S3_ENDPOINT_URL": endpoint, "AWS_CA_BUNDLE": ""}
            results["S3 (moto)"] = run_backend("S3 (moto)", tmp / "s3", photos, env, args)
    base = results["local folder"]
    print()
    print(f"{args.photos} photos of {SIZE[0]}x{SIZE[1]}, imported with 2 workers; {args.requests} requests of each "
          f"kind from {args.clients} keep-alive clients to gunicorn (4 workers) on 127.0.0.1")
    print(f"{'what':<28} {'backend':<14} {'rate':>12} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'vs local':>9}")
    for what in ("import", "thumbnails", "tiles, made", "tiles, cached", "thumbnails, presigned 302"):
        for backend, measured in results.items():
            if what not in measured:
                continue
            if what == "import":
                rate = measured[what]
                print(f"{what:<28} {backend:<14} {rate:>8.1f} ph/s {'':>8} {'':>8} {'':>7} "
                      f"{rate / base[what]:>8.2f}x")
            else:
                r = measured[what]
                ratio = f"{r.rps / base[what].rps:>8.2f}x" if what in base else f"{'':>9}"
                print(f"{what:<28} {backend:<14} {r.rps:>7.0f} req/s {r.p50:>8.1f} {r.p95:>8.1f} {r.errors:>7} {ratio}")


if __name__ == "__main__":
    main()
