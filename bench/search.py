"""Search benchmark: 20 representative queries with their facets, timed on an
archive of N synthetic photos (about 10 tags each, caption text in English and
Korean, 3 % of them confirmed copies stacked with another photo), for the
shared index (archive.search) against today's design before it
(bench/search_before.py: an in-memory index each process builds for itself)
and a plain SQL baseline (tests/search_oracle.py: the query as one SQL
statement, text by LIKE, facets by GROUP BY), all in the same run.

The shared index answers as the gallery does, each stack of confirmed copies
once (stacked); it is timed unstacked too (every copy, as is:duplicate and
the archivists' view see them), which is what today's design answers, so
"same" compares those two.

It reports: the time to build the shared index; a caption edited and then
found; the cold start of a fresh process (start, open, answer one search with
facets) for both designs; p50 and p95 of each query, stacked and unstacked;
whether both designs return the same page, total and facets; and the memory
of a server of 4 workers against a server of one, each started as the
README's production command starts it (gunicorn with
archive/web/gunicorn_config.py: the application preloaded and warmed in the
master, frozen, forked; bench/search_workers.py has each worker answer every
query first), as proportional set size (a page shared by five processes
counts a fifth in each), the master and its workers together, split into
mapped files (the shared index's arrays, and the libraries) and the
processes' own memory (the interpreter, its modules and a query's work).
The shared index's searches are timed as a worker answers them: after the
memory the previous one freed went back to the system (archive/memory.py).

    python bench/search.py                      # 100,000 photos
    python bench/search.py --photos 1000000     # a million (the archive is cached)
    python bench/search.py --quick              # 5,000 photos

Generated archives are kept in a cache folder (--cache; default in the temp
folder) and copied for each run, so a second run at a million photos does not
generate them again. Targets: worst query p95 <= 50 ms with facets, a new
process answering within 5 s, 4 workers under 1.5x the memory of one.
"""

import argparse
import gc
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The SQL baseline is the test suite's oracle, kept beside the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import search_before  # noqa: E402
import search_oracle as search_sql  # noqa: E402

from archive import db as archive_db  # noqa: E402
from archive import memory  # noqa: E402
from archive.catalogue import editing, tagging, vocabulary  # noqa: E402
from archive.search import engine as search  # noqa: E402
from archive.search import fulltext  # noqa: E402
from archive.search import index as search_index  # noqa: E402

DESIGNS = {"shared": search, "before": search_before}
CACHE_VERSION = 2
STACKED_SHARE = 0.03  # photos confirmed as a copy of another

QUERIES = [
    ("", "newest"),
    ("poster", "relevance"),
    ('"flower girl"', "relevance"),
    ("set:european-street", "newest"),
    ("set:european-street/cafe subject:advert", "newest"),
    ("subject:film-poster -subject:statue", "taken"),
    ('film:"the flower girl"', "relevance"),
    ("taken:2016..2019", "taken-desc"),
    ("camera:canon has:gps", "newest"),
    ("trip:trip-07", "taken"),
    ("is:untagged", "newest"),
    ("포스터", "relevance"),
    ("영화 taken:2018", "relevance"),
    ("(subject:statue OR subject:mosaic) set:entrance-plaza", "newest"),
    ("keyword:kw-0012", "newest"),
    ("poster OR advert -set:railway", "relevance"),
    ("has:gps -camera:nikon taken:2020..", "oldest"),
    ("painted workers", "relevance"),
    ("set:chinese-street subject:shop-sign OR subject:restaurant-sign", "taken"),
    ("꽃 OR flower subject:advert", "relevance"),
]

WORDS = ("poster painted advert film cinema street sign shop restaurant wall colour red blue paint "
         "brush hand letter window door corner worker workers crowd statue mosaic gate plaza set "
         "backlot studio replica western movie title hero heroine soldier farmer factory train "
         "railway station tram bicycle umbrella hat coat market tea noodle rice soap cigarette beer "
         "bank hotel theatre opera flower girl broad bellflower order native home flying").split()
