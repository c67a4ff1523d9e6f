"""The gallery in a real browser: the grid, the lightbox by keyboard, search by
tag and by facet, browse pages, pan and zoom with sharper IIIF requests, and
axe-core on every page a visitor or an archivist reads."""

import re

import pytest
import search_archive
from click.testing import CliRunner
from e2e_support import (
    LAYOUT_SHIFT_SCRIPT,
    add_archivist,
    axe_violations,
    new_context,
    requires_chromium,
    screenshot,
    server_and_browser,
)
from support import scene

from archive import db as archive_db
from archive.cli import cli

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect

ZOOM_WIDTH, ZOOM_HEIGHT = 3200, 2400
# Public photos on the European street (its café included): two from the
# search archive and the large one made here for zooming.
EUROPEAN_STREET_PUBLIC = 3


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("gallery-e2e")
    data_dir = root / "media"
    search_archive.build(data_dir, root / "photos").close()
    big = root / "photos" / "big-poster.jpg"
    scene(ZOOM_WIDTH, ZOOM_HEIGHT, seed=42).save(big, "JPEG", quality=85)
    result = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(big), "--json",
                                      "--tag", "set:european-street", "--tag", "subject:film-poster",
                                      "--tag", "film:the-flower-girl"], catch_exceptions=False)
    assert '"imported"' in result.output, result.output
    db = archive_db.connect(data_dir)
    zoom_id = db.execute("SELECT id FROM photos WHERE original_filename = 'big-poster.jpg'").fetchone()[0]
    db["photos"].update(zoom_id, {"is_public": 1, "caption": "", "title": "The Flower Girl, European street"})
    db.close()
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        visitor, errors = new_context(browser)
        archivist, archivist_errors = new_context(browser, base, username)
        yield {"base": base, "browser": browser, "visitor": visitor, "archivist": archivist,
               "zoom_id": zoom_id, "data_dir": data_dir, "errors": (errors, archivist_errors)}


@pytest.fixture(autouse=True)
def no_script_errors(site):
    for errors in site["errors"]:
        errors.clear()
    yield
    assert [e for errors in site["errors"] for e in errors] == []


@pytest.fixture
def page(site):
    page = site["visitor"].new_page()
    yield page
    page.close()


def test_gallery_grid_images_have_sizes_srcset_and_alt(site, page):
    page.add_init_script(LAYOUT_SHIFT_SCRIPT)
    page.goto(site["base"] + "/")
    cards = page.locator("ul.grid li.card")
    assert cards.count() == len(search_archive.PUBLIC) + 1
    for k, img in enumerate(cards.locator("img").all()):
        assert int(img.get_attribute("width")) > 0 and int(img.get_attribute("height")) > 0
        # The first screen is fetched at once; the rest as they come near.
        assert img.get_attribute("loading") == ("eager" if k < 18 else "lazy")
        assert re.search(r" \d+w", img.get_attribute("srcset"))
        assert img.get_attribute("alt").strip()
    # The big photo has no caption: its alt text comes from its tags.
    big = page.locator(f"a[href^='/photos/{site['zoom_id']}?'] img")
    assert big.get_attribute("alt") == "Film poster, The Flower Girl — European street"
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.layoutShift") < 0.01  # nothing moved as thumbnails arrived
    screenshot(page, "gallery", readme=True)
    assert axe_violations(page) == []


def test_grid_is_two_columns_on_a_phone_and_wider_on_a_wide_screen(site):
    columns = {}
    for width in (375, 1920):
        context = site["browser"].new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(site["base"] + "/")
        tops = [box["y"] for box in (c.bounding_box() for c in page.locator("ul.grid li.card").all())]
        columns[width] = tops.count(tops[0])
        # Nothing spills sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"gallery-{width}px")
        context.close()
    assert columns[375] == 2
    assert columns[1920] >= 4  # justified rows: each tile as wide as its photo at one height


