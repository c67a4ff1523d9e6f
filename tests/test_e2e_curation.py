"""The archivist's day in a real browser: give a photo English and Korean
titles and captions in the form that opens in place, find it by a word of
its new caption at once, revert a change from its history; a stack of
copies shows once in the gallery and search and twice after the decision
is undone; publish 20 photos at once from search results; an upload with a
tag the vocabulary lacks loses no file and creates nothing unasked, and
one click creates the film. axe-core on each screen; the screenshots of
docs/screenshots/ are taken here."""

import re

import pytest
from e2e_support import add_archivist, axe_violations, new_context, requires_chromium, screenshot, server_and_browser
from e2e_support import run_cli as run
from support import files_under, scene

from archive import db as archive_db
from archive.dedup import decisions

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("curation-e2e")
    data_dir, folder = root / "media", root / "photos"
    (folder / "spring").mkdir(parents=True)
    poster = scene(1600, 1200, seed=7)
    poster.save(folder / "flower-girl.jpg", "JPEG", quality=90)
    poster.resize((800, 600)).save(folder / "flower-girl-small.jpg", "JPEG", quality=70)
    scene(1200, 900, seed=8).save(folder / "statue.jpg", "JPEG", quality=90)
    for i in range(20):
        scene(480, 360, seed=200 + i).save(folder / "spring" / f"IMG_{3100 + i}.jpg", "JPEG", quality=80)
    run(data_dir, "import", folder / "flower-girl.jpg", "--trip", "2019 autumn", "--tag", "set:european-street",
        "--tag", "subject:film-poster", "--photographer", "Ri Song Hui")
    run(data_dir, "import", folder / "flower-girl-small.jpg", "--trip", "2019 autumn",
        "--tag", "film:the-flower-girl")
    run(data_dir, "import", folder / "statue.jpg", "--trip", "2019 autumn", "--tag", "subject:statue")
    run(data_dir, "import", folder / "spring", "--trip", "2019 spring", "--tag", "set:chinese-street",
        "--tag", "subject:shop-sign")
    db = archive_db.connect(data_dir)
    ids = {name: i for i, name in db.execute("SELECT id, original_filename FROM photos")}
    spring = [i for name, i in ids.items() if name.startswith("IMG_")]
    db.close()
    run(data_dir, "unpublish", *spring)
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        context, errors = new_context(browser, base, username)
        visitor, visitor_errors = new_context(browser)
        yield {"base": base, "data_dir": data_dir, "folder": folder, "context": context, "visitor": visitor,
               "ids": ids, "spring": spring, "errors": errors + visitor_errors, "all_errors": (errors, visitor_errors)}


@pytest.fixture(autouse=True)
def no_script_errors(site):
    for errors in site["all_errors"]:
        errors.clear()
    yield
    assert site["all_errors"][0] == [] and site["all_errors"][1] == []


def db_of(site):
    return archive_db.connect(site["data_dir"])


