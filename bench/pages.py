"""Page benchmark: what a visitor waits for and downloads, in Chromium.

Builds an archive of 10,000 photos (bench/search.py's synthetic rows, each
given a real original file: a dozen pictures of different shapes, linked
under every photo's name), serves it with gunicorn from this checkout and,
in the same run, from a `git worktree` of the BASELINE commit (the main
branch before the visitors' collection), and loads in Chromium, each in a
fresh browser context (nothing cached): the gallery, a photo page, a set page
and a search with facets. Prints, per page, the median largest contentful
paint (LCP) and bytes transferred (the document and everything it loaded)
over the runs, against the baseline.

    python bench/pages.py                 # 10,000 photos, 5 loads a page
    python bench/pages.py --quick         # 2,000 photos, 3 loads a page

Targets: LCP <= 1.0 s locally, and no page heavier than the baseline's.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import search as search_bench  # noqa: E402
from e2e_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from support import image_bytes, scene  # noqa: E402

from archive import db as archive_db  # noqa: E402
from archive.search import fulltext  # noqa: E402
from archive.storage import LocalStorage  # noqa: E402

BASELINE = "9c18697"  # main before issue 17
SHAPES = [(1600, 1200), (1200, 1600), (1600, 900), (1000, 1500), (1400, 1400), (1800, 1000)]
PAGES = {
    "gallery": "/",
    "photo": "/photos/{photo}",
    "set page": "/sets/european-street",
    "search with facets": "/search?q=poster",
}
LCP_SCRIPT = """(() => {
    window.lcp = 0;
    performance.setResourceTimingBufferSize(10000);
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.lcp = entry.startTime;
    }).observe({ type: "largest-contentful-paint", buffered: true });
})();"""
# Every response the page fetched, as the network carried it (headers and the
# body as sent, compressed or not): the document, stylesheets, scripts,
# pictures, icons, the manifest. The buffer is made large enough first, so no
# entry of a long page is dropped.
ENTRIES_SCRIPT = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
    .map((entry) => ({name: entry.name, kind: entry.initiatorType, bytes: entry.transferSize}))"""


def build(data_dir, count):
    db = archive_db.connect(data_dir)
    search_bench.build(db, count, random.Random(4))
    # Every photo gets a real original of one of a few shapes: the same bytes
    # linked under each photo's own name, so 10,000 cost a dozen files of disk.
    sources = []
    for k, (width, height) in enumerate(SHAPES * 2):
        path = Path(data_dir) / f"source-{k}.jpg"
        path.write_bytes(image_bytes(scene(width, height, seed=k), quality=85))
        sources.append((path, width, height))
    rows = db.execute("SELECT id, sha256 FROM photos").fetchall()
    storage = LocalStorage(data_dir)
    with archive_db.write_transaction(db):
        for photo_id, sha256 in rows:
            path, width, height = sources[photo_id % len(sources)]
            target = storage.original_path(sha256, "jpg")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
            db.execute("UPDATE photos SET width = ?, height = ?, display_edge = ?, file_size = ? WHERE id = ?",
                       [width, height, max(width, height), path.stat().st_size, photo_id])
    fulltext.refresh_fts(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    middle = db.execute("SELECT id FROM photos WHERE is_public = 1 ORDER BY id LIMIT 1 OFFSET ?",
                        [count // 2]).fetchone()[0]
    db.close()
    return middle


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn (the production command) serving data_dir from the code in checkout."""

    def __init__(self, checkout, data_dir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(checkout), "ARCHIVE_DATA": str(data_dir),
               "ARCHIVE_SECRET_KEY": "bench"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
             f"127.0.0.1:{self.port}", "archive:create_app()"],
            cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/", timeout=30).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server from {checkout} did not start")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def kind_of(entry):
    """What a response was, for the breakdown: by its address, which says it
    plainly here (pictures under /media/ and /iiif/, the rest by extension)."""
    path = urllib.parse.urlsplit(entry["name"]).path
    if entry["kind"] == "navigation":
        return "html"
    if path.startswith(("/media/", "/iiif/")):
        return "pictures"
    for kind, endings in BREAKDOWN.items():
        if path.endswith(endings):
            return kind
    return "other"


BREAKDOWN = {"css": (".css",), "js": (".js",), "fonts": (".woff2", ".woff", ".ttf", ".otf"),
             "icons": (".ico", ".svg", ".png", ".webmanifest")}
KINDS = ("html", "css", "js", "pictures", "fonts", "icons", "other")


def measure(browser, base, path, runs):
    """The median LCP, total bytes, and bytes (and responses) of each kind, over runs cold loads."""
    lcps, totals, parts = [], [], []
    # One load first, not counted: derivatives made on a first request are
    # the cache's, not the page's.
    for k in range(runs + 1):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.add_init_script(LCP_SCRIPT)
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # LCP is final once nothing more paints
        if k:
            lcps.append(page.evaluate("window.lcp") / 1000)
            entries = page.evaluate(ENTRIES_SCRIPT)
            totals.append(sum(entry["bytes"] for entry in entries))
            by_kind = {}
            for entry in entries:
                count, size = by_kind.get(kind_of(entry), (0, 0))
                by_kind[kind_of(entry)] = (count + 1, size + entry["bytes"])
            parts.append(by_kind)
        context.close()
    # The breakdown of the run whose total is the median, so its parts add up to it.
    middle = sorted(range(runs), key=lambda k: totals[k])[runs // 2]
    return statistics.median(lcps), statistics.median(totals), parts[middle]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.runs = 2_000, 3
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    baseline = work / "baseline"
    try:
        subprocess.run(["git", "worktree", "add", "--detach", str(baseline), BASELINE], cwd=ROOT, check=True,
                       capture_output=True)
        start = time.perf_counter()
        middle = build(work / "source", args.photos)
        print(f"{args.photos:,} photos built in {time.perf_counter() - start:.0f} s")
        # Each server its own copy: the newer code migrates the database it opens.
        for name in ("now", "before"):
            # Files linked (originals are never written), the database copied.
            shutil.copytree(work / "source", work / name,
                            copy_function=lambda src, dst: shutil.copy2(src, dst) if "archive.db" in src
                            else os.link(src, dst))
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, checkout in (("before", baseline), ("now", ROOT)):
                server = Server(checkout, work / name)
                try:
                    for page, path in PAGES.items():
                        results[name, page] = measure(browser, server.base, path.format(photo=middle), args.runs)
                finally:
                    server.stop()
            browser.close()
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.photos:,} photos, median of {args.runs} cold loads at 1366 px (baseline {BASELINE})\n")
    print("| page | LCP now | LCP before | bytes now | bytes before | LCP <= 1.0 s | not heavier |")
    print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    for page in PAGES:
        lcp, size, _ = results["now", page]
        lcp_before, size_before, _ = results["before", page]
        print(f"| {page} | {lcp:.2f} s | {lcp_before:.2f} s | {size / 1000:,.0f} KB | {size_before / 1000:,.0f} KB"
              f" | {'yes' if lcp <= 1.0 else 'NO'} | {'yes' if size <= size_before else 'NO'} |")
    print("\nWhere the bytes go: KB (responses), now / before\n")
    print("| page | " + " | ".join(KINDS) + " |")
    print("| --- |" + " ---: |" * len(KINDS))
    for page in PAGES:
        cells = []
        for kind in KINDS:
            (count, size), (count_before, size_before) = (results[name, page][2].get(kind, (0, 0))
                                                          for name in ("now", "before"))
            cells.append(f"{size / 1000:,.1f} ({count}) / {size_before / 1000:,.1f} ({count_before})")
        print(f"| {page} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
