"""Reviewing near-duplicates in a real browser: the queue of groups, a group
of eight decided in one step by keyboard and undone as one, plain copies
accepted after a preview, a pair side by side with the versions strip it
leaves, and an upload whose near copy shows its match; axe-core on each."""

import re

import pytest
from click.testing import CliRunner
from e2e_support import add_archivist, axe_violations, new_context, requires_chromium, screenshot, server_and_browser
from PIL import Image, ImageOps
from support import painting, scene, template_poster

from archive import db as archive_db
from archive.cli import cli

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect

# One photograph in eight copies, numbered so the camera original is imported first.
COPIES = {
    "1-flower-girl.jpg": lambda im: im,
    "2-flower-girl.png": lambda im: im,
    "3-flower-girl-chat.jpg": lambda im: im.resize((800, 600)),
    "4-flower-girl-thumb.jpg": lambda im: im.resize((400, 300)),
    "5-flower-girl-sideways.jpg": lambda im: im.transpose(Image.Transpose.ROTATE_270),
    "6-flower-girl-crop.jpg": lambda im: im.crop((128, 0, 1600, 1200)),
    "7-flower-girl-grey.jpg": lambda im: im.convert("L"),
    "8-flower-girl-mirror.jpg": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
}


def poster_on_a_wall(seed, width=1600, height=1200):
    """A photo of a poster on a street set's wall: the wall, then the poster."""
    wall = ImageOps.autocontrast(scene(width, height, seed=seed + 100)).point(lambda v: 90 + v // 3)
    poster = template_poster(seed).resize((int(height * 0.62), int(height * 0.88)))
    wall.paste(poster, ((width - poster.width) // 2, (height - poster.height) // 2))
    return wall


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-e2e")
    data_dir, folder = root / "media", root / "photos"
    folder.mkdir()
    flower_girl = poster_on_a_wall(4)
    for name, edit in COPIES.items():
        edit(flower_girl).save(folder / name, quality=90)
    pair = folder / "pair"
    pair.mkdir()
    bellflower = painting(1600, 1200, seed=5, spots=30)
    bellflower.save(pair / "bellflower.jpg", quality=90)
    bellflower.resize((800, 600)).save(pair / "bellflower-small.jpg", quality=70)
    statue = root / "statue.jpg"
    painting(1600, 1200, seed=8, spots=30).save(statue, quality=90)
    for path, tags in ((folder, ["set:european-street", "subject:film-poster"]), (statue, ["subject:statue"])):
        args = ["--data", str(data_dir), "import", str(path), "--json", "--workers", "1"]
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
        yield {"base": base, "context": context, "ids": ids, "errors": errors, "data_dir": data_dir, "root": root}


@pytest.fixture(autouse=True)
def no_script_errors(site):
    site["errors"].clear()
    yield
    assert site["errors"] == []


def query(site, sql, args=()):
    db = archive_db.connect(site["data_dir"])
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def full_screenshot(page, name, readme=False):
    """The whole page in one window, so the sticky bar sits at the bottom."""
    height = page.evaluate("document.documentElement.scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    screenshot(page, name, readme=readme)
    page.set_viewport_size(size)


def test_1_the_queue_shows_groups_not_pairs(site):
    page = site["context"].new_page()
    page.goto(f"{site['base']}/review")
    assert page.locator("h1").inner_text() == "Review"
    cards = page.locator(".cluster-card")
    expect(cards).to_have_count(2)
    first = cards.filter(has_text="8 copies of one photograph")
    expect(first).to_have_count(1)
    assert "almost certain" in first.inner_text() and "smaller copies" in first.inner_text()
    assert "bits" not in page.content()
    for img in page.locator(".cluster-card img").all():
        img.evaluate("img => img.decode()")
    assert axe_violations(page) == []
    full_screenshot(page, "review-queue", readme=True)
    page.close()


def test_2_a_group_of_eight_decided_in_one_step_by_keyboard(site):
    ids = site["ids"]
    page = site["context"].new_page()
    page.goto(f"{site['base']}/review")
    page.locator(".cluster-card", has_text="8 copies").click()
    page.wait_for_url(re.compile(r"/review/clusters/\d+$"))
    assert page.locator("h1").inner_text() == "Are these 8 one photograph?"
    tiles = page.locator(".tile")
    expect(tiles).to_have_count(8)
    assert "Primary" in tiles.first.inner_text()
    reasons = {tiles.nth(i).get_attribute("data-photo"): tiles.nth(i).locator(".tile-reason").inner_text()
               for i in range(8)}
    said = {name: reasons[str(ids[name])] for name in COPIES}
    assert said["3-flower-girl-chat.jpg"] == "smaller copy (50 %)"
    assert said["5-flower-girl-sideways.jpg"] == "turned 90° to the right"
    assert said["6-flower-girl-crop.jpg"] == "cropped by about 8 % on the left"
    assert said["7-flower-girl-grey.jpg"] == "greyscale copy"
    assert said["8-flower-girl-mirror.jpg"] == "mirrored"
    for img in page.locator(".tile img").all():
        img.evaluate("img => img.decode()")
    assert axe_violations(page) == []
    full_screenshot(page, "review-cluster", readme=True)

    # Photo 8 is another shot, keep the PNG as primary: keys only, then Enter.
    page.locator("h1").click()
    page.keyboard.press("8")
    page.keyboard.press("r")
    expect(tiles.nth(7)).to_have_class(re.compile("mark-other"))
    expect(page.locator("#tally")).to_contain_text("7 the same photograph · 1 other shot · 0 not related")
    page.keyboard.press("2")
    page.keyboard.press("p")
    expect(tiles.nth(1)).to_have_class(re.compile("is-primary"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Saved: 7 the same photograph, 1 other shot")

    # One batch, recorded pair by pair, with the chosen primary.
    [(batch_id, primary, who)] = query(site, "SELECT id, primary_id, decided_by FROM decision_batches")
    assert primary == ids["2-flower-girl.png"] and who == "archie"
    kinds = dict(query(site, "SELECT decision, count(*) FROM match_decisions WHERE batch_id = ? GROUP BY decision",
                       [batch_id]))
    assert kinds["duplicate"] >= 6 and kinds["related"] >= 1
    # The versions strip on a copy's page lists the seven, not the other shot.
    page.goto(f"{site['base']}/photos/{ids['3-flower-girl-chat.jpg']}")
    strip = page.locator("section.versions")
    assert strip.locator("h2").first.inner_text() == "Versions of this photograph"
    expect(strip.locator(".version-list").first.locator("li")).to_have_count(7)
    assert "Other shots of this poster" in strip.inner_text()

    # Undone as one from the next group's screen: U.
    page.goto(f"{site['base']}/review")
    page.locator(".cluster-card", has_text="2 copies").click()
    expect(page.locator(".undo-last")).to_be_visible()
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("u")
    expect(page.locator(".flash")).to_contain_text("open for review again")
    assert query(site, "SELECT count(*) FROM match_decisions WHERE undone_at IS NULL")[0][0] == 0
    assert page.locator("h1").inner_text() == "Are these 8 one photograph?"
    page.close()


def test_3_plain_copies_previewed_then_accepted(site):
    page = site["context"].new_page()
    page.goto(f"{site['base']}/review")
    page.get_by_role("link", name="Preview and accept").click()
    page.wait_for_url(re.compile(r"/review/plain$"))
    rows = page.locator(".plain-pair")
    count = rows.count()
    assert count >= 3
    texts = [rows.nth(i).inner_text() for i in range(count)]
    assert any("Smaller copy (50 %)" in t for t in texts)
    assert not any(word in t for t in texts for word in ("mirrored", "turned", "greyscale", "cropped"))
    assert axe_violations(page) == []
    full_screenshot(page, "review-plain")
    rows.first.locator("input").uncheck()  # looked at on its own later
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the ticked copies").click()
    expect(page.locator(".flash")).to_contain_text(f"Accepted {count - 1} plain copies")
    [(kind, decided)] = query(site, "SELECT b.kind, count(d.id) FROM decision_batches b JOIN match_decisions d"
                                    " ON d.batch_id = b.id WHERE b.undone_at IS NULL GROUP BY b.id")
    assert (kind, decided) == ("plain", count - 1)
    page.close()


def test_4_a_pair_side_by_side_says_why(site):
    ids = site["ids"]
    [(suggestion_id,)] = query(site, "SELECT id FROM match_suggestions WHERE photo_a = ? AND photo_b = ?",
                               sorted([ids["bellflower.jpg"], ids["bellflower-small.jpg"]]))
    page = site["context"].new_page()
    page.goto(f"{site['base']}/review/{suggestion_id}")
    assert page.locator("h1").inner_text() == "The same photograph?"
    assert "smaller copy (50 %)" in page.locator(".count").inner_text()
    assert page.locator(".side-by-side img").count() == 2
    for img in page.locator(".side-by-side img").all():
        img.evaluate("img => img.decode()")
        assert img.get_attribute("alt").strip()
    assert axe_violations(page) == []
    screenshot(page, "review", readme=True)
    page.close()


def test_5_an_upload_with_a_near_copy_shows_the_match(site):
    ids, root = site["ids"], site["root"]
    statue = Image.open(root / "statue.jpg")
    statue.resize((800, 600)).save(root / "statue-phone.jpg", quality=75)
    painting(1200, 900, seed=9, spots=30).save(root / "street-sign.jpg", quality=85)
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    page.locator("input[type=file][name=photos]").set_input_files(
        [str(root / "statue-phone.jpg"), str(root / "street-sign.jpg")])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-queue .outcome-imported")).to_have_count(2, timeout=60_000)
    row = page.locator("#upload-queue li", has_text="statue-phone.jpg")
    match = row.locator(".match")
    expect(match).to_have_count(1)
    expect(match).to_contain_text(f"Looks like photo {ids['statue.jpg']}")
    expect(match.locator(".match-reason")).to_have_text("smaller copy (50 %)")
    expect(match.get_by_role("link", name=f"photo {ids['statue.jpg']}")).to_have_attribute(
        "href", re.compile(rf"/photos/{ids['statue.jpg']}$"))
    # A thumbnail of both: the new photo's and the one it looks like.
    for img in (row.locator(".outcome-thumb"), match.locator("img")):
        expect(img).to_have_count(1)
        img.evaluate("img => img.decode()")
        assert img.evaluate("img => img.naturalWidth") > 0
    other = page.locator("#upload-queue li", has_text="street-sign.jpg")
    expect(other.locator(".match")).to_have_count(0)
    summary = page.locator("#upload-summary")
    expect(summary).to_contain_text("2 imported")
    expect(summary.get_by_role("link", name="1 new suggestion to review")).to_have_attribute("href", "/review")
    assert axe_violations(page) == []
    screenshot(page, "upload-matches", readme=True)
    with page.expect_navigation():
        match.get_by_role("link", name="review").click()
    page.wait_for_url(re.compile(r"/review/clusters/\d+$"))
    assert page.locator("h1").inner_text() == "Are these 2 one photograph?"
    page.close()