KOREAN = ("영화 포스터 영화포스터 광고 간판 상점 식당 거리 동상 모자이크 꽃파는 처녀 도라지꽃 "
          "홍길동 명령 고향 하늘 기차 역 극장 은행 호텔 시장 비누 담배 맥주 노동자 정문 광장").split()
CAMERAS = [("Canon", "Canon EOS 40D"), ("Canon", "Canon EOS 5D Mark III"), ("NIKON CORPORATION", "NIKON D750"),
           ("NIKON CORPORATION", "NIKON D3300"), ("FUJIFILM", "X-T2"), ("FUJIFILM", "X100F"),
           ("SONY", "ILCE-7M3"), ("Apple", "iPhone 8"), ("Apple", "iPhone 12"), ("samsung", "SM-G950F"),
           ("OLYMPUS IMAGING CORP.", "E-M10"), ("Panasonic", "DMC-GX80")]


def build(db, n, rng):
    """n photos with about ten tags each, written straight into the tables."""
    for child, label in (("cafe", "Café"), ("cinema", "Cinema"), ("bank", "Bank")):
        vocabulary.create_tag(db, "set", f"european-street/{child}", label=label)
    vocabulary.create_tag(db, "set", "chinese-street/restaurant", label="Restaurant")
    ids = {}
    for facet, slug in db.execute("SELECT facet, slug FROM tags").fetchall():
        ids.setdefault(facet, {})[slug] = db.execute(
            "SELECT id FROM tags WHERE facet = ? AND slug = ?", [facet, slug]).fetchone()[0]
    with archive_db.write_transaction(db):
        for facet, prefix, count in (("trip", "trip-", 30), ("place", "place-", 40), ("keyword", "kw-", 3000)):
            for i in range(count):
                slug = f"{prefix}{i:02d}" if facet == "trip" else f"{prefix}{i:04d}" if facet == "keyword" \
                    else f"{prefix}{i}"
                ids.setdefault(facet, {})[slug] = db["tags"].insert(
                    {"facet": facet, "slug": slug, "label": slug.replace("-", " ")}).last_pk
    sets, subjects = list(ids["set"].values()), list(ids["subject"].values())
    films, trips = list(ids["film"].values()), list(ids["trip"].values())
    places, keywords = list(ids["place"].values()), list(ids["keyword"].values())
    # Keywords follow a long tail, as free tags do.
    keyword_weights = [1 / (i + 1) for i in range(len(keywords))]
    photos, pairs = [], []
    for photo_id in range(1, n + 1):
        year = rng.randint(2012, 2024)
        taken = None if rng.random() < 0.05 else \
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00"
        make, model = rng.choice(CAMERAS) if rng.random() < 0.9 else (None, None)
        caption = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))
        if rng.random() < 0.4:
            caption += " " + " ".join(rng.choice(KOREAN) for _ in range(rng.randint(1, 4)))
        transcription = " ".join(rng.choice(KOREAN) for _ in range(rng.randint(1, 5))) if rng.random() < 0.3 else ""
        gps = rng.random() < 0.4
        photos.append((photo_id, f"{photo_id:064x}", "jpg", "JPEG", "image/jpeg", 1_000_000, 4000, 3000,
                       rng.choice(["", "", "Poster on the wall", "Sign"]), caption, transcription, taken,
                       make, model, 39.0 if gps else None, 125.7 if gps else None, 0, 0,
                       f"IMG_{photo_id:06d}.JPG", "cli",
                       f"2024-{1 + photo_id * 11 // (n + 1):02d}-01T00:00:00+00:00",
                       0 if rng.random() < 0.1 else 1))
        chosen = set()
        if rng.random() > 0.03:  # a few photos are untagged
            chosen.add(rng.choice(sets))
            chosen.update(rng.sample(subjects, rng.randint(1, 3)))
            if rng.random() < 0.5:
                chosen.add(rng.choice(films))
            chosen.add(rng.choice(places))
            chosen.update(rng.choices(keywords, keyword_weights, k=rng.randint(3, 6)))
        chosen.add(rng.choice(trips))
        pairs.extend((photo_id, tag_id, "bench", "2024-01-01T00:00:00+00:00") for tag_id in chosen)
    with archive_db.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO photos (id, sha256, ext, format, mime_type, file_size, width, height, title, caption,"
            " transcription, taken_at, camera_make, camera_model, gps_lat, gps_lon, phash, dhash,"
            " original_filename, source, uploaded_at, is_public) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", photos)
        db.conn.executemany("INSERT INTO photo_tags (photo_id, tag_id, added_by, added_at) VALUES (?, ?, ?, ?)",
                            pairs)
        # Confirmed copies: a photo and the one before it, some in threes, the
        # larger id kept as the primary.
        decisions = []
        for copy in rng.sample(range(2, n + 1), int(n * STACKED_SHARE)):
            decisions.append((copy - 1, copy, "duplicate", copy, "bench", "2024-01-01T00:00:00+00:00"))
        db.conn.executemany("INSERT INTO match_decisions (photo_a, photo_b, decision, primary_id, decided_by,"
                            " decided_at) VALUES (?, ?, ?, ?, ?, ?)", decisions)
    return len(pairs)


