"""The archivists' screens in Korean, in Chromium: a photo's edit form and
history, the review queue and a group, the posters and a poster with its form, the
vocabulary and the upload page (through upload.js, which writes its own
words) show no English interface words, nothing spills sideways at 1366 or
390 px, and no script fails; the README's Korean edit form and poster page
(ARCHIVE_README_SHOTS=1).

Everything the archive holds here is written in Korean (titles, trips,
photographer, file names), so an English word of four letters or more on
these pages is an interface word that escaped translation."""

import re

import pytest
from e2e_support import (
    add_archivist,
    collect_errors,
    log_in,
    requires_chromium,
    screenshot,
    server_and_browser,
    visible_strings,
)
from e2e_support import run_cli as run
from support import scene, template_poster

from archive import db as archive_db
from archive.catalogue import editing

pytestmark = requires_chromium
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra").expect

WIDTHS = {"wide": 1366, "phone": 390}
# Words that read the same in either language: formats, standards, and the
# search language's own words (set:, subject:, taken:) in examples.
SAME_IN_BOTH = re.compile(r"""(?<![A-Za-z])(?:JPEG|IIIF|JSON|CSV|API|OpenAPI|SHA|EXIF|Enter|Mirador|Universal\ Viewer)
                           (?![A-Za-z])             # a Korean particle may follow: Mirador나
                           | https?://\S+ | (?:/[\w.-]+)+   # an address, a path
                           | [a-z_]+:[\w.…"-]*     # the search language: set:european-street
                           """, re.VERBOSE)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("korean-e2e")
    data_dir, folder = root / "media", root / "사진"
    folder.mkdir()
    # One poster on a wall in three copies (a review group) and another photo of the street.
    wall = scene(1600, 1200, seed=41)
    wall.paste(template_poster(7).resize((700, 1000)), (450, 100))
    wall.save(folder / "포스터-원본.jpg", quality=90)
    wall.resize((800, 600)).save(folder / "포스터-작은-사본.jpg", quality=80)
    wall.convert("L").save(folder / "포스터-흑백.jpg", quality=85)
    scene(1200, 900, seed=42).save(folder / "거리.jpg", quality=85)
    run(data_dir, "import", folder, "--trip", "2019년 가을 답사", "--photographer", "김사진",
        "--tag", "set:european-street", "--tag", "subject:film-poster", "--workers", "1")
    db = archive_db.connect(data_dir)
    ids = {name: i for i, name in db.execute("SELECT id, original_filename FROM photos")}
    photo = ids["포스터-원본.jpg"]
    editing.edit_photo(db, photo, {"title_ko": "꽃 파는 처녀 포스터", "caption_ko": "유럽 거리 극장 앞의 포스터",
                                   "transcription": "꽃 파는 처녀", "taken_at": "2019-10-03"}, "archie")
    editing.edit_photo(db, photo, {"title_ko": "꽃파는 처녀 포스터"}, "archie")
    for name in ids:
        db.execute("UPDATE photos SET title = '', title_ko = ? WHERE id = ? AND title_ko = ''", [name[:-4], ids[name]])
    db.commit()
    db.close()
    run(data_dir, "posters", "add", "--title-ko", "꽃 파는 처녀", "--kind", "film-poster-replica",
        "--set", "european-street", "--place", "극장 정문 왼쪽", "--text", "꽃 파는 처녀", "--translation",
        "꽃을 파는 처녀", "--photo", photo)
    username = add_archivist(data_dir, "kim")
    db = archive_db.connect(data_dir)
    # The vocabulary's own English labels and slugs (the tags page lists them beside the Korean ones), and
    # the command line's user, who made the poster and the first edits.
    vocabulary = {text for row in db.query("SELECT label, slug FROM tags") for text in (row["label"], row["slug"])}
    db.close()
    content = {username, "root", "archie"} | set(ids) | vocabulary
    with server_and_browser(data_dir) as (base, browser):
        yield {"base": base, "browser": browser, "username": username, "photo": photo, "ids": ids,
               "content": content, "root": root}


