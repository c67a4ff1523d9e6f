"""The visitor's collection in Chromium, at 1366 and 390 px, in English and
Korean: every page without a console error (the favicon included), nothing
spilling sideways, layout shift at most 0.05, no serious or critical axe
finding; previous/next walking a search in order, a chip removing its
filter, the language switch changing every interface string, the IIIF
viewer opening; and, taken as those pages are checked, the README's
screenshots of the gallery, a photo, a search with chips and a set page
(ARCHIVE_README_SHOTS=1)."""

import re
import time
import urllib.request

import pytest
import search_archive
from click.testing import CliRunner
from e2e_support import (
    PROJECT_ROOT,
    add_archivist,
    axe_violations,
    collect_errors,
    log_in,
    requires_chromium,
    screenshot,
    server_and_browser,
    visible_strings,
)
from iiif_helpers import live_server
from support import scene

from archive import db as archive_db
from archive.cli import cli

pytestmark = requires_chromium

WIDTHS = {"wide": 1366, "phone": 390}
VIEWER = PROJECT_ROOT / "archive/static/vendor/node_modules/openseadragon/build/openseadragon/openseadragon.min.js"
SEARCH = "/search?q=set:european-street%20poster"
# The layout shifts of a page as it loads, with what moved (to say so when a test fails).
SHIFTS_SCRIPT = """(() => {
    window.layoutShift = 0;
    window.shifted = [];
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
            if (entry.hadRecentInput) continue;
            window.layoutShift += entry.value;
            for (const source of entry.sources || []) {
                const node = source.node;
                window.shifted.push(node && node.nodeType === 1 ? node.tagName + "." + node.className : String(node));
            }
        }
    }).observe({ type: "layout-shift", buffered: true });
})();"""
# Words that read the same in either language (names, formats, codes).
SAME_IN_BOTH = {"CSV", "JSON", "API", "IIIF", "SHA-256", "English", "한국어", "Backlot poster archive",
                "촬영소 포스터 아카이브", "×", "‹", "›", "←", "→", "+", "−"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("visitors-e2e")
    data_dir = root / "media"
    search_archive.build(data_dir, root / "photos").close()
    # A tall poster and a wide one, so tiles of both shapes show whole.
    for name, size, tags in (("tall-poster.jpg", (600, 1000), ["set:european-street", "subject:film-poster",
                                                                "film:a-broad-bellflower"]),
                             ("wide-street.jpg", (1500, 700), ["set:european-street", "subject:facade"])):
        path = root / "photos" / name
        scene(*size, seed=len(name)).save(path, "JPEG", quality=85)
        result = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(path), "--json", "--trip",
                                          "2019 autumn", *[arg for tag in tags for arg in ("--tag", tag)]],
                                    catch_exceptions=False)
        assert '"imported"' in result.output, result.output
    db = archive_db.connect(data_dir)
    db.execute("UPDATE photos SET title = 'Poster of A Broad Bellflower', title_ko = '도라지꽃 포스터'"
               " WHERE original_filename = 'tall-poster.jpg'")
    db.execute("UPDATE photos SET title = 'Façades of the European street' WHERE original_filename = 'wide-street.jpg'")
    db.commit()
    content = set()
    for row in db.query("SELECT * FROM photos"):
        content |= {row[k] for k in ("title", "title_ko", "caption", "caption_ko", "original_filename", "trip",
                                     "photographer", "transcription") if row[k]}
    content |= {row["label"] for row in db.query("SELECT label FROM tags WHERE label_ko = ''")}
    content |= {" ".join(filter(None, (row["camera_make"], row["camera_model"]))) for row in db.query("SELECT * FROM photos")}
    content |= {row["camera_model"] for row in db.query("SELECT * FROM photos") if row["camera_model"]}
    content.add("“poster”")  # a word of the query, in a chip
    db.close()
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        yield {"base": base, "browser": browser, "username": username, "content": content}


def open_context(site, language, width, logged_in=False):
    context = site["browser"].new_context(viewport={"width": WIDTHS[width], "height": 900},
                                          locale="en-GB" if language == "en" else "ko-KR")
    errors = collect_errors(context)
    if logged_in:
        log_in(context, site["base"], site["username"]) if language == "en" else None
    context.add_cookies([{"name": "lang", "value": language, "url": site["base"]}])
    return context, errors


