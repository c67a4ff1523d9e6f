"""Tagging through the web: the photo page, bulk from search results, the
vocabulary pages, the JSON endpoint, the history of changes, suggestions."""

import pytest
from search_archive import build
from support import PASSWORD, logged_in_client

from archive import create_app
from archive.accounts import auth
from archive.catalogue import tagging, tags


def archivist(app, db):
    return logged_in_client(app, auth.add_user(db, "archie", PASSWORD, "archivist"))


@pytest.fixture
def site(tmp_path):
    """The search fixture archive and an archivist's client (tagging is theirs)."""
    db = build(tmp_path / "media", tmp_path / "made")
    app = create_app({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "t",
                      "WTF_CSRF_ENABLED": False})
    yield db, archivist(app, db)
    db.close()


def slugs(db, photo_id, facet):
    return sorted(r[0] for r in db.execute(
        "SELECT tags.slug FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
        " WHERE photo_id = ? AND tags.facet = ?", [photo_id, facet]))


def test_photo_page_shows_tags_form_suggestions_and_citation(site):
    db, client = site
    page = client.get("/photos/1")
    assert page.status_code == 200
    assert 'href="/search?q=film:the-flower-girl"' in page.text
    assert 'name="add"' in page.text and 'data-autocomplete' in page.text
    # Photo 2 is from the same trip, five minutes later: its tags are suggested.
    assert "Film: The Seven Year Itch" in page.text and "Subject: Replica of a western film poster" in page.text
    assert "Cite this photo" in page.text and "Backlot poster archive, photo 1. http://localhost/photos/1" in page.text
    assert "<script>" not in page.text and "onclick" not in page.text


def test_adding_and_removing_on_the_photo_page_is_recorded(site):
    db, client = site
    response = client.post("/photos/3/tags", data={"add": "subject:costume, gate guard"})
    assert response.status_code == 302 and response.headers["Location"] == "/photos/3#tags"
    assert slugs(db, 3, "subject") == ["costume", "statue"]
    assert slugs(db, 3, "keyword") == ["gate-guard"]  # a new keyword, created inline
    page = client.get("/photos/3")
    assert "2 tags added, 0 removed" in page.text and "History of tag changes" in page.text
    assert client.get("/api/search?q=guard").get_json()["total"] == 1
    client.post("/photos/3/tags", data={"remove": "subject:costume"})
    assert slugs(db, 3, "subject") == ["statue"]
    history = db.execute("SELECT action, slug FROM tag_history WHERE photo_id = 3 ORDER BY id").fetchall()
    assert history[-3:] == [("added", "costume"), ("added", "gate-guard"), ("removed", "costume")]


def test_a_bad_tag_changes_nothing(site):
    db, client = site
    before = db.execute("SELECT count(*) FROM photo_tags").fetchone()[0]
    response = client.post("/photos/3/tags", data={"add": "keyword:fine, subject:unicorn"}, follow_redirects=True)
    assert response.status_code == 200 and "no subject tag called" in response.text
    assert db.execute("SELECT count(*) FROM photo_tags").fetchone()[0] == before
    assert tags.find_tag(db, "keyword", "fine") is None  # not half-created either
    assert client.post("/photos/999/tags", data={"add": "keyword:x"}).status_code == 404


def test_bulk_tagging_selected_photos_and_a_whole_query(site):
    db, client = site
    response = client.post("/tags/bulk", data={"photo_ids": ["3", "4"], "tags": "keyword:gate, subject:costume",
                                               "action": "add", "next": "/search?q=plaza"})
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=plaza"
    assert slugs(db, 3, "keyword") == ["gate"] and slugs(db, 4, "subject") == ["costume", "mosaic"]
    client.post("/tags/bulk", data={"scope": "query", "q": "set:european-street", "tags": "keyword:west",
                                    "action": "add"})
    assert {r[0] for r in db.execute(
        "SELECT photo_id FROM photo_tags JOIN tags ON tags.id = tag_id WHERE slug = 'west'")} == {1, 2, 7}
    client.post("/tags/bulk", data={"scope": "query", "q": "keyword:west", "tags": "keyword:west",
                                    "action": "remove"})
    assert db.execute("SELECT count(*) FROM photo_tags JOIN tags ON tags.id = tag_id"
                      " WHERE slug = 'west'").fetchone()[0] == 0
    # Somewhere else is never a redirect target.
    evil = client.post("/tags/bulk", data={"photo_ids": ["3"], "tags": "keyword:gate", "action": "add",
                                           "next": "https://example.com/x"})
    assert evil.headers["Location"] == "/search"
    bad = client.post("/tags/bulk", data={"scope": "query", "q": "(oops", "tags": "keyword:x", "action": "add",
                                          "next": "/search"}, follow_redirects=True)
    assert "parenthesis is not closed" in bad.text and tags.find_tag(db, "keyword", "x") is None


def test_search_page_offers_bulk_tagging(site):
    _, client = site
    page = client.get("/search", query_string={"q": "set:entrance-plaza"})
    assert 'action="/tags/bulk"' in page.text
    assert page.text.count('name="photo_ids"') == 2 and 'value="query"' in page.text


