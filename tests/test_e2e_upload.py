"""The upload page in a real browser: log in, send three files through
upload.js (one new, one a duplicate, one broken) and read each outcome."""

import re

import pytest
from e2e_support import add_archivist, axe_violations, new_context, requires_chromium, screenshot, server_and_browser
from support import files_under, image_bytes, scene

from archive import db as archive_db

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("upload-e2e") / "media"
    data_dir.mkdir()
    archive_db.connect(data_dir).close()
    username = add_archivist(data_dir)
    with server_and_browser(data_dir) as (base, browser):
        context, errors = new_context(browser, base, username)
        yield {"base": base, "data_dir": data_dir, "context": context, "errors": errors}


@pytest.fixture(autouse=True)
def no_script_errors(site):
    site["errors"].clear()
    yield
    assert site["errors"] == []


def test_three_files_one_duplicate_one_broken(site, tmp_path):
    base, data_dir = site["base"], site["data_dir"]
    folder = tmp_path / "batch"
    folder.mkdir()
    poster = image_bytes(scene(480, 360, seed=71))
    (folder / "poster.jpg").write_bytes(poster)
    (folder / "poster-again.jpg").write_bytes(poster)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")

    page = site["context"].new_page()
    page.goto(f"{base}/upload")
    page.get_by_label("Trip").fill("2019 autumn studio visit")
    page.get_by_label("Photographer").fill("Ri Song Hui")
    page.get_by_label("Tags").fill("set:european-street, subject:film-poster")
    # All three in one batch, sent in parallel: the copy may reach the server
    # first, so which of the two is "the duplicate" is read from the outcome.
    page.locator("input[type=file][name=photos]").set_input_files(
        [str(folder / "poster.jpg"), str(folder / "poster-again.jpg"), str(folder / "broken.jpg")])
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_until_done(page, 3)

    rows = page.locator("#upload-queue li")
    texts = {rows.nth(i).locator(".filename").inner_text(): rows.nth(i) for i in range(3)}
    assert set(texts) == {"poster.jpg", "poster-again.jpg", "broken.jpg"}

    db = archive_db.connect(data_dir)
    try:
        photo = db.execute("SELECT id, original_filename, trip, photographer, uploaded_by, source"
                           " FROM photos").fetchall()
        assert len(photo) == 1
        photo_id, stored_name, trip, photographer, uploaded_by, source = photo[0]
        assert (trip, photographer, uploaded_by, source) == ("2019 autumn studio visit", "Ri Song Hui", "archie", "web")
        tag_specs = {f"{f}:{s}" for f, s in db.execute(
            "SELECT facet, slug FROM tags JOIN photo_tags ON tags.id = tag_id WHERE photo_id = ?", [photo_id])}
        assert tag_specs == {"set:european-street", "subject:film-poster", "trip:2019-autumn-studio-visit"}
    finally:
        db.close()
    assert len([f for f in files_under(data_dir / "originals")]) == 1

    copy_name = {"poster.jpg": "poster-again.jpg", "poster-again.jpg": "poster.jpg"}[stored_name]
    imported = texts[stored_name]
    assert "outcome-imported" in imported.get_attribute("class")
    assert imported.locator(".status").inner_text() == f"Imported as photo {photo_id}"
    assert imported.locator(".status a").get_attribute("href") == f"/photos/{photo_id}"

    duplicate = texts[copy_name]
    assert "outcome-duplicate" in duplicate.get_attribute("class")
    assert duplicate.locator(".status").inner_text() == f"Duplicate of photo {photo_id}; nothing stored"
    assert duplicate.locator(".status a").get_attribute("href") == f"/photos/{photo_id}"

    broken = texts["broken.jpg"]
    assert "outcome-rejected" in broken.get_attribute("class")
    assert re.match(r"Rejected: \S", broken.locator(".status").inner_text())
    assert broken.locator(".status a").count() == 0
    for row in texts.values():
        assert row.locator("progress").get_attribute("value") == "100"

    assert page.locator("#upload-summary").inner_text() == "1 imported, 1 duplicate, 1 rejected"
    screenshot(page, "upload", readme=True)

    # The duplicate's link leads to the photo it copies.
    duplicate.locator(".status a").click()
    page.wait_for_url(f"{base}/photos/{photo_id}")
    assert stored_name in page.locator("main").inner_text()
    page.close()


def test_upload_page_has_no_serious_accessibility_problems(site):
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    assert page.locator(".dropzone").is_visible()  # upload.js ran
    assert axe_violations(page) == []
    # Tabbing to the (visually hidden) folder input shows focus on its button.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "folder-picker":
            break
    assert page.evaluate("document.activeElement.id") == "folder-picker"
    outline = page.locator("label[for=folder-picker]").evaluate(
        "label => [getComputedStyle(label).outlineStyle, parseFloat(getComputedStyle(label).outlineWidth)]")
    assert outline[0] != "none" and outline[1] >= 2, outline
    page.close()