def korean_context(site, width):
    context = site["browser"].new_context(viewport={"width": WIDTHS[width], "height": 900})
    errors = collect_errors(context)
    log_in(context, site["base"], site["username"])  # through the English form, then Korean by the switch's cookie
    context.add_cookies([{"name": "lang", "value": "ko", "url": site["base"]}])
    return context, errors


def english_words(page, site):
    """English words of four letters or more in the page's visible text,
    leaving out the archive's own data and words the same in both languages."""
    found = set()
    for text in visible_strings(page):
        if text in site["content"]:
            continue
        found |= set(re.findall(r"[A-Za-z]{4,}", SAME_IN_BOTH.sub(" ", text)))
    return sorted(found)


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def open_photo_editor(page, site):
    page.goto(f"{site['base']}/photos/{site['photo']}")
    page.get_by_text("정보 편집").click()
    expect(page.get_by_label("한국어 제목")).to_have_value("꽃파는 처녀 포스터")
    page.locator("#tags-heading").scroll_into_view_if_needed()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_archivists_screens_in_korean_have_no_english_words(site, width):
    context, errors = korean_context(site, width)
    page = context.new_page()
    found = {}

    open_photo_editor(page, site)
    expect(page.locator("#history .change").first).to_contain_text("한국어 제목")
    found["photo"] = (english_words(page, site), overflow(page))

    page.goto(f"{site['base']}/review")
    expect(page.locator(".cluster-card").first).to_be_visible()
    found["review"] = (english_words(page, site), overflow(page))
    page.locator(".cluster-card").first.click()
    page.wait_for_load_state()
    page.get_by_text("키보드").click()
    expect(page.locator("#tally")).to_contain_text("같은 사진")
    page.keyboard.press("2")  # the second photo (the first is the primary) is another shot:
    page.keyboard.press("r")  # review.js writes the tally again
    expect(page.locator("#tally")).to_contain_text("다른 촬영 1장")
    found["cluster"] = (english_words(page, site), overflow(page))

    page.goto(f"{site['base']}/posters")
    expect(page.locator(".poster-facets")).to_contain_text("유럽 거리")
    found["posters"] = (english_words(page, site), overflow(page))
    page.get_by_role("link", name="꽃 파는 처녀").first.click()
    page.wait_for_load_state()
    page.get_by_text("포스터 편집").click()
    found["poster"] = (english_words(page, site), overflow(page))

    page.goto(f"{site['base']}/tags")
    found["tags"] = (english_words(page, site), overflow(page))

    page.goto(f"{site['base']}/upload")
    page.get_by_role("button", name="올리기", exact=True).click()
    expect(page.locator("#upload-summary")).to_have_text("먼저 사진을 고르거나 끌어다 놓으세요.")
    new_photo = site["root"] / f"새-사진-{width}.jpg"  # new on each run of this test
    scene(900, 700, seed=43 + len(width)).save(new_photo, quality=85)
    page.locator("input[type=file][name=photos]").set_input_files([new_photo, site["root"] / "사진" / "거리.jpg"])
    expect(page.locator(".dropzone .chosen")).to_have_text("사진 2장 고름")
    page.get_by_role("button", name="올리기", exact=True).click()
    expect(page.locator("#upload-summary")).to_have_text("가져옴 1, 중복 1, 거부 0")
    site["content"].add(new_photo.name)
    found["upload"] = (english_words(page, site), overflow(page))

    assert found == {name: ([], 0) for name in found}
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_of_the_korean_edit_form_and_poster_page(site, width):
    context, errors = korean_context(site, width)
    page = context.new_page()
    open_photo_editor(page, site)
    page.wait_for_load_state("networkidle")
    screenshot(page, f"photo-edit-{width}-ko", readme=True, around=page.locator("#edit"))
    page.goto(f"{site['base']}/posters")
    page.get_by_role("link", name="꽃 파는 처녀").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"poster-{width}-ko", readme=True)
    assert errors == []
    context.close()

