"""What a page costs a visitor on the wire: pages, stylesheets, scripts and
JSON arrive compressed and decode to the very same bytes; pictures and parts
of files come as they are; nothing is compressed beside a CSRF token;
stylesheets, scripts and icons live at addresses that change with them and
are kept for a year; the tiles of the first screen are fetched with the page
and the rest wait, each with its size; a tile's picture fits its shape, on a
wide screen and on a phone. How many bytes and how soon: bench/pages.py."""

import gzip
import re
import shutil
import zlib
from pathlib import Path

import brotli
import pytest
from click.testing import CliRunner
from e2e_support import requires_chromium, server_and_browser
from support import PASSWORD, logged_in_client, scene

from archive import create_app
from archive import db as archive_db
from archive.accounts import auth
from archive.cli import cli
from archive.storage import LocalStorage

try:  # the standard library's from Python 3.14; Flask-Compress brings the backport before
    from compression import zstd
except ImportError:
    from backports import zstd

DECODERS = {None: bytes, "gzip": gzip.decompress, "deflate": zlib.decompress, "br": brotli.decompress,
            "zstd": zstd.decompress}
CHROMIUM_ENCODINGS = "gzip, deflate, br, zstd"
YEAR = "public, max-age=31536000, immutable"
COPIES = 14  # of each of the two photos: a gallery page of 30 tiles, more than a screen


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Two imported photos, a tall and a wide one, and copies of their rows
    and tags (each with its own content address and the same original file),
    all public, captioned so that a search finds them; and an archivist."""
    root = tmp_path_factory.mktemp("page-weight")
    data_dir = root / "media"
    for name, size in (("tall.jpg", (900, 1200)), ("wide.jpg", (1600, 900))):
        path = root / name
        scene(*size, seed=len(name)).save(path, "JPEG", quality=85)
        result = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(path), "--json",
                                          "--tag", "set:european-street"], catch_exceptions=False)
        assert '"imported"' in result.output, result.output
    db = archive_db.connect(data_dir)
    db.execute("UPDATE photos SET is_public = 1, caption = 'Poster on the European street'")
    storage = LocalStorage(data_dir)
    columns = [row[1] for row in db.execute("PRAGMA table_info(photos)") if row[1] not in ("id", "sha256")]
    for photo_id, sha256, ext in db.execute("SELECT id, sha256, ext FROM photos ORDER BY id").fetchall():
        for k in range(COPIES):
            copy_sha = f"{photo_id:032x}{k:032x}"
            copy_id = db.execute(f"INSERT INTO photos (sha256, {', '.join(columns)}) SELECT ?, {', '.join(columns)}"
                                 " FROM photos WHERE id = ?", [copy_sha, photo_id]).lastrowid
            db.execute("INSERT INTO photo_tags (photo_id, tag_id, added_by, added_at)"
                       " SELECT ?, tag_id, added_by, added_at FROM photo_tags WHERE photo_id = ?", [copy_id, photo_id])
            target = storage.original_path(copy_sha, ext)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.hardlink_to(storage.original_path(sha256, ext))
    db.commit()
    user = auth.add_user(db, "archie", PASSWORD, "archivist")
    photo_id = db.execute("SELECT min(id) FROM photos").fetchone()[0]
    db.close()
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False})
    return {"data_dir": data_dir, "app": app, "user": user, "photo": photo_id}


@pytest.fixture
def client(site):
    return site["app"].test_client()


def decoded(response):
    return DECODERS[response.headers.get("Content-Encoding")](response.get_data())


def static_addresses(html):
    """The stylesheets, scripts and icons a page names."""
    return [address.replace("&amp;", "&") for address in re.findall(r'(?:href|src)="(/(?:static|styles)/[^"]+)"', html)]


def page_stylesheet(client, path="/"):
    return next(a for a in static_addresses(client.get(path).get_data(as_text=True)) if a.startswith("/styles/"))


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_pages_and_json_arrive_compressed_and_decode_to_the_same_bytes(site, client, encoding):
    for path in ("/", "/search?q=poster", "/sets/european-street", f"/photos/{site['photo']}",
                 "/api/search?q=poster", "/manifest.webmanifest"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": encoding})
        assert plain.status_code == packed.status_code == 200, path
        assert "Content-Encoding" not in plain.headers  # a client that did not ask gets it as it is
        assert packed.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert decoded(packed) == plain.get_data(), path
        assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(plain.get_data()), path
        if path == "/":  # a page of tiles repeats itself a great deal
            assert len(packed.get_data()) < len(plain.get_data()) / 4


def test_stylesheets_and_scripts_arrive_compressed_and_answer_a_revalidation(site, client):
    page = client.get(f"/photos/{site['photo']}").get_data(as_text=True)
    files = [address for address in static_addresses(page) if address.split("?")[0].endswith((".css", ".js"))]
    assert len(files) >= 6
    for address in files:
        plain = client.get(address, buffered=True)
        response = client.get(address, headers={"Accept-Encoding": CHROMIUM_ENCODINGS}, buffered=True)
        if len(plain.get_data()) < 500:  # too small to gain anything: sent as it is
            assert "Content-Encoding" not in response.headers
            continue
        assert response.headers["Content-Encoding"] in DECODERS, address
        assert decoded(response) == plain.get_data(), address
        etag = response.headers["ETag"]
        again = client.get(address, headers={"Accept-Encoding": CHROMIUM_ENCODINGS, "If-None-Match": etag},
                           buffered=True)
        assert again.status_code == 304, address


def test_a_pages_stylesheets_come_as_one_file_in_their_order(site, client):
    folder = Path(site["app"].static_folder)

    def joined(*names):
        return b"".join((folder / f"{name}.css").read_bytes().rstrip(b"\n") + b"\n" for name in names)

    every_page = ("archive", "accounts", "search", "ui", "tiles", "museum")
    for who, path, names in ((client, "/", every_page),
                             (client, f"/photos/{site['photo']}", every_page + ("posters",)),
                             (logged_in_client(site["app"], site["user"]), "/",
                              ("archive", "accounts", "search", "ui", "curation", "tiles", "museum"))):
        html = who.get(path).get_data(as_text=True)
        [address] = [a for a in static_addresses(html) if ".css" in a]
        assert who.get(address, buffered=True).get_data() == joined(*names), path
    # Only the folder's own stylesheets, by name.
    for names in ("archive,..%2Fsecret", "archive,missing", "vendor", ",".join(["archive"] * 17), "Archive"):
        assert client.get(f"/styles/{names}.css").status_code == 404, names


def test_odd_mixes_of_stylesheets_are_sent_but_never_fill_the_servers_memory(site, client):
    """Any visitor may name any mix of stylesheets: a name twice is refused,
    and past a few dozen mixes a new one is joined and sent but not kept."""
    from itertools import permutations

    from archive.web import static_files

    assert client.get("/styles/archive,archive.css").status_code == 404
    names = ("archive", "accounts", "search", "ui", "tiles")
    for mix in list(permutations(names, 3))[:100]:
        assert client.get(f"/styles/{','.join(mix)}.css").status_code == 200
    assert len(static_files._bundles) <= static_files.MOST_KEPT_BUNDLES


def test_pictures_and_parts_of_files_come_as_they_are(site, client):
    page = client.get("/").get_data(as_text=True)
    thumbnail = re.search(r'<img src="(/media/[^"]+)"', page).group(1)
    sha256, name = thumbnail.split("/")[2:4]
    response = client.get(thumbnail, headers={"Accept-Encoding": CHROMIUM_ENCODINGS}, buffered=True)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" not in response.headers.get("Vary", "")  # one answer for every cache
    assert response.get_data() == LocalStorage(site["data_dir"]).derivative_path(sha256, name).read_bytes()
    iiif = client.get(f"/iiif/3/{site['photo']}/full/max/0/default.jpg",
                      headers={"Accept-Encoding": CHROMIUM_ENCODINGS}, buffered=True)
    assert iiif.status_code == 200 and "Content-Encoding" not in iiif.headers
    assert iiif.get_data()[:3] == b"\xff\xd8\xff"  # a JPEG as made, not a compressed stream of one
    # A range of a script is the file's own bytes at those offsets.
    script = next(a for a in static_addresses(page) if "lightbox.js" in a)
    part = client.get(script, headers={"Accept-Encoding": CHROMIUM_ENCODINGS, "Range": "bytes=100-299"},
                      buffered=True)
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert part.get_data() == (Path(site["app"].static_folder) / "lightbox.js").read_bytes()[100:300]


def test_a_page_carrying_a_csrf_token_is_sent_uncompressed(site):
    """An observer who sees only the sizes of compressed answers could guess
    a secret that sits beside words the request chose (BREACH): pages with
    the session's CSRF token go as they are; a visitor's pages have none."""
    app = create_app({"DATA_DIR": site["data_dir"], "TESTING": True, "SECRET_KEY": "test"})  # CSRF on
    archivist, visitor = logged_in_client(app, site["user"]), app.test_client()
    for who, path in ((archivist, "/search?q=poster"), (archivist, "/"), (visitor, "/login")):
        response = who.get(path, headers={"Accept-Encoding": CHROMIUM_ENCODINGS})
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response.headers, path
        assert re.search(r'name="csrf[-_]token"', response.get_data(as_text=True)), path
    page = visitor.get("/search?q=poster", headers={"Accept-Encoding": CHROMIUM_ENCODINGS})
    assert page.headers["Content-Encoding"] == "zstd" and b"csrf" not in decoded(page)


def test_a_static_file_is_kept_a_year_under_an_address_that_changes_with_it(tmp_path):
    app = create_app({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "test"})
    shutil.copytree(app.static_folder, tmp_path / "static", ignore=shutil.ignore_patterns("vendor"))
    app.static_folder = str(tmp_path / "static")
    client = app.test_client()

    def named(piece):
        return next(a for a in static_addresses(client.get("/").get_data(as_text=True)) if piece in a)

    page = client.get("/").get_data(as_text=True)
    assert all(re.search(r"\?v=[0-9a-f]{12}$", address) for address in static_addresses(page))
    for piece, changed_file, bare_address in (("/styles/", "museum.css", None),
                                              ("/lightbox.js", "lightbox.js", "/static/lightbox.js")):
        before = named(piece)
        first = client.get(before, buffered=True)
        assert first.status_code == 200 and first.headers["Cache-Control"] == YEAR
        if bare_address:  # an address from before versions: the file still comes, revalidated each time
            bare = client.get(bare_address, buffered=True)
            assert bare.get_data() == first.get_data() and bare.headers["Cache-Control"] == "no-cache"

        with open(tmp_path / "static" / changed_file, "a") as f:
            f.write("\n/* changed */\n")
        after = named(piece)
        assert after != before
        changed = client.get(after, buffered=True)
        assert changed.headers["Cache-Control"] == YEAR and b"/* changed */" in changed.get_data()
        # A page cached before the change still finds the file: the new one, not kept long.
        stale = client.get(before, buffered=True)
        assert b"/* changed */" in stale.get_data() and stale.headers["Cache-Control"] == "no-cache"


def grid_pictures(html):
    grid = html[html.index('<ul class="grid tiles'):]
    grid = grid[:grid.index("</ul>")]
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\s[^>]*>", grid)]


def test_the_first_tiles_are_fetched_with_the_page_and_the_rest_wait(client):
    for path in ("/", "/search?q=poster", "/sets/european-street"):
        pictures = grid_pictures(client.get(path).get_data(as_text=True))
        assert len(pictures) > 18, path
        assert [p["loading"] for p in pictures] == ["eager"] * 18 + ["lazy"] * (len(pictures) - 18), path
        assert [p.get("fetchpriority") for p in pictures[:7]] == ["high"] * 6 + [None], path
        # Each with its size, so the grid is laid out before any picture arrives.
        assert all(int(p["width"]) > 0 and int(p["height"]) > 0 for p in pictures), path
        # Sizes by shape: a tall tile is narrow at the row's height, a wide one wide.
        widths = {int(p["width"]) > int(p["height"]): p["sizes"] for p in pictures}
        assert widths == {False: "(max-width: 30rem) 82px, 165px", True: "(max-width: 30rem) 198px, 396px"}


# The width each tile's picture has (from its srcset) against the width it is drawn at, in device pixels.
DRAWN_SCRIPT = """() => [...document.querySelectorAll('ul.grid img')].map((img) => {
    const widths = Object.fromEntries(img.srcset.split(', ').map((c) => c.split(' ')).map(([u, w]) => [new URL(u, location).href, parseInt(w)]));
    const box = img.getBoundingClientRect();
    return {picture: widths[img.currentSrc], drawn: box.width * devicePixelRatio, top: box.top,
            loading: img.loading, complete: img.complete && img.naturalWidth > 0};
})"""


@requires_chromium
def test_each_tile_gets_a_picture_for_its_shape_and_the_first_screen_comes_with_the_page(site):
    with server_and_browser(site["data_dir"]) as (base, browser):
        for width, height, density in ((1366, 900, 1), (1920, 1080, 1), (390, 844, 3)):
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=density)
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_load_state("networkidle")
            tiles = page.evaluate(DRAWN_SCRIPT)
            on_screen = [tile for tile in tiles if tile["top"] < height]
            assert on_screen and all(tile["loading"] == "eager" and tile["complete"] for tile in on_screen), width
            for tile in tiles:
                if tile["complete"]:
                    # Sharp, and never more than the next size up: the sizes are a factor of two apart.
                    assert tile["drawn"] / 1.6 <= tile["picture"] <= 2 * tile["drawn"], (width, tile)
            context.close()
