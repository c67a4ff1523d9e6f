"""Posters in search: their words in each linked photo's full-text row,
poster:SLUG, has:poster and kind: in the query language (the engine and the
SQL oracle agree), posters as a facet, and Traditional and Simplified
Chinese found by each other."""

import pytest
import search_oracle
from support import json_lines

from archive.catalogue import editing, posters
from archive.search import engine as search
from archive.search.query import QueryError
from archive.transcription import drafts
from archive.transcription.choice import Reading
from archive.transcription.reader import Line


@pytest.fixture
def archive(run_cli, make_image, db):
    ids = [line["photo_id"] for line in json_lines(run_cli(
        "import", *[make_image(f"s{n}.jpg", seed=80 + n) for n in range(5)], "--json").output)]
    tea = posters.create(db, {"title": "Tea house sign", "kind": "shop-sign", "painted_text": "中華茶館",
                              "translation": "Chinese tea house"}, photos=ids[:2])
    beer = posters.create(db, {"title": "Beer", "title_ko": "맥주 광고", "kind": "advert", "place": "bar door"},
                          photos=ids[1:3])
    return {"ids": ids, "tea": tea, "beer": beer}


def found(db, query, **kwargs):
    return sorted(search.search_ids(db, query, include_private=True, **kwargs))


def test_poster_words_find_their_photos(db, archive):
    ids = archive["ids"]
    assert found(db, "茶館") == ids[:2]
    assert found(db, "茶馆") == ids[:2]  # Simplified finds Traditional
    assert found(db, '"tea house"') == ids[:2]
    assert found(db, "맥주") == ids[1:3]
    assert found(db, "bar") == ids[1:3]
    posters.edit(db, archive["beer"], {"place": "cinema door"})
    assert found(db, "cinema") == ids[1:3] and found(db, "bar") == []
    posters.unlink(db, archive["beer"], ids[2])
    assert found(db, "cinema") == [ids[1]]


def test_a_simplified_draft_is_found_by_traditional_words(db, archive):
    ids = archive["ids"]
    drafts.save(db, ids[4], drafts.Draft("rapidocr", "3", [Line(box=[[0, 0], [9, 0], [9, 9], [0, 9]], vertical=False,
                                                                readings=[Reading("电影院", 0.9, "rapidocr")])]))
    assert found(db, "電影院") == [ids[4]] and found(db, "电影") == [ids[4]]


QUERIES = ("poster:tea-house-sign", "has:poster", "-has:poster", "kind:advert", "kind:shop-sign OR kind:advert",
           "poster:beer -kind:shop-sign")


def test_poster_terms_agree_with_the_oracle(db, archive):
    for query in QUERIES:
        agree(db, query)


def agree(db, query):
    for stacked in (True, False):
        total, _, facets = search_oracle.search(db, query, include_private=True, per_page=100, stacked=stacked)
        assert sorted(search.search_ids(db, query, include_private=True, stacked=stacked)) == sorted(
            search_oracle.search(db, query, include_private=True, per_page=100, stacked=stacked)[1])
        result = search.search(db, query, include_private=True, stacked=stacked)
        assert result.page.total == total
        assert {e["value"]: e["count"] for e in result.facets["poster"]} == facets["poster"]


def test_poster_terms(db, archive):
    ids = archive["ids"]
    assert found(db, "poster:tea-house-sign") == ids[:2]
    assert found(db, f"poster:{archive['beer']}") == ids[1:3]
    assert found(db, "has:poster") == ids[:3]
    assert found(db, "kind:advert") == ids[1:3]
    with pytest.raises(QueryError, match="no poster called 'nothing'"):
        found(db, "poster:nothing")
    with pytest.raises(QueryError, match="not a kind of poster"):
        found(db, "kind:statue")


def test_posters_are_a_facet(db, archive):
    facets = search.search(db, "", include_private=True).facets["poster"]
    assert [(e["value"], e["count"], e["query"]) for e in facets] == [
        ("beer", 2, "poster:beer"), ("tea-house-sign", 2, "poster:tea-house-sign")]


def test_a_stack_shows_the_poster_any_copy_shows(db, archive, run_cli):
    from archive.dedup import decisions

    ids = archive["ids"]
    suggestion = db.execute("INSERT INTO match_suggestions (photo_a, photo_b, kind, phash_distance, dhash_distance,"
                            " created_at) VALUES (?, ?, 'duplicate', 1, 1, 'now')", [ids[0], ids[3]]).lastrowid
    decisions.decide(db, suggestion, "duplicate", "kim", primary_id=ids[3])
    assert found(db, "poster:tea-house-sign") == [ids[1], ids[3]]
    assert {e["value"]: e["count"] for e in search.search(db, "", include_private=True).facets["poster"]} == {
        "tea-house-sign": 2, "beer": 2}
    for query in QUERIES:
        agree(db, query)


def test_the_search_api_and_cli_take_poster_terms(client, db, archive, run_cli):
    editing.edit_photos(db, archive["ids"], {"title": "x"})
    response = client.get("/api/search?q=kind:advert")
    assert response.status_code == 200 and response.json["total"] == 2
    assert "poster" in response.json["facets"]
    assert client.get("/api/search?q=kind:statue").status_code == 400
    assert '"total": 2' in run_cli("search", "poster:beer", "--json").output
