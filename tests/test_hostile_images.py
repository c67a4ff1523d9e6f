"""Hostile images against a real server: bounded IIIF work, bounded first
decodes, and a cache that shrinks (issue 13, findings 1, 2 and 7, and two
items of 9).

Each test names the finding it reproduces. The big pictures are written
here row by row with zlib, so a 196-megapixel PNG costs a few seconds.
"""

import io
import re
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bounded_tasks
import numpy as np
import pytest
import requests
from PIL import Image
from servers import PROJECT_ROOT, gunicorn
from support import PASSWORD, image_bytes, json_lines, media_state, scene

from archive import create_app
from archive import db as archive_db
from archive.accounts import auth
from archive.imaging import bounded, pyramid
from archive.storage import cache

BIG = 14000  # 196 megapixels, the size
MB = 2**20


# -- pictures made here, cheaply -------------------------------------------------


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path, width, height, rows, color_type=2, bit_depth=8, palette=None, transparency=None):
    """A PNG whose rows (bytes each, without the filter byte) come from rows(y)."""
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)))
        if palette is not None:
            out.write(_chunk(b"PLTE", palette))
        if transparency is not None:
            out.write(_chunk(b"tRNS", transparency))
        compressor = zlib.compressobj(1)
        for y in range(height):
            data = compressor.compress(b"\x00" + rows(y))
            if data:
                out.write(_chunk(b"IDAT", data))
        out.write(_chunk(b"IDAT", compressor.flush()))
        out.write(_chunk(b"IEND", b""))
    return path


def photo_like_png(path, width, height):
    """An RGB picture with smooth bands and grain, a few MB however large:
    each row is a 100-pixel pattern, shifted a little from row to row."""
    rng = np.random.default_rng(7)
    x = np.arange(100)
    pattern = np.stack([127 + 90 * np.sin(x / 16 + c) for c in range(3)], -1) + rng.normal(0, 6, (100, 3))
    pattern = np.clip(pattern, 0, 255).astype(np.uint8)
    row = np.tile(pattern, (width // 100 + 2, 1))
    shade = (0.7 + 0.3 * np.cos(np.arange(height) / 900)).astype(np.float32)

    def rows(y):
        shifted = row[(y // 3) % 100:][:width]
        return (shifted * shade[y]).astype(np.uint8).tobytes()

    return write_png(path, width, height, rows)


def palette_bomb_png(width=BIG, height=BIG):
    """The issue's 0.26 MB palette PNG of 14000×14000: one colour."""
    row = bytes(width)
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)))
    out.write(_chunk(b"PLTE", bytes([200, 40, 40]) * 2))
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(b"\x00" + row) for _ in range(height)) + compressor.flush()
    out.write(_chunk(b"IDAT", data) + _chunk(b"IEND", b""))
    return out.getvalue()


def one_bit_png(width=10_000, height=10_000):
    """10000×10000 in a few KB: one bit a pixel, all black."""
    row = bytes(width // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(b"\x00" + row) for _ in range(height)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", data) + _chunk(b"IEND", b""))


def webp_claiming(width=BIG, height=BIG):
    """A lossless WebP of one colour, 14000×14000 in 38 bytes. For one flat
    colour libwebp's fastest setting writes no pixel data at all, only the
    size: a small one made here gets the big size written in."""
    data = bytearray(image_bytes(Image.new("RGB", (64, 64), (30, 90, 160)), "WEBP",
                                 lossless=True, method=0, quality=0))
    at = data.index(b"VP8L") + 8  # the chunk's header; then the signature byte
    assert data[at] == 0x2F
    bits = int.from_bytes(data[at + 1:at + 5], "little")
    bits = (bits & ~0xFFFFFFF) | (width - 1) | ((height - 1) << 14)
    data[at + 1:at + 5] = bits.to_bytes(4, "little")
    return bytes(data)


def jpeg_claiming(width=BIG, height=BIG):
    """691 bytes that say 14000×14000: a small JPEG's frame header rewritten,
    cut short and given an end marker (libjpeg fills the rest with grey)."""
    data = bytearray(image_bytes(scene(64, 48, seed=3), "JPEG", quality=60))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data[:689]) + b"\xff\xd9"


def scan_bomb_jpeg(repeats=2000):
    """A progressive JPEG whose last scan is repeated repeats times."""
    data = image_bytes(Image.new("RGB", (2000, 1500), (120, 80, 40)), "JPEG", quality=80, progressive=True)
    scans = [m.start() for m in re.finditer(rb"\xff\xda", data)]
    end = data.rindex(b"\xff\xd9")
    return data[:end] + data[scans[-1]:end] * repeats + b"\xff\xd9"


