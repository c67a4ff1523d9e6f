"""A poster record in a real browser: five photos over three trips, confirmed
as shots of one poster, become one poster from the photo page ("from this
group"); its page shows the timeline by trip, first and last seen and, once
an archivist types it, the painted text; an edit is reverted from its
history; a machine draft's line is confirmed into a photo's transcription.
axe-core on each screen; docs/screenshots/poster.png, poster-timeline.png
and posters.png are taken here."""

import pytest
from e2e_support import add_archivist, axe_violations, new_context, requires_chromium, screenshot, server_and_browser
from e2e_support import run_cli as run
from support import scene

from archive import db as archive_db
from archive.dedup import decisions
from archive.transcription import drafts
from archive.transcription.choice import Reading
from archive.transcription.reader import Line

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect

SHOTS = [("2012 spring", "2012-04-03"), ("2012 spring", "2012-04-05"), ("2016 autumn", "2016-10-01"),
         ("2019 autumn", "2019-10-02"), ("2019 autumn", "2019-10-04")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("posters-e2e")
    data_dir, folder = root / "media", root / "photos"
    folder.mkdir()
    for n, (trip, _) in enumerate(SHOTS):
        scene(1200, 900, seed=300 + n).save(folder / f"itch-{n}.jpg", "JPEG", quality=85)
        run(data_dir, "import", folder / f"itch-{n}.jpg", "--trip", trip, "--tag", "set:european-street")
    scene(1200, 900, seed=390).save(folder / "beer.jpg", "JPEG", quality=85)
    run(data_dir, "import", folder / "beer.jpg", "--trip", "2016 autumn", "--tag", "set:european-street")
    db = archive_db.connect(data_dir)
    ids = [row[0] for row in db.execute("SELECT id FROM photos WHERE original_filename LIKE 'itch-%' ORDER BY id")]
    beer = db.execute("SELECT id FROM photos WHERE original_filename = 'beer.jpg'").fetchone()[0]
    for photo_id, (_, taken) in zip(ids, SHOTS):
        run(data_dir, "photos", "edit", photo_id, "--taken", taken)
    # An archivist decided on the review screen that these are shots of one poster.
    for other in ids[1:]:
        suggestion = db.execute("INSERT INTO match_suggestions (photo_a, photo_b, kind, phash_distance,"
                                " dhash_distance, created_at) VALUES (?, ?, 'related', 12, 12, '2020-01-01')",
                                [ids[0], other]).lastrowid
        decisions.decide(db, suggestion, "related", "archie")
    line = Line(box=[[300, 200], [900, 200], [900, 330], [300, 330]], vertical=False,
                readings=[Reading("THE SEVEN YEAR ITCH", 0.91, "rapidocr")])
    drafts.save(db, ids[2], drafts.Draft("rapidocr", "3.4", [line]))
    db.close()
    run(data_dir, "posters", "add", "--title", "Beer advert", "--title-ko", "맥주 광고", "--kind", "advert",
        "--set", "european-street", "--place", "bar door", "--text", "맥주", "--photo", beer)
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        context, errors = new_context(browser, base, username)
        visitor, visitor_errors = new_context(browser)
        yield {"base": base, "ids": ids, "context": context, "visitor": visitor, "errors": (errors, visitor_errors)}


def test_a_group_of_five_becomes_one_poster_with_its_timeline(site):
    page = site["context"].new_page()
    ids = site["ids"]
    page.goto(f"{site['base']}/photos/{ids[2]}")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Make a poster from this group (5 photos)").click()
    expect(page.locator(".timeline-trip")).to_have_count(3)
    trips = page.locator(".timeline-trip-name").all_inner_texts()
    assert trips == ["2012 spring", "2016 autumn", "2019 autumn"]
    assert page.locator(".timeline-photos").first.locator("li").count() == 2
    expect(page.locator(".poster-seen")).to_contain_text("first 2012-04-03, last 2019-10-04")
    site["poster_url"] = page.url

    page.get_by_text("Edit this poster").click()
    page.get_by_label("Title", exact=True).fill("The Seven Year Itch")
    page.get_by_label("Korean title").fill("7년만의 외출")
    page.get_by_label("Kind").select_option("film-poster-replica")
    page.get_by_label("Status").select_option("repainted")
    page.get_by_label("Film it replicates").select_option("the-seven-year-itch")
    page.get_by_label("Place on the set").fill("cafe wall, left of the door")
    page.get_by_label("Painted text").fill("THE SEVEN YEAR ITCH\nMarilyn Monroe · Tom Ewell")
    page.get_by_label("Translation").fill("7년만의 외출")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("The Seven Year Itch")
    expect(page.locator(".painted-text")).to_contain_text("Marilyn Monroe")
    expect(page.locator(".poster-facts")).to_contain_text("The Seven Year Itch")
    assert axe_violations(page) == []
    screenshot(page, "poster", readme=True, around=page.locator(".poster-hero"))
    screenshot(page, "poster-timeline", readme=True, around=page.locator(".timeline"))

    visitor = site["visitor"].new_page()
    visitor.goto(site["poster_url"])
    expect(visitor.locator(".painted-text")).to_contain_text("THE SEVEN YEAR ITCH")
    assert visitor.locator("#history").count() == 0
    with visitor.expect_navigation():
        visitor.get_by_role("link", name="Search its photos").click()
    query = visitor.url.split("q=", 1)[1]
    assert query.startswith("poster")
    assert visitor.request.get(f"{site['base']}/api/search?q={query}").json()["total"] == 5


def test_an_edit_is_reverted_from_the_history(site):
    page = site["context"].new_page()
    page.goto(site["poster_url"])
    page.get_by_text("Edit this poster").click()
    page.get_by_label("Status").select_option("gone")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".status")).to_have_text("gone")
    change = page.locator(".change").first
    expect(change).to_contain_text("Status")
    with page.expect_navigation():
        change.get_by_role("button", name="Revert").click()
    expect(page.locator(".status")).to_have_text("repainted")
    expect(page.locator(".change").first).to_contain_text("Reverted change")


def test_a_draft_line_is_confirmed_into_the_transcription(site):
    page = site["context"].new_page()
    photo = site["ids"][2]
    page.goto(f"{site['poster_url']}?read={photo}#draft")
    draft = page.locator("#draft")
    expect(draft.locator("polygon")).to_have_count(1)
    draft.get_by_label("Line 1", exact=True).fill("THE SEVEN YEAR ITCH!")
    with page.expect_navigation():
        draft.get_by_role("button", name="Save as the transcription").click()
    expect(page.locator("#draft")).to_contain_text("The transcription now reads: THE SEVEN YEAR ITCH!")
    page.goto(f"{site['base']}/photos/{photo}")
    expect(page.locator(".transcription")).to_have_text("THE SEVEN YEAR ITCH!")
    expect(page.locator("#history .change").first).to_contain_text("Transcription")


def test_the_posters_page_has_facets(site):
    page = site["visitor"].new_page()
    page.goto(f"{site['base']}/posters")
    expect(page.locator(".poster-card")).to_have_count(2)
    assert axe_violations(page) == []
    screenshot(page, "posters", readme=True, around=page.locator("main"))
    with page.expect_navigation():
        page.locator(".poster-facets").get_by_role("link", name="advert").click()
    expect(page.locator(".poster-card")).to_have_count(1)
    expect(page.locator(".poster-card")).to_contain_text("Beer advert")
    # Script and console errors on every page the two browsers opened (the
    # browser's own favicon request aside: the archive has none).
    assert [e for errors in site["errors"] for e in errors if "favicon.ico" not in e] == []
