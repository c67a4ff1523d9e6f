"""The upload page in a real browser: log in, send three files through
upload.js (one new, one a duplicate, one broken) and read each outcome."""

import re

import pytest

from archive import db as archive_db
from conftest import files_under, image_bytes, scene
from e2e_support import (add_archivist, axe_violations, launch, log_in, requires_chromium, screenshot, server_env,
                         sync_playwright, VIEWPORT)
from servers import gunicorn

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("upload-e2e") / "media"
    data_dir.mkdir()
    archive_db.connect(data_dir).close()
    username = add_archivist(data_dir)
    with gunicorn(data_dir, workers=3, env=server_env()) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=VIEWPORT)
        log_in(context, base, username)
        yield {"base": base, "data_dir": data_dir, "context": context}
        browser.close()


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
    # The new file first on its own, so the copy after it is certainly a duplicate.
    page.locator("input[type=file][name=photos]").set_input_files(str(folder / "poster.jpg"))
    page.get_by_role("button", name="Upload", exact=True).click()
    first = page.locator("#upload-queue li").nth(0)
    first.locator(".status a").wait_for()
    page.locator("input[type=file][name=photos]").set_input_files(
        [str(folder / "poster-again.jpg"), str(folder / "broken.jpg")])
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_function("document.querySelectorAll('#upload-queue li.outcome-pending').length === 0"
                           " && document.querySelectorAll('#upload-queue li').length === 3")

    rows = page.locator("#upload-queue li")
    texts = {rows.nth(i).locator(".filename").inner_text(): rows.nth(i) for i in range(3)}
    assert set(texts) == {"poster.jpg", "poster-again.jpg", "broken.jpg"}

    db = archive_db.connect(data_dir)
    try:
        photo = db.execute("SELECT id, trip, photographer, uploaded_by, source FROM photos").fetchall()
        assert len(photo) == 1
        photo_id, trip, photographer, uploaded_by, source = photo[0]
        assert (trip, photographer, uploaded_by, source) == ("2019 autumn studio visit", "Ri Song Hui", "archie", "web")
        tag_specs = {f"{f}:{s}" for f, s in db.execute(
            "SELECT facet, slug FROM tags JOIN photo_tags ON tags.id = tag_id WHERE photo_id = ?", [photo_id])}
        assert tag_specs == {"set:european-street", "subject:film-poster", "trip:2019-autumn-studio-visit"}
    finally:
        db.close()
    assert len([f for f in files_under(data_dir / "originals")]) == 1

    imported = texts["poster.jpg"]
    assert "outcome-imported" in imported.get_attribute("class")
    assert imported.locator(".status").inner_text() == f"Imported as photo {photo_id}"
    assert imported.locator(".status a").get_attribute("href") == f"/photos/{photo_id}"

    duplicate = texts["poster-again.jpg"]
    assert "outcome-duplicate" in duplicate.get_attribute("class")
    assert duplicate.locator(".status").inner_text() == f"Duplicate of photo {photo_id}; nothing stored"
    assert duplicate.locator(".status a").get_attribute("href") == f"/photos/{photo_id}"

    broken = texts["broken.jpg"]
    assert "outcome-rejected" in broken.get_attribute("class")
    assert re.match(r"Rejected: \S", broken.locator(".status").inner_text())
    assert broken.locator(".status a").count() == 0
    for row in texts.values():
        assert row.locator("progress").get_attribute("value") == "100"

    assert page.locator("#upload-summary").inner_text() == "1 imported, 1 duplicates, 1 rejected"
    screenshot(page, "upload", readme=True)

    # The duplicate's link leads to the photo it copies.
    duplicate.locator(".status a").click()
    page.wait_for_url(f"{base}/photos/{photo_id}")
    assert "poster.jpg" in page.locator("main").inner_text()
    page.close()


def test_upload_page_has_no_serious_accessibility_problems(site):
    page = site["context"].new_page()
    page.goto(f"{site['base']}/upload")
    assert page.locator(".dropzone").is_visible()  # upload.js ran
    assert axe_violations(page) == []
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
    page.locator("input[type=file][name=photos]").set_input_files(paths)
    page.get_by_role("button", name="Upload", exact=True).click()
    assert "still to go" in page.locator("#upload-summary").inner_text()
    with page.expect_event("dialog", timeout=10_000) as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay on the page
    assert not page.is_closed()
