"""Browse by subject, with counts, and alt text made from tags (no browser)."""

import html as html_text
import re

import pytest
from search_archive import build
from support import logged_in_client

from archive import create_app


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("browse")
    db = build(root / "media", root / "made")
    # Photo 1 loses its caption: its alt text must then come from its tags.
    db["photos"].update(1, {"caption": ""})
    app = create_app({"DATA_DIR": root / "media", "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False})
    from archive.accounts import auth

    archivist = auth.add_user(db, "archie", "correct horse battery staple", "archivist")
    yield {"app": app, "visitor": app.test_client(), "archivist": logged_in_client(app, archivist)}
    db.close()


def items(html):
    return [html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip())
            for li in re.findall(r"<li(?: class=\"[^\"]*\")?>(.*?)</li>", html, re.S)]


def test_subjects_page_lists_every_subject_with_its_count(archive):
    html = archive["visitor"].get("/subjects").get_data(as_text=True)
    lines = items(html)
    assert "Film poster 영화 포스터 1 photo" in lines
    assert "Statue 동상 1 photo" in lines
    # The private advert is not counted for a visitor.
    assert "Hand-painted advert 손으로 그린 광고 1 photo" in lines
    assert "Costume 의상 0 photos" in lines
    archivist_lines = items(archive["archivist"].get("/subjects").get_data(as_text=True))
    assert "Hand-painted advert 손으로 그린 광고 2 photos" in archivist_lines


def test_a_subject_page_shows_its_photos_and_count(archive):
    response = archive["visitor"].get("/subjects/advert")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Hand-painted advert</h1>" in html and '<p id="results-count" class="count">1 photo</p>' in html
    assert re.findall(r'href="/photos/(\d+)(?:\?[^"]*)?" data-lightbox', html) == ["8"]
    archivist_html = archive["archivist"].get("/subjects/advert").get_data(as_text=True)
    assert sorted(re.findall(r'href="/photos/(\d+)(?:\?[^"]*)?" data-lightbox', archivist_html)) == ["7", "8"]


def test_an_unknown_subject_is_404(archive):
    response = archive["visitor"].get("/subjects/no-such-thing")
    assert response.status_code == 404
    assert "no-such-thing" in response.get_data(as_text=True)


def test_sets_page_says_how_many_photos(archive):
    lines = items(archive["visitor"].get("/sets").get_data(as_text=True))
    assert "Studio entrance plaza 정문 광장 2 photos Statues and mosaics in the square before the studio's gate." in lines, lines
    assert "Colonial-era Korean street 일제강점기 거리 0 photos Korea under Japanese rule (1910–1945): shop signs in Hangul, Japanese and Chinese characters side by side." in lines


def test_alt_text_from_tags_when_there_is_no_caption(archive):
    for path in ("/", "/photos/1", "/search?q=set:european-street", "/subjects/film-poster"):
        html = archive["visitor"].get(path).get_data(as_text=True)
        assert 'alt="Film poster, The Flower Girl — European street"' in html, path
    # A caption still wins.
    assert 'alt="Replica of The Seven Year Itch poster"' in archive["visitor"].get("/").get_data(as_text=True)
