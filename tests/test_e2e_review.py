"""The near-duplicate review screen in a real browser: the queue, a pair side
by side, a decision by keyboard, and the versions strip it leaves on the
photo page; axe-core on each."""

import re

import pytest
from click.testing import CliRunner
from e2e_support import add_archivist, axe_violations, new_context, requires_chromium, screenshot, server_and_browser
from support import scene

from archive import db as archive_db
from archive.cli import cli

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-e2e")
    data_dir, folder = root / "media", root / "photos"
    folder.mkdir()
    poster = scene(1600, 1200, seed=7)
    poster.save(folder / "flower-girl.jpg", "JPEG", quality=90)
    # The same photograph again, smaller and recompressed: a near-duplicate.
    poster.resize((800, 600)).save(folder / "flower-girl-small.jpg", "JPEG", quality=70)
    scene(1200, 900, seed=8).save(folder / "statue.jpg", "JPEG", quality=90)
    for name, tags in (("flower-girl.jpg", ["set:european-street", "subject:film-poster"]),
                       ("flower-girl-small.jpg", ["film:the-flower-girl"]), ("statue.jpg", ["subject:statue"])):
        args = ["--data", str(data_dir), "import", str(folder / name), "--json"]
        for spec in tags:
            args += ["--tag", spec]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert '"imported"' in result.output, result.output
    db = archive_db.connect(data_dir)
    ids = {name: i for i, name in db.execute("SELECT id, original_filename FROM photos")}
    db.close()
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        context, errors = new_context(browser, base, username)
        yield {"base": base, "context": context, "ids": ids, "errors": errors}


@pytest.fixture(autouse=True)
def no_script_errors(site):
    site["errors"].clear()
    yield
    assert site["errors"] == []


def test_review_a_pair_by_keyboard_and_see_the_versions_strip(site):
    base, ids = site["base"], site["ids"]
    page = site["context"].new_page()
    page.goto(f"{base}/review")
    assert page.locator("h1").inner_text() == "Review suggestions"
    pair = page.locator(".review-queue li a").first
    assert re.search(rf"photos ({ids['flower-girl.jpg']} and {ids['flower-girl-small.jpg']}"
                     rf"|{ids['flower-girl-small.jpg']} and {ids['flower-girl.jpg']})", pair.inner_text())
    assert axe_violations(page) == []
    screenshot(page, "review-queue")

    page.get_by_role("link", name="Start reviewing").click()
    page.wait_for_url(re.compile(r"/review/\d+$"))
    assert page.locator("h1").inner_text() == "The same photograph?"
    assert page.locator(".side-by-side img").count() == 2
    for img in page.locator(".side-by-side img").all():
        img.evaluate("img => img.decode()")
        assert img.get_attribute("alt").strip()
        assert int(img.get_attribute("width")) > 0 and int(img.get_attribute("height")) > 0
    assert axe_violations(page) == []
    screenshot(page, "review", readme=True)

    # The shortcut D sends "same photograph", keeping the suggested primary.
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("d")
    page.goto(f"{base}/photos/{ids['flower-girl-small.jpg']}")
    strip = page.locator("section.versions")
    assert strip.locator("h2").first.inner_text() == "Versions of this photograph"
    hrefs = sorted(strip.locator(".version-list a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert hrefs == sorted(f"/photos/{ids[n]}" for n in ("flower-girl.jpg", "flower-girl-small.jpg"))
    assert axe_violations(page) == []
    screenshot(page, "photo-versions")
    page.close()