def test_the_accessibility_check_itself_finds_problems(site, page):
    """axe really runs: a picture without alt text on the page is reported."""
    page.goto(site["base"] + "/")
    page.evaluate("""() => {
        const img = document.createElement("img");
        img.src = document.querySelector(".card img").src;
        document.querySelector("main").append(img);
    }""")
    assert "image-alt" in [v["id"] for v in axe_violations(page)]


def test_keyboard_focus_is_visible(site, page):
    page.goto(site["base"] + "/")
    for _ in range(3):
        page.keyboard.press("Tab")
        outline = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
        assert outline[0] != "none" and outline[1] >= 2, outline


def test_lightbox_moves_by_keyboard(site, page):
    page.goto(site["base"] + "/")
    links = page.locator("a[data-lightbox]")
    targets = [links.nth(i).get_attribute("data-lightbox") for i in range(links.count())]
    dialog = page.locator("dialog.lightbox")
    image = dialog.locator("img")

    links.nth(0).click()
    assert dialog.evaluate("d => d.open")
    assert image.get_attribute("src") == targets[0]
    assert dialog.locator(".lightbox-position").inner_text() == f"1 of {len(targets)}"
    assert image.get_attribute("alt") == links.nth(0).locator("img").get_attribute("alt")

    page.keyboard.press("ArrowRight")
    assert image.get_attribute("src") == targets[1]
    page.keyboard.press("ArrowRight")
    assert image.get_attribute("src") == targets[2]
    page.keyboard.press("ArrowLeft")
    assert image.get_attribute("src") == targets[1]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # past the first: round to the last
    assert image.get_attribute("src") == targets[-1]
    image.evaluate("img => img.decode()")  # the display image really loads
    assert image.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "lightbox")
    assert axe_violations(page) == []

    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    # Focus goes back to the card last shown.
    assert page.evaluate("document.activeElement.getAttribute('data-lightbox')") == targets[-1]


def test_search_by_tag_in_the_header_box_then_by_facet(site, page):
    page.goto(site["base"] + "/")
    box = page.get_by_role("searchbox", name="Search the archive")
    box.fill("set:european-street")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=set%3Aeuropean-street"))
    assert page.locator("#results-count").inner_text().startswith(f"{EUROPEAN_STREET_PUBLIC} photos")
    assert page.locator("ul.search-grid li.card").count() == EUROPEAN_STREET_PUBLIC
    # Search results open in the lightbox too, and their thumbnails have a srcset.
    first = page.locator("ul.search-grid a[data-lightbox]").first
    assert re.search(r" \d+w", first.locator("img").get_attribute("srcset"))
    first.click()
    assert page.locator("dialog.lightbox img").get_attribute("src") == first.get_attribute("data-lightbox")
    page.keyboard.press("Escape")
    screenshot(page, "search")
    assert axe_violations(page) == []

    facet = page.locator("aside.facets li", has=page.get_by_role("link", name=re.compile(r"^Film poster( |$)")))
    assert facet.locator(".facet-count").inner_text() == "2"
    facet = facet.get_by_role("link")
    facet.click()
    page.wait_for_url(re.compile(r"subject(:|%3A)film-poster"))
    assert page.locator("ul.search-grid li.card").count() == 2
    assert page.get_by_role("searchbox", name="Search the archive").input_value() == \
        "set:european-street subject:film-poster"


def test_browse_pages_per_set_and_subject_with_counts(site, page):
    page.goto(site["base"] + "/sets")
    lines = page.locator("main li").all_inner_texts()
    assert any(line.split("\n\n")[:3] == ["European street", "유럽 거리", f"{EUROPEAN_STREET_PUBLIC} photos"]
               for line in lines), lines
    assert axe_violations(page) == []
    page.goto(site["base"] + "/subjects")
    lines = page.locator("main li").all_inner_texts()
    assert any(line.split("\n\n")[:3] == ["Film poster", "영화 포스터", "2 photos"] for line in lines), lines
    assert any(line.startswith("Statue\n\n동상\n\n1 photo") for line in lines), lines
    page.get_by_role("link", name="Film poster", exact=True).click()
    expect(page.locator("h1")).to_have_text("Film poster")
    assert page.locator("#results-count").inner_text() == "2 photos"
    assert page.locator("ul.grid li.card").count() == 2
    assert axe_violations(page) == []


