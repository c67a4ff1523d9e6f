"""The visitor's collection without a browser: the interface in Korean and
English (every template string translated, the switch, Accept-Language,
dates and labels per language), previous/next within the list a photo was
reached from, chips, did-you-mean, films and trips, error pages, the
favicon, manifest and API page."""

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from search_archive import PUBLIC, build

from archive import create_app
from archive.catalogue import vocabulary

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "archive" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("visitors")
    db = build(root / "media", root / "made")
    app = create_app({"DATA_DIR": root / "media", "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "PER_PAGE": 2})
    yield {"app": app, "db": db}
    db.close()


@pytest.fixture
def client(archive):
    return archive["app"].test_client()


def korean(client):
    client.get("/language/ko")
    return client


def interface_messages():
    """Every message of the templates and views, extracted as pybabel does with babel.cfg."""
    found = set()
    methods = [("archive/web/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), methods, keywords=keywords):
        found.add(message)
    return found


def test_every_interface_string_has_a_korean_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="ko")
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    messages = interface_messages()
    assert len(messages) > 150
    missing = [m for m in messages if not translated.get(m) or not all(translated[m])]
    assert missing == []
    for message in messages:  # placeholders survive translation
        source = " ".join(message) if isinstance(message, tuple) else message
        target = " ".join(translated[message]) if isinstance(translated[message], tuple) else translated[message]
        assert set(re.findall(r"%\(\w+\)s", source)) >= set(re.findall(r"%\(\w+\)s", target)), message


def test_accept_language_picks_korean_at_first_visit_and_the_switch_remembers(client):
    page = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).text
    assert '<html lang="ko">' in page and "<h1>갤러리</h1>" in page and ">English</a>" in page
    switched = client.get("/language/en?next=/sets", headers={"Accept-Language": "ko"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/sets"
    assert "lang=en" in switched.headers["Set-Cookie"]
    page = client.get("/", headers={"Accept-Language": "ko"}).text
    assert '<html lang="en">' in page and "<h1>Gallery</h1>" in page and 'lang="ko" hreflang="ko">한국어</a>' in page
    # Only a path of this site is a place to go back to.
    assert client.get("/language/ko?next=//evil.example/x").headers["Location"] == "/"


def test_a_korean_photo_page_writes_dates_labels_and_citation_the_korean_way(client):
    page = korean(client).get("/photos/1").text
    assert "2016년 5월 3일" in page
    assert "<dt>세트</dt>" in page and ">유럽 거리</a>" in page
    assert '<span class="other-label" lang="en">European street</span>' in page
    assert "촬영소 포스터 아카이브, 사진 1." in page
    english = client.get("/language/en") and client.get("/photos/1").text
    assert "3 May 2016, 10:00" in english and ">European street</a>" in english


def test_previous_and_next_walk_a_search_in_its_order_and_lead_back_to_its_page(client):
    listing = "/search?q=subject:advert OR set:entrance-plaza&sort=taken"
    found = client.get(listing.replace(" ", "%20")).text
    first = int(re.search(r'href="/photos/(\d+)\?in=', found).group(1))
    walked, url = [], f"/photos/{first}?in=" + listing.replace(" ", "%20").replace("&", "%26")
    while url:
        page = client.get(url).text
        walked.append(int(re.search(r"Backlot poster archive, photo (\d+)\.", page).group(1)))
        step = re.search(r'<a rel="next" data-key="ArrowRight" href="([^"]+)"', page)
        url = step.group(1).replace("&amp;", "&") if step else None
    # Statue (2017), advert (2018), mosaic (2019): the public ones, by date taken.
    assert walked == [3, 8, 4]
    last = client.get("/photos/4?in=" + listing.replace(" ", "%20").replace("&", "%26")).text
    assert "3 of 3" in last
    # Per page 2: the third photo is on the second page of the results.
    back = re.search(r'<a class="back" href="([^"]+)"', last).group(1).replace("&amp;", "&")
    assert back.startswith("/search?") and "page=2" in back and back.endswith("#photo-4")


def test_a_photo_reached_without_a_list_has_no_list_navigation(client):
    page = client.get("/photos/1?in=https://elsewhere.example/").text
    assert 'class="list-nav"' not in page


def test_chips_name_each_filter_and_remove_it(client):
    page = client.get("/search?q=set:european-street%20poster&sort=newest").text
    chips = re.findall(r'<span>([^<]+)</span>\s*<a href="([^"]+)" class="chip-remove"', page)
    assert [(label, href.replace("&amp;", "&")) for label, href in chips] == [
        ("Set: European street", "/search?q=poster&sort=newest"),
        ("“poster”", "/search?q=set:european-street&sort=newest"),
    ]
    assert 'class="chips"' not in client.get("/search?q=statue%20OR%20mosaic").text


@pytest.mark.parametrize("typed", ["europen-street", "europian street", "유렵 거리"])
def test_a_tag_typo_suggests_the_tag_meant(client, typed):
    response = client.get("/search", query_string={"q": f'set:"{typed}" poster'})
    assert response.status_code == 400
    assert 'Did you mean <a href="/search?q=set:european-street+poster">set:european-street</a>?' in response.text
    api = client.get("/api/search", query_string={"q": f'set:"{typed}"'})
    assert api.status_code == 400 and api.json["error"].endswith("did you mean set:european-street?")


def test_a_typo_of_an_alias_finds_the_tag_it_names(archive, client):
    db = archive["db"]
    tag = db.execute("SELECT id FROM tags WHERE facet = 'subject' AND slug = 'statue'").fetchone()[0]
    vocabulary.edit_tag(db, tag, aliases=["monument"])
    response = client.get("/search", query_string={"q": "subject:monumant"})
    assert 'Did you mean <a href="/search?q=subject:statue">subject:statue</a>?' in response.text


def test_films_and_trips_have_browse_pages_and_a_trip_shows_its_photos_by_date(client):
    films = client.get("/films").text
    assert "The Flower Girl" in films and "1 photo" in films
    trips = client.get("/trips")
    assert trips.status_code == 200
    names = re.findall(r'<h2><a href="/trips/([^"]+)"', trips.text)
    assert names[:3] == ["2019-autumn", "2018", "2017-autumn"]
    trip = client.get("/trips/2019-autumn").text
    assert re.findall(r'id="photo-(\d+)"', trip) == ["4", "5"]  # mosaic 09:00 before the shop 12:00
    korean_sets = korean(client).get("/sets").text
    assert "철길" in korean_sets and "역과 선로." in korean_sets


def test_the_gallery_sorts_by_date_taken_and_filters_by_set(client):
    page = client.get("/?set=entrance-plaza&sort=taken").text
    assert re.findall(r'id="photo-(\d+)"', page) == ["3", "4"]
    assert '<option value="entrance-plaza" selected>' in page
    assert client.get("/?set=no-such-set").status_code == 404


def test_error_pages_speak_to_visitors_in_their_language_and_the_api_keeps_json(client):
    missing = client.get("/photos/99999")
    assert missing.status_code == 404 and "We could not find that page" in missing.text
    assert "requested URL was not found" not in missing.text
    assert "페이지를 찾을 수 없습니다" in korean(client).get("/photos/99999").text
    api = client.get("/api/photos/99999")
    assert api.status_code == 404 and api.json == {"error": "no photo 99999"}


def test_favicon_manifest_social_tags_and_the_api_page(client):
    with client.get("/favicon.ico") as icon:
        assert icon.mimetype == "image/vnd.microsoft.icon"
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.json["icons"]
    photo = client.get("/photos/1").text
    assert '<meta property="og:image" content="http://localhost/media/' in photo
    assert '<meta name="twitter:card" content="summary_large_image">' in photo
    set_page = client.get("/sets/european-street").text
    assert '<meta property="og:title" content="European street">' in set_page
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    with client.get("/swagger-ui/swagger-ui-bundle.js") as script:
        assert script.status_code == 200
    assert len(PUBLIC) == 7


def test_the_compiled_catalogues_are_shared_not_left_behind_by_each_start(tmp_path):
    """Every app start (each gunicorn worker, each test server) uses one compiled
    folder per version of the catalogues, instead of leaving a new one in /tmp."""
    from archive.web.i18n import compile_catalogues

    source = tmp_path / "translations"
    shutil.copytree(CATALOGUE.parent.parent.parent, source)
    first = compile_catalogues(source)
    assert compile_catalogues(source) == first
    assert (first / "ko" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    # A changed catalogue is compiled afresh, never served from the old folder.
    po = source / "ko" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "A new message"\nmsgstr "새 메시지"\n', encoding="utf-8")
    second = compile_catalogues(source)
    assert second != first and (second / "ko" / "LC_MESSAGES" / "messages.mo").exists()
    for folder in (first, second):
        shutil.rmtree(folder)