def test_edit_in_place_in_english_and_korean_find_it_at_once_then_revert(site):
    base, photo_id = site["base"], site["ids"]["statue.jpg"]
    page = site["context"].new_page()
    page.goto(f"{base}/photos/{photo_id}")
    assert not page.locator(".edit-form").is_visible()
    page.get_by_text("Edit details").click()  # opens in place, under the title
    form = page.locator(".edit-form")
    expect(form).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Statue of the film workers")
    page.get_by_label("Korean title").fill("영화 노동자 동상")
    page.get_by_role("textbox", name="Caption", exact=True).fill("Bronze figures before the studio gate, garlanded with paper lanterns")
    page.get_by_label("Korean caption").fill("촬영소 정문 앞의 청동상")
    page.get_by_label("Date taken").fill("2019-10")
    page.get_by_label("Photographer").fill("Kim Ok")
    assert axe_violations(page) == []
    screenshot(page, "photo-edit", readme=True, around=page.locator(".archivist-tools"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flashes")).to_contain_text("Saved: title, Korean title, caption, Korean caption")
    assert page.locator("h1").inner_text() == "Statue of the film workers"
    assert page.locator(".title-other").inner_text() == "영화 노동자 동상"
    assert page.locator(".title-other").get_attribute("lang") == "ko"
    expect(page.locator(".caption-section")).to_contain_text("촬영소 정문 앞의 청동상")
    expect(page.locator(".facts")).to_contain_text("October 2019")

    # The very first search after saving finds a word only the new caption has.
    page.goto(f"{base}/search?q=lanterns")
    assert page.locator(f".search-grid a[data-lightbox][href^='/photos/{photo_id}?']").count() == 1
    page.goto(f"{base}/search?q=" + "청동상")
    assert page.locator(f".search-grid a[data-lightbox][href^='/photos/{photo_id}?']").count() == 1

    # A second change, then the history: two changes, the newest reverted.
    page.goto(f"{base}/photos/{photo_id}")
    page.get_by_text("Edit details").click()
    page.get_by_role("textbox", name="Caption", exact=True).fill("Bronze figures before the studio gate")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    history = page.locator("#history")
    expect(history.locator(".change")).to_have_count(2)
    newest = history.locator(".change").first
    expect(newest.locator("del")).to_have_text("Bronze figures before the studio gate, garlanded with paper lanterns")
    assert "by archie" in newest.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "history", readme=True, around=history)
    with page.expect_navigation():
        newest.get_by_role("button", name=re.compile("Revert change")).click()
    expect(page.locator(".flashes")).to_contain_text("reverted")
    expect(page.locator(".caption-section")).to_contain_text("garlanded with paper lanterns")
    expect(history.locator(".change")).to_have_count(3)
    expect(history.locator(".change").first).to_contain_text("Reverted change")
    expect(history.locator(".change.is-reverted")).to_have_count(1)
    page.goto(f"{base}/search?q=lanterns")
    assert page.locator(f".search-grid a[data-lightbox][href^='/photos/{photo_id}?']").count() == 1
    page.close()


def test_a_stack_shows_once_in_the_gallery_and_search_and_twice_after_undo(site):
    base, ids = site["base"], site["ids"]
    big, small = ids["flower-girl.jpg"], ids["flower-girl-small.jpg"]
    db = db_of(site)
    try:
        suggestion = decisions.suggestion_of(db, big, small)
        assert suggestion is not None  # the import found the smaller copy
        decision = decisions.decide(db, suggestion, "duplicate", "archie", primary_id=big)
    finally:
        db.close()
    page = site["visitor"].new_page()
    page.goto(f"{base}/")
    cards = page.locator(".grid .card")
    hrefs = cards.locator("a[data-lightbox]").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('?')[0])")
    assert f"/photos/{big}" in hrefs and f"/photos/{small}" not in hrefs
    badge = page.locator(f".card:has(a[href^='/photos/{big}?']) .versions-badge")
    expect(badge).to_have_text("2 versions")
    page.goto(f"{base}/search?q=flower")  # "flower" is in the copy's film tag only
    expect(page.locator(".search-grid .card")).to_have_count(1)
    expect(page.locator("#results-count")).to_have_text("1 photo")
    assert axe_violations(page) == []
    page.locator(".versions-badge").click()
    page.wait_for_url(f"{base}/photos/{big}#versions-heading")
    expect(page.locator(".versions .version-list li")).to_have_count(2)
    db = db_of(site)
    try:
        decisions.undo(db, decision["id"], "archie")
    finally:
        db.close()
    page.goto(f"{base}/search?q=set:european-street OR film:the-flower-girl")
    expect(page.locator(".search-grid .card")).to_have_count(2)
    page.goto(f"{base}/")
    hrefs = page.locator(".grid .card a[data-lightbox]").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('?')[0])")
    assert {f"/photos/{big}", f"/photos/{small}"} <= set(hrefs)
    assert page.locator(".versions-badge").count() == 0
    page.close()