def cached_archive(n, cache):
    """A data directory holding an archive of n photos whose full-text rows
    are current, generated once into cache and copied from it afterwards."""
    source = Path(cache) / f"photos-{n}-v{CACHE_VERSION}"
    if not (source / "done").exists():
        shutil.rmtree(source, ignore_errors=True)
        db = archive_db.connect(source)
        start = time.perf_counter()
        pair_count = build(db, n, random.Random(4))
        fulltext.refresh_fts(db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        (source / "done").write_text(f"{pair_count}\n")
        print(f"generated {n:,} photos with {pair_count:,} tags ({pair_count / n:.1f} a photo) "
              f"in {time.perf_counter() - start:.1f} s, cached in {source}")
    pair_count = int((source / "done").read_text())
    return source, pair_count


def _width(text):
    """Columns text takes in a terminal: Korean letters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def timed(fn, repeats, between=lambda: None):
    times, value = [], None
    for _ in range(repeats):
        between()
        start = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, value


def percentile(values, p):
    """Nearest-rank percentile: the smallest value at least p% of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def cold_start(design, data_dir):
    """Seconds from starting a fresh process to its first answer (with facets)."""
    code = ("import sys; sys.path[:0] = sys.argv[3:]; from pathlib import Path; "
            "from archive import db; import search_before; from archive.search import engine; "
            "d = db.connect(Path(sys.argv[2])); "
            "r = (engine if sys.argv[1] == 'shared' else search_before).search(d, 'poster set:european-street'); "
            "print(r.page.total)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, design, str(data_dir), str(ROOT), str(ROOT / "bench"),
                    str(ROOT / "tests")], check=True, capture_output=True)
    return time.perf_counter() - start


def pss_mb(pid):
    """(all, mapped files, the process's own memory): PSS in MB. Mapped
    files are the index's arrays (and the libraries); the rest is the
    interpreter's heap: modules, caches, a query's working arrays."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("Pss", "Pss_File", "Pss_Anon"):
                found[name] = int(value.split()[0]) / 1024
    return found.get("Pss", 0.0), found.get("Pss_File", 0.0), found.get("Pss_Anon", 0.0)


def server_memory(design, data_dir, count):
    """PSS in MB (pss_mb) of a gunicorn server of count workers started as
    the README's production command starts it (archive/web/gunicorn_config.py),
    each worker having answered every query (bench/search_workers.py):
    (the master and its workers together, the workers alone)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ARCHIVE_DATA": str(data_dir), "BENCH_DESIGN": design,
               "BENCH_QUERIES": json.dumps(QUERIES), "PYTHONPATH": str(ROOT)}
        with open(Path(folder) / "log", "w+") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "bench" / "search_workers.py"),
                 "--workers", str(count), "--bind", f"unix:{folder}/socket", "--timeout", "3600",
                 "archive:create_app()"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
            try:
                workers = []
                while len(workers) < count:
                    line = server.stdout.readline()
                    if not line:
                        log.seek(0)
                        raise RuntimeError(f"a {design} server failed:\n{log.read()[-3000:]}")
                    if line.startswith("ready "):
                        workers.append(int(line.split()[1]))
                master = pss_mb(server.pid)
                alone = [sum(values) for values in zip(*(pss_mb(pid) for pid in workers))]
                return [m + w for m, w in zip(master, alone)], alone
            finally:
                server.terminate()
                server.wait(timeout=120)