def test_visitors_cannot_tag_and_never_see_the_forms(site, tmp_path):
    db, _ = site
    from archive import create_app as make

    visitor = make({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "t",
                    "WTF_CSRF_ENABLED": False}).test_client()
    page = visitor.get("/photos/6")
    assert page.status_code == 200 and 'name="add"' not in page.text
    assert visitor.post("/photos/6/tags", data={"add": "keyword:x"}).status_code == 302  # to log in
    assert visitor.post("/api/photos/6/tags", json={"add": ["keyword:x"]}).status_code == 401
    visitor.post("/tags/bulk", data={"photo_ids": ["6"], "tags": "keyword:x", "action": "add"})
    assert slugs(db, 6, "keyword") == []


def test_json_tagging_endpoint(site):
    db, client = site
    response = client.post("/api/photos/6/tags", json={"add": ["set:railway", "subject:street-sign"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["added"] == 2 and body["tags"]["set"] == ["railway"]
    assert client.get("/api/search?q=is:untagged").get_json()["total"] == 0
    assert client.post("/api/photos/6/tags", json={"add": "set:railway"}).status_code == 400
    error = client.post("/api/photos/6/tags", json={"add": ["film:nope"]})
    assert error.status_code == 400 and "no film tag called 'nope'" in error.get_json()["error"]


def test_vocabulary_pages(site):
    db, client = site
    assert client.get("/tags").status_code == 200
    created = client.post("/tags", data={"facet": "set", "slug": "bookshop", "parent": "japanese-street",
                                         "label": "Bookshop", "label_ko": "서점"})
    assert created.headers["Location"] == "/tags/set/japanese-street/bookshop"
    page = client.get("/tags/set/japanese-street/bookshop")
    assert page.status_code == 200 and "서점" in page.text
    client.post("/tags/subject/advert/edit", data={"label": "Painted advert", "label_ko": "광고",
                                                   "description": "", "aliases": "ad, poster-ad"})
    assert tags.find_tag(db, "subject", "poster-ad")["label"] == "Painted advert"
    renamed = client.post("/tags/subject/advert/rename", data={"slug": "painted-advert"})
    assert renamed.headers["Location"] == "/tags/subject/painted-advert"
    assert client.get("/tags/subject/advert").status_code == 301
    merged = client.post("/tags/subject/shop-sign/merge", data={"target": "restaurant-sign"})
    assert merged.headers["Location"] == "/tags/subject/restaurant-sign"
    assert client.get("/api/search?q=subject:shop-sign").get_json()["total"] == 1
    refused = client.post("/tags/subject/painted-advert/delete", data={}, follow_redirects=True)
    assert "confirm" in refused.text and tags.find_tag(db, "subject", "painted-advert") is not None
    client.post("/tags/subject/painted-advert/delete", data={"confirm": "yes"})
    assert tags.find_tag(db, "subject", "painted-advert") is None
    clash = client.post("/tags/set/railway/rename", data={"slug": "chinese-street"}, follow_redirects=True)
    assert "already taken" in clash.text


def test_group_suggestions_come_from_confirmed_versions_and_other_shots(site):
    from archive.dedup import decisions as duplicates
    from archive.dedup.matching import Verdict

    db, _ = site
    photo = db["photos"].get(6)
    assert not any("group" in s["reason"] for s in tagging.suggestions(db, dict(photo)))
    duplicates.suggest(db, 6, 8, Verdict("related", 12, 14, "upright", 0.0))
    [suggestion] = duplicates.queue(db)
    duplicates.decide(db, suggestion["id"], "related", "kim")
    suggested = tagging.suggestions(db, dict(photo))
    assert {s["tag"]["slug"] for s in suggested} == {"soap", "chinese-street", "advert"}
    assert all("group" in s["reason"] for s in suggested)


def test_same_trip_suggestions_respect_the_time_window(site):
    db, _ = site
    photo = dict(db["photos"].get(4))
    # Photo 5 is the same trip three hours later: too far apart.
    assert tagging.suggestions(db, photo) == []
    db["photos"].update(5, {"taken_at": "2019-10-02T09:10:00"})
    assert {s["tag"]["slug"] for s in tagging.suggestions(db, photo)} == {"japanese-street", "shop-sign"}


def test_forms_carry_the_csrf_token_when_protection_is_on(tmp_path):
    import re

    db = build(tmp_path / "media", tmp_path / "made")
    app = create_app({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "t"})
    client = archivist(app, db)
    page = client.get("/photos/6")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/photos/6/tags", data={"add": "keyword:wall"}).status_code == 400
    assert slugs(db, 6, "keyword") == []
    response = client.post("/photos/6/tags", data={"add": "keyword:wall", "csrf_token": token})
    assert response.status_code == 302 and slugs(db, 6, "keyword") == ["wall"]
    results = client.get("/search", query_string={"q": "wall"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', results.text).group(1)
    bulk = client.post("/tags/bulk", data={"photo_ids": ["6"], "tags": "set:railway", "action": "add",
                                           "csrf_token": token})
    assert bulk.status_code == 302 and slugs(db, 6, "set") == ["railway"]
    db.close()


def test_autocomplete_is_for_archivists_only(site, tmp_path):
    """Its counts include private photos, and a keyword can name what only a
    private photo shows."""
    db, archivist_client = site
    visitor = create_app({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "t",
                          "WTF_CSRF_ENABLED": False}).test_client()
    assert visitor.get("/api/tags?q=rail").status_code == 401
    results = archivist_client.get("/api/tags?q=rail").get_json()["results"]
    assert [r["slug"] for r in results] == ["railway"]