def first_photo_of(page, site, path):
    page.goto(site["base"] + path)
    return page.locator("ul.grid li.card a[data-lightbox]").first.get_attribute("href")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_visitor_page_is_clean_steady_and_accessible(site, language, width):
    context, errors = open_context(site, language, width)
    page = context.new_page()
    page.add_init_script(SHIFTS_SCRIPT)
    photo = first_photo_of(page, site, SEARCH)
    pages = ["/", photo, "/sets", "/sets/european-street", SEARCH, "/films", "/trips", "/trips/2019-autumn",
             "/subjects", "/data", "/photos/999999", "/search?q=set:europen-street"]
    # The README's pictures are taken of these pages as they are checked.
    readme_shots = {"/": "gallery", photo: "photo", SEARCH: "search-chips", "/sets/european-street": "set"}
    problems = []
    for path in pages:
        page.goto(site["base"] + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language, path
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        shift = page.evaluate("window.layoutShift")
        violations = axe_violations(page)
        if overflow > 0 or shift > 0.05 or violations:
            problems.append((path, overflow, round(shift, 3), violations, page.evaluate("window.shifted")))
        if path in readme_shots:
            screenshot(page, f"{readme_shots[path]}-{width}-{language}", readme=True)
    screenshot(page, f"visitors-404-{language}-{width}")
    assert problems == []
    # The error pages' own statuses are the only console lines: nothing they load fails.
    assert [e for e in errors if not re.search(r"'url': '[^']*(/photos/999999|europen-street)'", e)] == []
    context.close()


def test_the_gallery_holds_still_while_its_page_arrives_in_pieces(site):
    """A page whose first rows arrive a second before its last (a slow line)
    is first painted whole, so its justified rows never re-flow under the
    reader as later tiles arrive. The gallery's own HTML is sent again from a
    server that pauses half way through the grid."""
    context, _ = open_context(site, "en", "wide")
    page = context.new_page()
    page.add_init_script(SHIFTS_SCRIPT)
    page.goto(site["base"] + "/")  # the stylesheet and scripts in the cache, as on a second page
    html = page.request.get(site["base"] + "/").text()
    tiles = [m.start() for m in re.finditer(r'<li class="card tile', html)]
    assert len(tiles) >= 6
    halves = html[:tiles[len(tiles) // 2]].encode(), html[tiles[len(tiles) // 2]:].encode()
    with live_server(pausing_app(halves, site["base"])) as url:
        page.goto(url + "/", wait_until="load")
        page.wait_for_timeout(300)
        assert page.locator("li.card.tile").count() == len(tiles)
        assert (page.evaluate("window.layoutShift"), page.evaluate("window.shifted")) == (0, [])
    context.close()


def pausing_app(pieces, upstream, pause=1.0):
    """A WSGI app sending its front page in pieces a pause apart, and passing
    every other request on to upstream."""
    def app(environ, start_response):
        path = environ["PATH_INFO"] + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        if path != "/":
            with urllib.request.urlopen(upstream + path) as response:
                body = response.read()
                start_response(f"{response.status} {response.reason}", [
                    ("Content-Type", response.headers["Content-Type"]), ("Content-Length", str(len(body)))])
            return [body]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return _paused(pieces, pause)

    return app


def _paused(pieces, pause):
    for number, piece in enumerate(pieces):
        if number:
            time.sleep(pause)
        yield piece


def test_the_favicon_is_served_with_no_console_error(site):
    context, errors = open_context(site, "en", "wide")
    page = context.new_page()
    page.goto(site["base"] + "/")
    page.wait_for_load_state("networkidle")
    assert page.request.get(site["base"] + "/favicon.ico").status == 200
    assert errors == []
    context.close()


def test_previous_and_next_walk_a_searchs_results_in_order_by_keyboard(site):
    context, errors = open_context(site, "en", "wide")
    page = context.new_page()
    page.goto(site["base"] + "/search?q=set:european-street&sort=taken")
    order = [int(re.search(r"/photos/(\d+)", href).group(1)) for href in
             page.locator("ul.grid li.card a[data-lightbox]").evaluate_all("links => links.map(a => a.href)")]
    assert len(order) >= 4
    page.goto(site["base"] + page.locator("ul.grid li.card a[data-lightbox]").first.get_attribute("href"))
    walked = [int(re.search(r"/photos/(\d+)", page.url).group(1))]
    for _ in order[1:]:
        with page.expect_navigation():
            page.keyboard.press("ArrowRight")
        walked.append(int(re.search(r"/photos/(\d+)", page.url).group(1)))
    assert walked == order
    assert page.locator(".list-position").inner_text() == f"{len(order)} of {len(order)}"
    with page.expect_navigation():
        page.keyboard.press("ArrowLeft")
    assert int(re.search(r"/photos/(\d+)", page.url).group(1)) == order[-2]
    page.get_by_role("link", name="Back to results").click()
    page.wait_for_load_state()
    assert "/search?q=set" in page.url and "sort=taken" in page.url
    assert errors == []
    context.close()


def test_a_chip_removes_its_filter(site):
    context, errors = open_context(site, "en", "phone")
    page = context.new_page()
    page.goto(site["base"] + SEARCH)
    chips = page.locator(".chips .chip")
    assert chips.all_inner_texts() == ["Set: European street\n×", "“poster”\n×"] or \
        [t.replace("\n", " ") for t in chips.all_inner_texts()] == ["Set: European street ×", "“poster” ×"]
    # On a phone the facets wait behind the Filters button, the first result right after the chips.
    assert not page.locator("aside.facets").is_visible()
    assert page.locator("ul.grid li.card").first.is_visible()
    page.get_by_role("link", name="Filters").click()
    assert page.locator("aside.facets").is_visible()
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Remove filter: “poster”").click()
    page.wait_for_load_state()
    assert re.search(r"q=set(:|%3A)european-street$", page.url)
    assert page.locator(".chips .chip").count() == 1
    # The sort applies on change, without a button (which is there for pages without JavaScript).
    assert page.get_by_role("button", name="Sort").count() == 0
    with page.expect_navigation():
        page.get_by_label("Sort by").select_option("taken")
    assert "sort=taken" in page.url
    assert errors == []
    context.close()


def untranslated(english, korean, content):
    def interface(text):
        words = re.sub(r"[\d\s.,:;!?()%·—–“”\"'/…×#-]+", " ", text).strip()
        return words and not text.startswith(("/", "http")) and text not in content and text not in SAME_IN_BOTH and not any(
            text.startswith(c) or c in text for c in content if len(c) > 3)
    return sorted({text for text in english if interface(text) and text in set(korean)})


@pytest.mark.parametrize("path", ["/", "photo", SEARCH, "/upload"])
def test_the_language_switch_changes_every_visible_interface_string(site, path):
    context, errors = open_context(site, "en", "wide")
    page = context.new_page()
    if path == "/upload":  # the archivists' page; the others as a visitor sees them
        log_in(context, site["base"], site["username"])
    target = first_photo_of(page, site, SEARCH) if path == "photo" else path
    page.goto(site["base"] + target)
    english = visible_strings(page)
    page.get_by_role("link", name="한국어").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "ko"
    korean = visible_strings(page)
    assert untranslated(english, korean, site["content"] | {site["username"]}) == []
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert visible_strings(page) == english
    assert errors == []
    context.close()


@pytest.mark.skipif(not VIEWER.exists(), reason="the IIIF viewer comes from npm: `npm ci --prefix archive/static/vendor`")
@pytest.mark.parametrize("path", ["photo", "/sets/european-street"])
def test_the_iiif_viewer_opens_from_the_archive_itself(site, path):
    context, errors = open_context(site, "en", "wide")
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site["base"] + (first_photo_of(page, site, SEARCH) if path == "photo" else path))
    # The viewer asks for the picture's info.json once it has loaded: waited
    # for, since the page's own load (and its "network idle") came before.
    with page.expect_request(lambda request: "/iiif/3/" in request.url and "info.json" in request.url):
        page.get_by_role("button", name="Open the zoomable viewer").click()
    page.locator(".viewer-canvas .openseadragon-canvas").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert all(url.startswith(site["base"]) or url.startswith("data:") for url in requests)
    assert errors == []
    context.close()