def photo_count(data_dir):
    db = archive_db.connect(data_dir)
    try:
        return db.execute("SELECT count(*) FROM photos").fetchone()[0]
    finally:
        db.close()


def wait_until_done(page, rows):
    expect(page.locator("#upload-queue li")).to_have_count(rows)
    expect(page.locator("#upload-queue li.outcome-pending")).to_have_count(0, timeout=90_000)


def test_dropped_files_upload_and_other_files_are_skipped(site):
    before = photo_count(site["data_dir"])
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    jpeg = list(image_bytes(scene(200, 150, seed=81)))
    # What a drop from the desktop hands the page: a DataTransfer of files.
    transfer = page.evaluate_handle(
        """bytes => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], "dropped.jpg", { type: "image/jpeg" }));
            dt.items.add(new File(["just notes"], "notes.txt", { type: "text/plain" }));
            return dt;
        }""", jpeg)
    page.dispatch_event(".dropzone", "dragover", {"dataTransfer": transfer})
    page.dispatch_event(".dropzone", "drop", {"dataTransfer": transfer})
    assert page.locator(".dropzone .chosen").inner_text() == "1 photo chosen"
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_until_done(page, 2)
    rows = {r.locator(".filename").inner_text(): r.locator(".status").inner_text()
            for r in page.locator("#upload-queue li").all()}
    assert rows["notes.txt"] == "Skipped: not a photo file"
    assert re.fullmatch(r"Imported as photo \d+", rows["dropped.jpg"])
    assert photo_count(site["data_dir"]) == before + 1
    page.close()


def test_a_whole_folder_through_the_folder_picker(site, tmp_path):
    before = photo_count(site["data_dir"])
    folder = tmp_path / "trip-2019"
    (folder / "day-2").mkdir(parents=True)
    (folder / "gate.jpg").write_bytes(image_bytes(scene(200, 150, seed=91)))
    (folder / "day-2" / "cafe.png").write_bytes(image_bytes(scene(200, 150, seed=92), "PNG"))
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    page.locator("#folder-picker").set_input_files(str(folder))
    assert page.locator(".dropzone .chosen").inner_text() == "2 photos chosen"
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_until_done(page, 2)
    names = sorted(page.locator("#upload-queue li .filename").all_inner_texts())
    assert names == ["trip-2019/day-2/cafe.png", "trip-2019/gate.jpg"]
    assert page.locator("#upload-queue li.outcome-imported").count() == 2
    assert photo_count(site["data_dir"]) == before + 2
    page.close()


def test_two_hundred_files_a_few_at_a_time_and_one_bad_file_stops_nothing(site, tmp_path):
    before = photo_count(site["data_dir"])
    paths = []
    for i in range(200):
        path = tmp_path / f"shot-{i:03}.jpg"
        if i == 57:
            path.write_bytes(b"not a photo at all")
        else:
            path.write_bytes(image_bytes(scene(64, 48, seed=1000 + i), quality=70))
        paths.append(str(path))
    page = site["context"].new_page()
    # Count uploads in flight inside the page: a request is done when its
    # readyState reaches 4, which comes before upload.js hears of it.
    page.add_init_script("""(() => {
        let now = 0;
        window.mostUploadsAtOnce = 0;
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
            now += 1;
            window.mostUploadsAtOnce = Math.max(window.mostUploadsAtOnce, now);
            this.addEventListener("readystatechange", () => { if (this.readyState === 4) now -= 1; });
            return send.call(this, body);
        };
    })();""")
    page.goto(f"{site['base']}/upload")
    page.locator("input[type=file][name=photos]").set_input_files(paths)
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_until_done(page, 200)
    # (Tiny pictures made alike may also find each other: "... 2 new suggestions to review".)
    assert page.locator("#upload-summary").inner_text().startswith("199 imported, 0 duplicates, 1 rejected")
    bad = page.locator("#upload-queue li.outcome-rejected")
    assert bad.locator(".filename").inner_text() == "shot-057.jpg"
    assert photo_count(site["data_dir"]) == before + 199
    # Parallel, but never more than upload.js's three at once.
    assert 2 <= page.evaluate("window.mostUploadsAtOnce") <= 3
    page.close()


def test_leaving_mid_batch_warns_first(site, tmp_path):
    """With files still waiting, leaving the page raises the browser's 'leave
    site?' question (a beforeunload dialog)."""
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    paths = []
    for i in range(12):
        path = tmp_path / f"many-{i}.jpg"
        path.write_bytes(image_bytes(scene(1600, 1200, seed=100 + i)))
        paths.append(str(path))
    # Hold every upload on its way to the server, so the batch is surely
    # still going when the visitor leaves, however fast the machine.
    held = []

    def hold(route):
        held.append(route)

    page.route("**/api/uploads", hold)
    page.locator("input[type=file][name=photos]").set_input_files(paths)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-summary")).to_contain_text("12 still to go")
    with page.expect_event("dialog", timeout=10_000) as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay on the page
    assert not page.is_closed()
    page.unroute("**/api/uploads", hold)
    page.close()