def test_photo_page_zooms_with_sharper_iiif_requests(site, page):
    zoom_id = site["zoom_id"]
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(LAYOUT_SHIFT_SCRIPT)
    page.goto(f"{site['base']}/photos/{zoom_id}")
    image = page.locator("[data-zoom] img")
    image.evaluate("img => img.decode()")
    shown_width = image.evaluate("img => img.naturalWidth")
    tags = page.locator(".facts a", has_text="European street")
    assert tags.get_attribute("href").startswith("/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.layoutShift") < 0.01
    screenshot(page, "photo", readme=True)
    assert axe_violations(page) == []

    pattern = re.compile(rf"/iiif/3/{zoom_id}/full/(\d+,|max)/0/default\.jpg$")
    assert not [url for url in requests if pattern.search(url)]
    zoom_in = page.get_by_role("button", name="Zoom in")
    for _ in range(3):
        zoom_in.click()
    page.wait_for_load_state("networkidle")
    asked = [pattern.search(url) for url in requests if pattern.search(url)]
    widths = {ZOOM_WIDTH if m.group(1) == "max" else int(m.group(1)[:-1]): m.group(0) for m in asked}
    assert widths and max(widths) > shown_width
    assert page.locator(".zoom-level").inner_text() == "338%"
    # The sharpest copy asked for ends up on screen, whatever order they came in.
    page.wait_for_function("path => document.querySelector('[data-zoom] img').currentSrc.endsWith(path)",
                           arg=widths[max(widths)])
    assert image.evaluate("img => img.hasAttribute('srcset')") is False
    # Everything came from the archive itself: no CDN, so it works offline.
    assert [url for url in requests if not url.startswith(site["base"] + "/")] == []

    # Keys pan the zoomed photo; 0 fits it again.
    viewport = page.locator("[data-zoom]")
    viewport.focus()
    before = image.evaluate("img => img.style.transform")
    page.keyboard.press("ArrowRight")
    assert image.evaluate("img => img.style.transform") != before
    # Dragging pans it too.
    box = viewport.bounding_box()
    before = image.evaluate("img => img.style.transform")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 40, steps=4)
    page.mouse.up()
    assert image.evaluate("img => img.style.transform") != before
    screenshot(page, "photo-zoomed")
    page.keyboard.press("0")
    expect(page.locator(".zoom-level")).to_have_text("100%")
    # The wheel zooms at the pointer.
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    page.mouse.wheel(0, -200)
    expect(page.locator(".zoom-level")).to_have_text("125%")


def test_tags_on_the_photo_page_are_links_to_searches(site, page):
    page.goto(f"{site['base']}/photos/{site['zoom_id']}")
    page.locator(".facts a", has_text="Film poster").click()
    page.wait_for_load_state()
    assert page.locator("ul.grid li.card").count() == 2


@pytest.mark.parametrize("path", ["/", "/photos/{zoom_id}", "/search?q=set:european-street", "/sets/european-street",
                                  "/subjects/film-poster"])
def test_archivist_pages_have_no_serious_accessibility_problems(site, path):
    """The same pages as an archivist sees them: tag forms, bulk tagging,
    visibility and upload links included."""
    page = site["archivist"].new_page()
    page.goto(site["base"] + path.format(zoom_id=site["zoom_id"]))
    assert page.get_by_role("link", name="Upload").count() == 1  # logged in
    assert axe_violations(page) == []
    page.close()