def same_answers(db, query, sort):
    """Does the shared index give today's page, total and facets (unstacked,
    as today's design knows no stacks; nor posters, a facet of their own)?"""
    a = search.search(db, query, sort=sort, stacked=False)
    b = search_before.search(db, query, sort=sort)
    facets = {facet: entries for facet, entries in a.facets.items() if facet in b.facets}
    return (a.page.total == b.page.total and [r["id"] for r in a.page.items] == [r["id"] for r in b.page.items]
            and facets == b.facets)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 photos instead of 100,000")
    parser.add_argument("--photos", type=int, help="how many photos (overrides --quick)")
    parser.add_argument("--repeats", type=int, default=50, help="timed runs of each query (default 50)")
    parser.add_argument("--before-repeats", type=int, default=5, help="timed runs of each query, today's design")
    parser.add_argument("--baseline-repeats", type=int, default=3, help="timed runs of each SQL baseline query")
    parser.add_argument("--workers", type=int, default=4, help="worker processes measured together (default 4)")
    parser.add_argument("--cold-repeats", type=int, default=3, help="fresh processes timed for cold start (default 3)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "poster-archive-search-bench"),
                        help="where generated archives are kept between runs")
    args = parser.parse_args()
    n = args.photos or (5_000 if args.quick else 100_000)
    source, pair_count = cached_archive(n, args.cache)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "media"
        shutil.copytree(source, data_dir, ignore=shutil.ignore_patterns("done"))
        print(f"archive of {n:,} photos with {pair_count:,} tags ({pair_count / n:.1f} a photo)")
        db = archive_db.connect(data_dir)
        start = time.perf_counter()
        search.search(db, "")
        print(f"shared index written (first search, once for every process): {time.perf_counter() - start:.1f} s, "
              f"{sum(p.stat().st_size for p in (data_dir / 'search-index').rglob('*')) / 2**20:.0f} MB on disk")
        start = time.perf_counter()
        search_before.search(db, "")
        print(f"today's design, in-memory index (first search, in every process): "
              f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        tagging.change_tags(db, list(range(1, 101)), add=["keyword:bench-touch"], username="bench")
        search.search(db, "keyword:bench-touch")
        print(f"tag 100 photos, then search (catching up incrementally): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
        start = time.perf_counter()
        editing.edit_photo(db, 7, {"caption": "a quetzalcoatl painted on the cinema wall"}, "bench")
        found = [row["id"] for row in search.search(db, "quetzalcoatl", include_private=True).page.items]
        print(f"edit a caption, then search for its word: {(time.perf_counter() - start) * 1000:.0f} ms"
              f" ({'found' if found == [7] else 'NOT found'})")
        colds = {design: sorted(cold_start(design, data_dir) for _ in range(args.cold_repeats)) for design in DESIGNS}
        print("cold start of a fresh process (start, open, first search with facets), best of "
              f"{args.cold_repeats} (slowest): " + ", ".join(
                  f"{label} {colds[design][0]:.1f} s ({colds[design][-1]:.1f} s)"
                  for design, label in (("shared", "shared"), ("before", "today's"))))

        rows, all_times = [], []
        for query, sort in QUERIES:
            # Each search as a server worker answers it: after the last
            # request's freed memory went back to the system (archive/memory.py).
            times, result = timed(lambda: search.search(db, query, sort=sort), args.repeats, memory.release)
            all_times.extend(times)
            flat_times, _ = timed(lambda: search.search(db, query, sort=sort, stacked=False), args.repeats,
                                  memory.release)
            before_times, _ = timed(lambda: search_before.search(db, query, sort=sort), args.before_repeats)
            base_times, (base_total, _, _) = timed(
                lambda: search_sql.search(db, query, include_private=False), args.baseline_repeats)
            rows.append((query, sort, result.page.total, statistics.median(times), percentile(times, 95),
                         statistics.median(flat_times), percentile(flat_times, 95),
                         statistics.median(before_times), percentile(before_times, 95),
                         "yes" if same_answers(db, query, sort) else "NO",
                         base_total, statistics.median(base_times)))
        width = max(_width(q) for q, *_ in rows)
        print()
        print(f"{'query':{width}}  {'sort':10} {'results':>8} {'p50 ms':>7} {'p95 ms':>7} {'flat p50':>8} "
              f"{'flat p95':>8} {'today p50':>9} {'today p95':>9} {'same':>4} {'SQL rows':>9} {'SQL p50':>9} "
              f"{'vs SQL':>7}")
        for query, sort, total, p50, p95, f50, f95, b50, b95, same, base_total, base_p50 in rows:
            shown = query or "(everything)"
            print(f"{shown}{' ' * (width - _width(shown))}  {sort:10} {total:8,} {p50:7.1f} {p95:7.1f} {f50:8.1f} "
                  f"{f95:8.1f} {b50:9.1f} {b95:9.1f} {same:>4} {base_total:9,} {base_p50:9.1f} {base_p50 / p50:6.0f}x")
        overall = percentile(all_times, 95)
        worst = max(r[4] for r in rows)
        print()
        print(f"all {len(all_times)} timed searches: p50 {statistics.median(all_times):.1f} ms, "
              f"p95 {overall:.1f} ms; worst query p95 {worst:.1f} ms; target p95 <= 50 ms: "
              f"{'met' if worst <= 50 else 'NOT met'}")
        print("(p50 and p95: stacked, as the gallery shows; flat: every copy, as today's design answers;"
              " SQL counts differ for text queries: LIKE matches substrings, FTS5 matches words)")
        db.close()
        # This process is no worker: it lets go of the index's pages, so that
        # only the workers share them (the stacks made for a view hold its segments too).
        search_index._cache.clear()
        search._made.clear()
        gc.collect()
        print()
        print("gunicorn servers started as in production (the application preloaded, warmed and frozen in the"
              " master, freed memory handed back after each request), each worker having answered every query;"
              " the master and its workers together (in brackets the workers alone):")
        for design, label in (("shared", "shared index"), ("before", "today's design")):
            one, one_alone = server_memory(design, data_dir, 1)
            many, many_alone = server_memory(design, data_dir, args.workers)
            ratio = many[0] / one[0]
            target = f"; target < 1.5x: {'met' if ratio < 1.5 else 'NOT met'}" if design == "shared" else ""
            print(f"memory (PSS) of {label}: 1 worker {one[0]:,.0f} MB ({one_alone[0]:,.0f}), {args.workers} workers "
                  f"{many[0]:,.0f} MB ({many_alone[0]:,.0f}): {ratio:.2f}x one ({many_alone[0] / one_alone[0]:.2f}x)"
                  f"{target}")
            print(f"    of it mapped files (the index, libraries) {one[1]:,.0f} MB and {many[1]:,.0f} MB;"
                  f" the processes' own memory {one[2]:,.0f} MB and {many[2]:,.0f} MB"
                  f" ({one_alone[2]:,.0f} MB and {many_alone[2]:,.0f} MB)")

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    main()
