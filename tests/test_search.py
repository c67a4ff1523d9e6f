"""Search: a table of queries and the photos they must return, facet counts
against direct counts, visibility, Korean, sorting, the index staying current."""

import pytest
import search_oracle
from search_archive import PUBLIC, build

from archive import create_app
from archive.catalogue import tagging
from archive.search import engine as search
from archive.search.query import QueryError


@pytest.fixture
def visitor(monkeypatch):
    """Requests made by someone who may not see private photos."""
    monkeypatch.setattr("archive.web.search.can_see_private", lambda: False)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    db = build(root / "media", root / "made")
    app = create_app({"DATA_DIR": root / "media", "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False})
    yield db, app
    db.close()


def found(db, query, include_private=False, **kwargs):
    result = search.search(db, query, per_page=100, include_private=include_private, **kwargs)
    return {row["id"] for row in result.page.items}


QUERIES = [
    ("", PUBLIC),
    ("poster", {1, 2}),
    ('"seven year itch"', {2}),
    ("set:european-street", {1, 2}),  # 2 is on the child set european-street/cafe
    ("set:european-street/cafe", {2}),
    ("set:european-street -subject:replica-poster", {1}),
    ("subject:statue OR subject:mosaic", {3, 4}),
    ("(subject:statue OR subject:mosaic) taken:2019", {4}),
    ("mosaic OR statue", {3, 4}),
    ("taken:2016..2017", {1, 2, 3}),
    ("taken:..2016", {1, 2}),
    ("taken:2019-10-02", {4, 5}),
    ("taken:2016-05", {1, 2}),
    ("camera:canon", {1, 2, 8}),
    ("camera:nikon", {3, 4}),
    ('camera:"nikon d750" has:gps', {4}),
    ("has:gps", {1, 4}),
    ("-has:gps", PUBLIC - {1, 4}),
    ("is:untagged", {6}),
    ('film:"the flower girl"', {1}),
    ("film:the-seven-year-itch", {2}),
    ('film:"꽃파는 처녀"', {1}),  # a film named by its Korean label
    ("trip:2019-autumn", {4, 5}),
    ("trip:2016-spring subject:film-poster", {1}),
    ("keyword:soap", {8}),
    ("soap", {8}),
    ("advert", {8}),
    ("european", {1, 2}),  # the set's label, inherited by the café
    ("flower-girl.jpg", {1}),  # the original file name
    ("-set:european-street has:gps", {4}),
    ("façade OR workers", {4}),
    ("NOT subject:advert set:chinese-street", set()),
    # Korean: whole words, words inside longer words, single letters, labels.
    ("꽃파는", {1}),
    ("동상", {3}),  # a caption word and the statue subject's Korean label
    ("포스터", {1, 2, 5}),  # inside 영화포스터 and in the subjects' Korean labels
    ("영화포스터", {5}),
    ('"영화 포스터"', {1, 2}),
    ("유럽", {1, 2}),
    ("카페", {2}),
    ("광장", {3, 4}),
    ("꽃", {1}),
]


@pytest.mark.parametrize("query, expected", QUERIES)
def test_query_returns_exactly_these_photos(archive, query, expected):
    db, _ = archive
    assert found(db, query) == expected


def test_private_photos_only_when_included(archive):
    db, _ = archive
    assert found(db, "advert") == {8}
    assert found(db, "advert", include_private=True) == {7, 8}
    assert found(db, "is:private") == set()
    assert found(db, "is:private", include_private=True) == {7}
    facets = search.search(db, "", include_private=False).facets
    assert {e["value"]: e["count"] for e in facets["subject"]}["advert"] == 1


@pytest.mark.parametrize("query", ["", "set:european-street", "taken:2016..2019", "-subject:statue",
                                   "camera:canon OR has:gps"])
@pytest.mark.parametrize("include_private", [False, True])
def test_facet_counts_match_a_direct_count(archive, query, include_private):
    db, _ = archive
    result = search.search(db, query, per_page=100, include_private=include_private)
    ids = sorted(row["id"] for row in result.page.items)
    marks = ",".join("?" * len(ids)) or "NULL"
    for facet in ("set", "subject", "film", "trip"):
        counts = {e["value"]: e["count"] for e in result.facets[facet]}
        direct = {}
        for slug, in db.execute("SELECT slug FROM tags WHERE facet = ?", [facet]):
            # A photo counts for a set when it carries the set or a set below it.
            n = db.execute(
                "SELECT count(DISTINCT photo_tags.photo_id) FROM photo_tags JOIN tags ON tags.id = photo_tags.tag_id"
                f" WHERE photo_tags.photo_id IN ({marks}) AND tags.facet = ?"
                " AND (tags.slug = ? OR tags.slug LIKE ?)", [*ids, facet, slug, slug + "/%"]).fetchone()[0]
            if n:
                direct[slug] = n
        assert counts == direct, facet
    years = {e["value"]: e["count"] for e in result.facets["year"]}
    assert years == {y: n for y, n in db.execute(
        f"SELECT substr(taken_at, 1, 4), count(*) FROM photos WHERE id IN ({marks}) AND taken_at IS NOT NULL"
        " GROUP BY 1", ids)}
    cameras = {e["value"]: e["count"] for e in result.facets["camera"]}
    assert sum(cameras.values()) == db.execute(
        f"SELECT count(*) FROM photos WHERE id IN ({marks}) AND camera_model IS NOT NULL", ids).fetchone()[0]
    # The plain SQL baseline agrees on everything but full text.
    total, _, baseline = search_oracle.search(db, query, per_page=100, include_private=include_private)
    assert total == result.page.total
    for facet in search.FACETS:
        assert {e["value"]: e["count"] for e in result.facets[facet]} == baseline[facet], facet


def test_facet_links_narrow_the_query(archive):
    db, _ = archive
    result = search.search(db, "poster")
    entry = next(e for e in result.facets["film"] if e["value"] == "the-seven-year-itch")
    assert entry["query"] == "poster film:the-seven-year-itch"
    assert found(db, entry["query"]) == {2}
    either = search.search(db, "statue OR mosaic")
    year = next(e for e in either.facets["year"] if e["value"] == "2019")
    assert year["query"] == "(statue OR mosaic) taken:2019"
    assert found(db, year["query"]) == {4}
    camera = next(e for e in search.search(db, "").facets["camera"] if e["value"] == "FUJIFILM X-T2")
    assert found(db, camera["query"]) == {5}


def test_sorts_and_pages(archive):
    db, _ = archive

    def order(sort, **kw):
        return [row["id"] for row in search.search(db, "", per_page=100, sort=sort, **kw).page.items]

    assert order("taken") == [1, 2, 3, 8, 4, 5, 6]  # undated last
    assert order("taken-desc") == [5, 4, 8, 3, 2, 1, 6]
    assert order("newest") == [8, 6, 5, 4, 3, 2, 1]
    assert order("oldest") == [1, 2, 3, 4, 5, 6, 8]
    pages = [search.search(db, "", page=p, per_page=3, sort="oldest") for p in (1, 2, 3)]
    assert [[r["id"] for r in p.page.items] for p in pages] == [[1, 2, 3], [4, 5, 6], [8]]
    assert pages[0].page.total == 7 and pages[0].page.pages == 3
    with pytest.raises(QueryError, match="unknown sort"):
        search.search(db, "", sort="random")


def test_relevance_puts_the_better_match_first(archive):
    db, _ = archive
    ids = [r["id"] for r in search.search(db, "poster OR replica", sort="relevance").page.items]
    assert ids[0] == 2  # replica and poster both match photo 2


@pytest.mark.parametrize("query, message", [
    ("colour:red", 'unknown field "colour:"'),
    ("subject:unicorn", "no subject tag called 'unicorn'"),
    ("(statue", "parenthesis is not closed"),
    ("statue)", 'without its "("'),
    ("statue OR", '"OR" needs a term on both sides'),
    ('"flower girl', "quotation mark is not closed"),
    ("taken:2016..2015", "ends before it starts"),
    ("taken:2016-13", "not a real date"),
    ("taken:last-year", "not a year, month or day"),
    ("is:lost", '"is:lost" is not known'),
    ("has:", 'needs a value'),
])
def test_bad_queries_say_why(archive, query, message):
    db, _ = archive
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        search.search(db, query)


def test_is_duplicate_finds_copies_found_or_confirmed_not_other_shots(tmp_path):
    from archive.dedup import decisions as duplicates
    from archive.dedup.matching import Verdict

    db = build(tmp_path / "media", tmp_path / "made")
    assert found(db, "is:duplicate", include_private=True) == set()
    duplicates.suggest(db, 2, 3, Verdict("duplicate", 3, 4, "upright", 0.0))
    duplicates.suggest(db, 4, 5, Verdict("related", 12, 14, "upright", 0.0))
    assert found(db, "is:duplicate", include_private=True) == {2, 3}  # found, not yet decided
    [suggestion] = [row for row in duplicates.queue(db) if row["kind"] == "duplicate"]
    duplicates.decide(db, suggestion["id"], "duplicate", "kim")
    assert found(db, "is:duplicate", include_private=True) == {2, 3}  # confirmed
    assert found(db, "-is:duplicate", include_private=True) >= {1, 4, 5}
    db.close()


def test_index_follows_changes(tmp_path):
    db = build(tmp_path / "media", tmp_path / "made")
    assert found(db, "subject:costume") == set()
    search.search(db, "")  # the per-process index is loaded now
    tagging.change_tags(db, [3], add=["subject:costume", "pyongyang-gate"], username="kim")
    assert found(db, "subject:costume") == {3}
    assert found(db, "keyword:pyongyang-gate") == {3}
    assert found(db, "pyongyang") == {3}  # the new keyword's label is searchable
    db["photos"].update(5, {"caption": "Sign of a tailor"})
    assert found(db, "tailor") == {5}
    assert found(db, "shop") == {5}  # still in its subject's label
    db["photos"].update(8, {"is_public": 0})
    assert 8 not in found(db, "")
    db.execute("UPDATE tags SET label = 'Gate statue' WHERE facet = 'subject' AND slug = 'statue'")
    assert found(db, "gate") == {3}
    tagging.change_tags(db, [1, 2], remove=["set:european-street"], username="kim")
    assert found(db, "set:european-street") == {2}  # 2 keeps the child set
    db.execute("DELETE FROM photos WHERE id = 4")
    assert 4 not in found(db, "")
    assert found(db, "mosaic") == set()
    db.close()


def test_api_search_json_and_errors(archive, visitor):
    _, app = archive
    client = app.test_client()
    response = client.get("/api/search", query_string={"q": "set:european-street", "per_page": 1,
                                                        "sort": "oldest"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"query", "total", "page", "per_page", "results", "facets"}
    assert body["query"] == "set:european-street" and body["total"] == 2 and body["per_page"] == 1
    assert [r["id"] for r in body["results"]] == [1]
    first = body["results"][0]
    assert first["tags"]["film"] == ["the-flower-girl"] and first["camera"] == "Canon EOS 40D"
    assert first["permalink"].endswith("/photos/1")
    entry = body["facets"]["set"][0]
    assert set(entry) >= {"value", "label", "count", "query"}
    bad = client.get("/api/search", query_string={"q": "colour:red"})
    assert bad.status_code == 400 and "colour" in bad.get_json()["error"]
    assert client.get("/api/search", query_string={"q": "x", "sort": "nope"}).status_code == 400


def test_search_page_shows_results_facets_and_errors(archive, visitor):
    _, app = archive
    client = app.test_client()
    page = client.get("/search", query_string={"q": "포스터"})
    assert page.status_code == 200
    assert "3 photos" in page.text and "/photos/5" in page.text and "/photos/7" not in page.text
    assert "Film poster" in page.text and 'href="/search?q=%ED%8F%AC%EC%8A%A4%ED%84%B0+subject:film-poster"' in page.text
    bad = client.get("/search", query_string={"q": "(statue"})
    assert bad.status_code == 400 and "parenthesis is not closed" in bad.text


def test_csv_export(archive, visitor):
    _, app = archive
    client = app.test_client()
    response = client.get("/search.csv", query_string={"q": "set:european-street", "sort": "oldest"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[1]["set"] == "european-street/cafe" and rows[1]["film"] == "the-seven-year-itch"
    assert rows[0]["taken"] == "2016-05-03T10:00:00" and rows[0]["camera"] == "Canon EOS 40D"
    assert rows[0]["permalink"].endswith("/photos/1") and len(rows[0]["sha256"]) == 64
    assert client.get("/api/search.csv", query_string={"q": "a OR"}).status_code == 400


def test_set_pages(archive, visitor):
    _, app = archive
    client = app.test_client()
    index = client.get("/sets")
    assert index.status_code == 200 and "European street" in index.text and "유럽 거리" in index.text
    page = client.get("/sets/european-street")
    assert page.status_code == 200
    assert "Café" in page.text and "/photos/1" in page.text and "/photos/2" in page.text
    assert "/photos/7" not in page.text  # private
    child = client.get("/sets/european-street/cafe")
    assert child.status_code == 200 and "/photos/2" in child.text and "/photos/1" not in child.text
    assert client.get("/sets/atlantis").status_code == 404