SCRIPT = b"<script>alert('from the JPEG comment')</script>"


# -- an archive with a 196-megapixel public PNG ---------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A data directory with photo 1 the 14000×14000 PNG (its pyramid made at
    import), photo 2 a JPEG with a script in its comment, photo 3 a
    6000×6000 PNG, and an archivist."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("hostile")
    data_dir = folder / "media"
    files = [photo_like_png(folder / "big.png", BIG, BIG),
             folder / "comment.jpg", photo_like_png(folder / "mid.png", 6000, 6000)]
    files[1].write_bytes(image_bytes(scene(800, 600, seed=5), "JPEG", quality=90, comment=SCRIPT))
    assert files[0].stat().st_size > BIG * BIG / 100  # the data of a real picture that large
    for path in files:
        result = subprocess.run([sys.executable, "manage_archive.py", "--data", str(data_dir), "import",
                                 str(path), "--json"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                timeout=600)
        [line] = json_lines(result.stdout)
        assert line["status"] == "imported", (line, result.stderr)
    db = archive_db.connect(data_dir)
    auth.add_user(db, "archie", PASSWORD, "archivist")
    photos = {row["original_filename"]: dict(row) for row in db.query("SELECT * FROM photos")}
    db.close()
    return data_dir, photos


def log_in(base, username="archie"):
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = session.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token}, timeout=30, allow_redirects=False)
    assert response.status_code == 302, response.text
    session.headers["X-CSRFToken"] = session.get(f"{base}/api/session", timeout=30).json()["csrf_token"]
    return session


