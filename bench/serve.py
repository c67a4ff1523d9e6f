"""Serving benchmark: the production server against the development server.

Fills a temporary archive with photos, then puts the same bounded load on
each server on 127.0.0.1 in turn: gunicorn with 4 workers (the documented
production command) and, as the in-run baseline, Flask's development server
(`manage_archive.py serve`). Prints requests/s and p50/p95 latency for the
gallery page, a photo page, a search with facets and a thumbnail.

    python bench/serve.py            # 8 clients, 6 s per endpoint
    python bench/serve.py --quick    # 4 clients, 2 s per endpoint
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import http_load  # noqa: E402
import servers  # noqa: E402
from support import image_bytes, scene  # noqa: E402


def fill(data_dir, count):
    photos = Path(tempfile.mkdtemp(prefix="serve-bench-photos-"))
    for index in range(count):
        (photos / f"P{index:04d}.jpg").write_bytes(image_bytes(scene(1200, 900, seed=index), quality=88))
    subprocess.run(
        [sys.executable, "manage_archive.py", "--data", str(data_dir), "import", str(photos),
         "--tag", "set:european-street", "--tag", "subject:film-poster", "--trip", "Bench trip"],
        cwd=ROOT, check=True, capture_output=True,
    )


def endpoints(base_url):
    """Paths to time, found from the running archive itself."""
    import json
    import urllib.request

    with urllib.request.urlopen(base_url + "/api/photos?per_page=1") as response:
        first = json.load(response)["results"][0]
    thumbnail = first["thumbnail_url"].split("127.0.0.1", 1)[1].split("/", 1)[1]
    return [
        ("gallery page", "/"),
        ("photo page", f"/photos/{first['id']}"),
        ("search with facets", "/search?q=set%3Aeuropean-street+poster"),
        ("thumbnail", "/" + thumbnail),
    ]


def load(base_url, path, clients, seconds):
    """clients threads on keep-alive connections, each for `seconds`."""
    return http_load.run(base_url, http_load.for_seconds(path, seconds), clients)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.clients, args.seconds = 60, 4, 2.0
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        data_dir = Path(tmp) / "media"
        print(f"importing {args.photos} photos ...", flush=True)
        fill(data_dir, args.photos)
        results = {}
        for name, server in (("gunicorn, 4 workers", lambda: servers.gunicorn(data_dir, workers=4)),
                             ("flask dev server", lambda: servers.flask_dev(data_dir))):
            with server() as base_url:
                for label, path in endpoints(base_url):
                    load(base_url, path, 2, 0.5)  # warm caches and derivatives
                    results[(name, label)] = load(base_url, path, args.clients, args.seconds)
                    print(f"  {name:<20} {label:<20} done", flush=True)
    print()
    print(f"{args.clients} concurrent keep-alive clients, {args.seconds:g} s per endpoint, "
          f"{args.photos} photos, 127.0.0.1")
    print(f"{'endpoint':<20} {'server':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'vs dev':>7}")
    labels = list(dict.fromkeys(label for _, label in results))
    for label in labels:
        baseline = results[("flask dev server", label)].rps or float("nan")
        for name in ("gunicorn, 4 workers", "flask dev server"):
            r = results[(name, label)]
            print(f"{label:<20} {name:<20} {r.rps:>8.0f} {r.p50:>8.1f} {r.p95:>8.1f} "
                  f"{r.errors:>7} {r.rps / baseline:>6.1f}x")


if __name__ == "__main__":
    main()