def test_publish_twenty_photos_at_once_from_search_results(site):
    base, spring = site["base"], site["spring"]
    visitor = site["visitor"].new_page()
    visitor.goto(f"{base}/search?q=IMG")  # in the file names of the private batch only
    expect(visitor.locator("#results-count")).to_have_text("0 photos")
    page = site["context"].new_page()
    page.goto(f"{base}/search?q=trip:2019-spring is:private")
    expect(page.locator("#results-count")).to_have_text("20 photos")
    page.get_by_role("button", name="Tick all on this page").click()
    expect(page.locator("[data-ticked-count]")).to_have_text("(20 ticked)")
    page.get_by_label("Tags to add or remove").fill("keyword:spring-batch")
    assert axe_violations(page) == []
    screenshot(page, "bulk-edit", readme=True, around=page.locator("main"))
    page.get_by_label("Tags to add or remove").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("20 photos now public")
    expect(page.locator("#results-count")).to_have_text("0 photos")  # none private any more
    visitor.goto(f"{base}/search?q=IMG")
    expect(visitor.locator("#results-count")).to_have_text("20 photos")
    # Set a field on everything the search finds, in one change.
    page.goto(f"{base}/search?q=trip:2019-spring")
    page.locator("input[name=scope][value=query]").check()
    page.get_by_label("Field").select_option("photographer")
    page.get_by_label("Value").fill("Kim Ok")
    with page.expect_navigation():
        page.get_by_role("button", name="Set value", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Photographer set on 20 photos")
    db = db_of(site)
    try:
        assert db.execute("SELECT count(*) FROM photos WHERE is_public = 1 AND photographer = 'Kim Ok'"
                          f" AND id IN ({','.join('?' * len(spring))})", spring).fetchone()[0] == 20
    finally:
        db.close()
    visitor.close()
    page.close()


def test_an_unknown_film_loses_no_file_and_one_click_creates_it(site, tmp_path):
    base, data_dir = site["base"], site["data_dir"]
    files = []
    for i in range(3):
        path = tmp_path / f"sea-of-blood-{i}.jpg"
        scene(640, 480, seed=300 + i).save(path, "JPEG", quality=85)
        files.append(str(path))
    db = db_of(site)
    try:
        photos_before = db.execute("SELECT count(*) FROM photos").fetchone()[0]
        tags_before = db.execute("SELECT count(*) FROM tags").fetchone()[0]
    finally:
        db.close()
    page = site["context"].new_page()
    page.goto(f"{base}/upload")
    page.get_by_label("Trip").fill("2019 Autumn")  # the existing trip, another case
    page.get_by_label("Tags").fill("film:Sea of Blood, set:european-street")
    page.get_by_label("Tags").dispatch_event("change")
    page.locator("input[type=file][name=photos]").set_input_files(files)
    check = page.locator("#tags-check .tag-problem")
    expect(check).to_contain_text("No film “Sea of Blood” in the vocabulary yet.")
    expect(page.get_by_label("Tags")).to_have_attribute("aria-invalid", "true")

    # Upload: nothing is sent while a tag would not be applied, and the files stay chosen.
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-check")).to_contain_text("would not be applied: film:Sea of Blood")
    expect(page.locator("#upload-check")).to_contain_text("The photos join the trip “2019 autumn”.")
    expect(page.locator("#upload-summary")).to_have_text("Nothing sent yet: see the note above the Upload button.")
    assert page.locator("#upload-queue li").count() == 0
    expect(page.locator(".dropzone .chosen")).to_have_text("3 photos chosen")
    assert axe_violations(page) == []
    screenshot(page, "upload-tags", readme=True, around=page.locator("main"))
    db = db_of(site)
    try:
        assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == photos_before
        assert db.execute("SELECT count(*) FROM tags").fetchone()[0] == tags_before  # nothing created unasked
    finally:
        db.close()

    # One click creates the film; the upload then goes with every tag.
    page.get_by_role("button", name="Create film “Sea of Blood”").click()
    expect(page.locator("#tags-check .tag-made")).to_have_text("Created film “Sea of Blood”.")
    expect(page.get_by_label("Tags")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-queue li")).to_have_count(3)
    expect(page.locator("#upload-queue li.outcome-imported")).to_have_count(3, timeout=90_000)
    expect(page.locator("#upload-queue li img.outcome-thumb")).to_have_count(3)
    for image in page.locator("#upload-queue li img.outcome-thumb").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    db = db_of(site)
    try:
        rows = db.execute("SELECT id, trip FROM photos WHERE original_filename LIKE 'sea-of-blood-%'").fetchall()
        assert len(rows) == 3 and {trip for _, trip in rows} == {"2019 autumn"}
        for photo_id, _ in rows:
            slugs = {s for (s,) in db.execute("SELECT tags.slug FROM photo_tags JOIN tags ON tags.id = tag_id"
                                              " WHERE photo_id = ?", [photo_id])}
            assert {"sea-of-blood", "european-street", "2019-autumn"} <= slugs
    finally:
        db.close()

    # Another unknown film, uploaded without it: every file goes in, the row says what was not applied.
    page.goto(f"{base}/upload")
    page.get_by_label("Tags").fill("film:Nowhere Film")
    extra = tmp_path / "nowhere.jpg"
    scene(320, 240, seed=399).save(extra, "JPEG")
    page.locator("input[type=file][name=photos]").set_input_files([str(extra)])
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_role("button", name="Upload without it").click()
    expect(page.locator("#upload-queue li.outcome-imported")).to_have_count(1, timeout=90_000)
    expect(page.locator("#upload-queue li .warning").last).to_contain_text("tag film:Nowhere Film was not applied")
    db = db_of(site)
    try:
        assert db.execute("SELECT count(*) FROM tags WHERE slug = 'nowhere-film'").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM photos WHERE original_filename = 'nowhere.jpg'").fetchone()[0] == 1
    finally:
        db.close()
    assert files_under(data_dir / "tmp") == []
    page.close()


def test_turning_a_photo_from_its_page(site):
    base, photo_id = site["base"], site["ids"]["statue.jpg"]
    page = site["context"].new_page()
    page.goto(f"{base}/photos/{photo_id}")
    image = page.locator(".photo-stage img")
    width, height = int(image.get_attribute("width")), int(image.get_attribute("height"))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn 90° clockwise").click()
    expect(page.locator(".turn-state")).to_have_text("Orientation: turned 90° clockwise")
    image = page.locator(".photo-stage img")
    assert (int(image.get_attribute("width")), int(image.get_attribute("height"))) == (height, width)
    image.evaluate("img => img.decode()")
    assert image.evaluate("img => img.naturalHeight > img.naturalWidth")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn 90° anticlockwise").click()
    expect(page.locator(".turn-state")).to_have_text("Orientation: as the file says")
    page.close()