def gunicorn_workers():
    """{pid: peak resident bytes} of the gunicorn workers this test started."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
            parent = (Path("/proc") / fields["PPid"].strip() / "cmdline").read_bytes()
        except (OSError, KeyError):
            continue
        # A worker's parent is the master; the master's is `timeout` (servers.py).
        master = parent.split(b"\0")[0] != b"timeout" and b"gunicorn" in parent
        if b"gunicorn" in command and master and _descends_from_us(status.parent.name):
            found[int(status.parent.name)] = int(fields["VmHWM"].split()[0]) * 1024
    return found


def _descends_from_us(pid):
    import os

    while pid not in ("0", "1"):
        if pid == str(os.getpid()):
            return True
        try:
            pid = next(line.split()[1] for line in (Path("/proc") / pid / "status").read_text().splitlines()
                       if line.startswith("PPid:"))
        except (OSError, StopIteration):
            return False
    return False


def timed_get(url, **options):
    started = time.monotonic()
    response = requests.get(url, timeout=60, **options)
    return response, time.monotonic() - started


def tile(x, y, size=512):
    return f"{x},{y},{size},{size}/{size},/0/default.jpg"


# -- finding 1: IIIF requests decode only what they need ---------------------------


def test_8_concurrent_full_resolution_tiles_kill_no_worker_and_a_page_answers_within_a_second(archive):
    data_dir, photos = archive
    big = photos["big.png"]["id"]
    with gunicorn(data_dir, workers=4) as base:
        requests.get(f"{base}/iiif/3/{big}/info.json", timeout=30)
        workers = set(gunicorn_workers())
        assert len(workers) == 4
        urls = [f"{base}/iiif/3/{big}/{tile(512 * (3 * i + 1), 512 * (2 * i + 3))}" for i in range(8)]
        with ThreadPoolExecutor(8) as pool:
            answers = [pool.submit(timed_get, url) for url in urls]
            time.sleep(0.05)  # the tiles are in flight
            page, page_seconds = timed_get(f"{base}/api/photos/{big}")
            front, front_seconds = timed_get(f"{base}/")
            results = [answer.result() for answer in answers]
        assert page.status_code == 200 and page_seconds < 1, page_seconds
        assert front.status_code == 200 and front_seconds < 1, front_seconds
        for response, seconds in results:
            assert response.status_code in (200, 503), response.text[:200]
            assert seconds < 5, seconds
            if response.status_code == 200:
                assert Image.open(io.BytesIO(response.content)).size == (512, 512)
            else:
                assert int(response.headers["Retry-After"]) > 0
        assert sum(r.status_code == 200 for r, _ in results) >= 1
        assert set(gunicorn_workers()) == workers  # none was killed and replaced


def test_one_tile_of_a_196_megapixel_png_takes_under_a_second_and_300_mb(archive):
    data_dir, photos = archive
    big = photos["big.png"]["id"]
    with gunicorn(data_dir, workers=1) as base:
        warm, _ = timed_get(f"{base}/iiif/3/{big}/{tile(0, 0)}")
        assert warm.status_code == 200
        response, seconds = timed_get(f"{base}/iiif/3/{big}/{tile(7168, 9216)}")
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.content)).size == (512, 512)
        assert seconds < 1, seconds
        [peak] = gunicorn_workers().values()
        assert peak < 300 * MB, f"the worker peaked at {peak / MB:.0f} MB"


def test_heavy_renders_past_the_slots_are_503_with_retry_after_while_pages_stay_quick(archive):
    data_dir, photos = archive
    big = photos["big.png"]["id"]
    with gunicorn(data_dir, workers=4, env={"ARCHIVE_RENDER_SLOTS": "1"}) as base:
        workers = set(gunicorn_workers())
        # Screen-sized and larger views of the whole picture: each composes
        # tens of megapixels from a level of the pyramid.
        urls = [f"{base}/iiif/3/{big}/full/{width},/0/default.jpg" for width in (6144, 5632, 5120, 4608)]
        with ThreadPoolExecutor(4) as pool:
            answers = [pool.submit(timed_get, url) for url in urls]
            time.sleep(0.3)
            page, page_seconds = timed_get(f"{base}/api/photos/{big}")
            results = [answer.result() for answer in answers]
        assert page.status_code == 200 and page_seconds < 1, page_seconds
        statuses = sorted(response.status_code for response, _ in results)
        assert 200 in statuses and 503 in statuses, statuses
        for response, seconds in results:
            if response.status_code == 503:
                assert int(response.headers["Retry-After"]) > 0
                assert seconds < 1, seconds  # refused at once, not after a wait
                assert "ask again" in response.text
        assert set(gunicorn_workers()) == workers


def test_a_large_photo_without_its_pyramid_is_503_until_it_is_made_again_in_the_background(archive, tmp_path):
    data_dir, photos = archive
    mid = photos["mid.png"]
    target = data_dir / "derivatives" / mid["sha256"][:2] / mid["sha256"][2:4] / f"{mid['sha256']}-{pyramid.NAME}"
    assert target.is_file()  # made at import: 36 megapixels is past the threshold
    target.unlink()
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t"})
    client = app.test_client()
    url = f"/iiif/3/{mid['id']}/{tile(1024, 1024)}"
    first = client.get(url)
    assert first.status_code == 503
    assert int(first.headers["Retry-After"]) > 0
    assert first.headers["Cache-Control"] == "no-store"
    deadline = time.monotonic() + 180
    while True:
        with client.get(url) as response:
            status, data = response.status_code, response.data
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200
    assert target.is_file()
    assert Image.open(io.BytesIO(data)).size == (512, 512)


def test_iiif_images_are_sent_by_nginx_through_x_accel_redirect_like_other_media(archive):
    data_dir, photos = archive
    photo = photos["comment.jpg"]
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "MEDIA_ACCEL_PREFIX": "/_media"})
    client = app.test_client()
    sha = photo["sha256"]
    with client.get(f"/iiif/3/{photo['id']}/full/400,/0/default.jpg") as response:
        assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == (
        f"/_media/derivatives/{sha[:2]}/{sha[2:4]}/{sha}-iiif-0,0,800,600-400,300-0-color.jpg")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert 'rel="canonical"' in response.headers["Link"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # An odd region is made for its request only: there is no file to point nginx at.
    odd = client.get(f"/iiif/3/{photo['id']}/13,17,300,200/max/0/default.jpg")
    assert odd.status_code == 200 and "X-Accel-Redirect" not in odd.headers
    assert Image.open(io.BytesIO(odd.data)).size == (300, 200)


# -- finding 2: first decodes under a ceiling --------------------------------------


BOMBS = {
    "palette PNG, 14000×14000 in 0.2 MB": ("pal.png", palette_bomb_png, "decompression bomb"),
    "PNG, 10000×10000 in a few KB": ("bits.png", one_bit_png, "decompression bomb"),
    "WebP, 14000×14000 in 38 bytes": ("flat.webp", webp_claiming, "decompression bomb"),
    "691-byte JPEG claiming 14000×14000": ("short.jpg", jpeg_claiming, "truncated or corrupt"),
    "progressive JPEG with a scan repeated 2000 times": ("scans.jpg", scan_bomb_jpeg, "scan bomb"),
}


def test_upload_bombs_are_refused_quickly_with_a_reason_and_never_decoded_by_the_server(archive):
    data_dir, _ = archive
    files = {case: (name, make()) for case, (name, make, _) in BOMBS.items()}
    assert len(files["691-byte JPEG claiming 14000×14000"][1]) == 691
    assert len(files["PNG, 10000×10000 in a few KB"][1]) < 20_000
    db = archive_db.connect(data_dir)
    before = media_state(data_dir, db)
    with gunicorn(data_dir, workers=1) as base:
        session = log_in(base)
        for case, (name, data) in files.items():
            started = time.monotonic()
            response = session.post(f"{base}/api/uploads", files={"photos": (name, data)}, timeout=120)
            seconds = time.monotonic() - started
            assert response.status_code == 200, (case, response.text)
            [result] = response.json()["results"]
            assert result["status"] == "rejected", (case, result)
            assert BOMBS[case][2] in result["reason"], (case, result["reason"])
            assert seconds < 5, (case, seconds)
        [peak] = gunicorn_workers().values()
        assert peak < 300 * MB, f"the worker peaked at {peak / MB:.0f} MB"
    assert media_state(data_dir, db) == before
    db.close()


def test_a_palette_image_is_made_rgb_without_an_rgba_copy_under_a_tight_budget(run_cli, tmp_path, data_dir, db):
    """36 megapixels of palette with transparent entries: its budget (one
    byte a pixel, then RGB) is the child's address-space limit, so an RGBA
    detour (another 17 bytes a pixel) would fail the import."""
    width = height = 6000
    palette = bytes(c for i in range(256) for c in (i, 255 - i, (i * 7) % 256))
    rng = np.random.default_rng(2)
    stripes = rng.integers(0, 256, 600, dtype=np.uint8)

    def rows(y):
        return np.tile(np.roll(stripes, y // 50), width // 600).tobytes()

    path = write_png(tmp_path / "pal.png", width, height, rows, color_type=3,
                     palette=palette, transparency=bytes([0]) + bytes([255]) * 255)
    lines = json_lines(run_cli("import", path, "--json").output)
    assert [line["status"] for line in lines] == ["imported"], lines
    row = db["photos"].get(lines[0]["photo_id"])
    assert (row["width"], row["height"]) == (6000, 6000)
    sha = row["sha256"]
    with Image.open(data_dir / "derivatives" / sha[:2] / sha[2:4] / f"{sha}-fit400.jpg") as thumbnail:
        assert thumbnail.size == (400, 400)


def test_a_file_whose_budget_is_past_the_ceiling_is_refused_before_it_is_decoded(tmp_path, data_dir, db, monkeypatch):
    monkeypatch.setenv("ARCHIVE_DECODE_MAX_MB", "200")
    path = photo_like_png(tmp_path / "wide.png", 6000, 6000)
    from click.testing import CliRunner

    from archive.cli import cli

    output = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(path), "--json"]).output
    [line] = json_lines(output)
    assert line["status"] == "rejected"
    assert "would take about" in line["reason"] and "the archive's limit for one image is 200 MB" in line["reason"]
    assert db["photos"].count == 0


def test_a_task_past_its_cpu_budget_is_stopped_and_the_next_runs_in_a_new_child():
    started = time.monotonic()
    with pytest.raises(bounded.OverBudget, match="more than 1 s of processor time"):
        bounded.run(bounded_tasks.spin, 1, purpose="test-cpu")
    assert time.monotonic() - started < 30
    assert isinstance(bounded.run(bounded_tasks.pid, purpose="test-cpu"), int)


def test_a_task_past_its_memory_budget_is_refused_and_the_child_stays_usable():
    with pytest.raises(bounded.OverBudget, match="needs more than 64 MB of memory"):
        bounded.run(bounded_tasks.grab, 64, 512, purpose="test-memory")
    assert bounded.run(bounded_tasks.grab, 256, 32, purpose="test-memory") == 32 * MB
    with pytest.raises(bounded.RejectedImage, match="no thanks"):
        bounded.run(bounded_tasks.refuse, "no thanks", purpose="test-memory")


# -- finding 7: the cache shrinks ------------------------------------------------------


def test_the_cache_stays_within_its_budget_and_odd_regions_are_not_kept(archive):
    data_dir, photos = archive
    big = photos["big.png"]["id"]
    derivatives = data_dir / "derivatives"
    budget = 2
    with gunicorn(data_dir, workers=4, env={"ARCHIVE_CACHE_MAX_MB": str(budget)}) as base:
        session = requests.Session()
        urls = [f"{base}/iiif/3/{big}/{tile(512 * (i % 27), 512 * (i // 27))}" for i in range(300)]
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda url: session.get(url, timeout=60).status_code, urls))
        assert statuses.count(200) == 300
        # Files used in the last few seconds are never taken away; after
        # that, the next write prunes the rest down to the budget.
        time.sleep(cache.MIN_AGE_SECONDS + 1)
        assert session.get(f"{base}/iiif/3/{big}/{tile(512 * 26, 512 * 20)}", timeout=60).status_code == 200
        deadline = time.monotonic() + 30
        while cache.size(derivatives) > budget * MB and time.monotonic() < deadline:
            time.sleep(0.5)
        assert cache.size(derivatives) <= budget * MB
        # The photos' own derivatives and pyramids are never pruned.
        for photo in photos.values():
            sha = photo["sha256"]
            folder = derivatives / sha[:2] / sha[2:4]
            assert (folder / f"{sha}-fit400.jpg").is_file()
        assert (derivatives / photos["big.png"]["sha256"][:2] / photos["big.png"]["sha256"][2:4]
                / f"{photos['big.png']['sha256']}-{pyramid.NAME}").is_file()
        # Regions off the tile grid are made for their request and not kept.
        before = sorted(derivatives.rglob("*iiif*"))
        for i in range(20):
            assert session.get(f"{base}/iiif/3/{big}/{100 + 37 * i},{90 + 11 * i},400,300/max/0/default.jpg",
                               timeout=60).status_code == 200
        assert sorted(derivatives.rglob("*iiif*")) == before


# -- finding 9: nothing of the original in IIIF images; no Host in cached ids ------


def test_iiif_jpegs_carry_no_comment_from_the_original(archive):
    data_dir, photos = archive
    photo = photos["comment.jpg"]
    with gunicorn(data_dir, workers=1) as base:
        for path in ("full/max/0/default.jpg", "full/400,/0/default.jpg", "10,10,300,200/max/0/default.jpg",
                     "full/max/90/gray.jpg"):
            response = requests.get(f"{base}/iiif/3/{photo['id']}/{path}", timeout=60)
            assert response.status_code == 200
            assert b"<script" not in response.content
            with Image.open(io.BytesIO(response.content)) as image:
                assert "comment" not in image.info


def test_a_host_header_never_becomes_the_id_of_a_cacheable_info_json(archive):
    data_dir, photos = archive
    photo = photos["comment.jpg"]
    with gunicorn(data_dir, workers=1) as base:
        forged = requests.get(f"{base}/iiif/3/{photo['id']}/info.json", headers={"Host": "evil.example"}, timeout=30)
        # Made from the request, the document is not for shared caches.
        assert forged.json()["id"].startswith("http://evil.example/")
        assert forged.headers["Cache-Control"].startswith("private")
        image = requests.get(f"{base}/iiif/3/{photo['id']}/full/200,/0/default.jpg",
                             headers={"Host": "evil.example"}, timeout=30)
        assert image.headers["Cache-Control"].startswith("public")
        assert "evil.example" not in image.headers["Link"]
    with gunicorn(data_dir, workers=1, env={"ARCHIVE_PUBLIC_URL": "https://archive.example.org/"}) as base:
        info = requests.get(f"{base}/iiif/3/{photo['id']}/info.json", headers={"Host": "evil.example"}, timeout=30)
        assert info.json()["id"] == f"https://archive.example.org/iiif/3/{photo['id']}"
        assert info.headers["Cache-Control"] == "public, max-age=3600"
        manifest = requests.get(f"{base}/iiif/photos/{photo['id']}/manifest.json",
                                headers={"Host": "evil.example"}, timeout=30).text
        assert "evil.example" not in manifest and "https://archive.example.org/" in manifest
        image = requests.get(f"{base}/iiif/3/{photo['id']}/full/200,/0/default.jpg",
                             headers={"Host": "evil.example"}, timeout=30)
        assert f"<https://archive.example.org/iiif/3/{photo['id']}/full/200,150/0/default.jpg>" in image.headers["Link"]


def test_many_threads_may_share_one_child(tmp_path):
    """The child serves one task at a time; threads queue for it."""
    results = []

    def ask():
        results.append(bounded.run(bounded_tasks.pid, purpose="test-threads"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4 and len(set(results)) == 1
