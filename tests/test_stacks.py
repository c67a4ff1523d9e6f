"""Stacks: the confirmed copies of one photograph show once, as their
primary, in search, the gallery, facet counts and public exports; a copy's
tags and text count for the stack; is:duplicate and the unstacked view
still reach every copy; undoing the decision unstacks; and the engine
agrees with the SQL oracle throughout."""

import contextlib
import csv
import io

import pytest
import search_oracle
from search_archive import PUBLIC, build

from archive import create_app
from archive.dedup import decisions, stacks
from archive.search import engine as search


def confirm(db, a, b, primary, who="kim"):
    """An archivist says photos a and b are one photograph, keeping primary."""
    low, high = sorted((a, b))
    db.execute("INSERT OR IGNORE INTO match_suggestions (photo_a, photo_b, kind, phash_distance, dhash_distance,"
               " alignment, created_at) VALUES (?, ?, 'duplicate', 2, 3, 'the same', '2024-01-01T00:00:00')",
               [low, high])
    return decisions.decide(db, decisions.suggestion_of(db, a, b), "duplicate", who, primary_id=primary)


def forget(db, decision):
    """Undo a decision and drop its suggestion: as if it had never been."""
    decisions.undo(db, decision["id"], "kim")
    db.execute("DELETE FROM match_suggestions WHERE photo_a = ? AND photo_b = ?",
               [decision["photo_a"], decision["photo_b"]])


@contextlib.contextmanager
def confirmed(db, *pairs):
    made = [confirm(db, a, b, primary) for a, b, primary in pairs]
    try:
        yield made
    finally:
        for decision in reversed(made):
            forget(db, decision)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("stacks")
    db = build(root / "media", root / "made")
    yield db, root / "media"
    db.close()


@pytest.fixture
def stacked(archive):
    """Photo 2 (the Seven Year Itch replica on the café set) confirmed as a
    copy of photo 1 (the Flower Girl poster), 1 kept; undone afterwards."""
    db, _ = archive
    with confirmed(db, (1, 2, 1)):
        yield db


def ids(db, query, include_private=False, **kwargs):
    result = search.search(db, query, per_page=100, include_private=include_private, **kwargs)
    return [row["id"] for row in result.page.items]


def counts(result, facet):
    return {entry["value"]: entry["count"] for entry in result.facets[facet]}


def test_a_stack_shows_once_as_its_primary_with_its_size(stacked):
    db = stacked
    result = search.search(db, "", per_page=100)
    assert result.page.total == len(PUBLIC) - 1
    assert 2 not in ids(db, "") and 1 in ids(db, "")
    assert {row["id"]: row["versions"] for row in result.page.items}[1] == 2
    assert all(row["versions"] == 1 for row in result.page.items if row["id"] != 1)


def test_a_copys_tags_and_words_find_the_stack(stacked):
    db = stacked
    assert ids(db, "film:the-seven-year-itch") == [1]  # only the copy carries it
    assert ids(db, '"seven year itch"') == [1]  # only in the copy's caption
    assert ids(db, "set:european-street/cafe") == [1]
    assert ids(db, "film:the-seven-year-itch film:the-flower-girl") == [1]  # one from each copy
    assert ids(db, "-film:the-seven-year-itch poster") == []  # the stack carries it
    assert ids(db, "camera:canon taken:2016-05-03") == [1]  # the shown photo's own date and camera


def test_facets_count_a_stack_once_with_the_tags_of_every_copy(stacked):
    db = stacked
    result = search.search(db, "")
    assert counts(result, "set")["european-street"] == 1  # 1 on the street, 2 in its café: one stack
    assert counts(result, "film") == {"the-flower-girl": 1, "the-seven-year-itch": 1}
    assert counts(result, "subject")["replica-poster"] == 1
    assert counts(result, "year") == {"2016": 1, "2017": 1, "2019": 2, "2018": 1}
    assert counts(search.search(db, "film:the-seven-year-itch"), "film") == {
        "the-flower-girl": 1, "the-seven-year-itch": 1}
    assert {row["slug"]: row["count"] for row in search.tags_with_counts(db, "film")}["the-seven-year-itch"] == 1


QUERIES = ["", "poster", "set:european-street", "film:the-seven-year-itch", "-subject:replica-poster",
           "camera:canon OR has:gps", "taken:2016..2019", "is:untagged", "has:caption -has:gps", "subject:advert"]


@pytest.mark.parametrize("stacks", [True, False])
@pytest.mark.parametrize("include_private", [False, True])
def test_the_engine_and_the_sql_oracle_agree_on_stacks(stacked, include_private, stacks):
    db = stacked
    # An untagged photo and a tagged copy (the stack is tagged); a private
    # primary (visitors see its public copy instead).
    with confirmed(db, (6, 8, 6), (7, 3, 7)):
        for query in QUERIES:
            result = search.search(db, query, per_page=100, include_private=include_private, stacked=stacks)
            total, page, facets = search_oracle.search(db, query, per_page=100, include_private=include_private,
                                                       stacked=stacks)
            assert result.page.total == total, query
            if not any(word in query for word in ("poster",)):  # LIKE finds substrings, FTS5 words
                assert [row["id"] for row in result.page.items] == page, query
            for facet in search.FACETS:
                assert counts(result, facet) == facets[facet], (query, facet)


def test_a_private_primary_is_stood_in_for_and_its_words_stay_private(stacked):
    db = stacked
    with confirmed(db, (7, 8, 7)):  # 7 is private, says "Secret advert poster"
        assert 8 in ids(db, "subject:advert") and 7 not in ids(db, "")
        assert ids(db, "secret") == []
        assert ids(db, "secret", include_private=True) == [7]
        assert 8 not in ids(db, "", include_private=True)
        assert {row["id"]: row["versions"] for row in search.search(db, "").page.items}[8] == 1


def test_is_duplicate_and_the_unstacked_view_reach_every_copy(stacked):
    db = stacked
    assert set(ids(db, "is:duplicate")) == {1, 2}
    assert {1, 2} <= set(ids(db, "", stacked=False))
    assert search.search(db, "", stacked=False).page.total == len(PUBLIC)


def test_undoing_the_decision_unstacks(archive):
    db, _ = archive
    with confirmed(db, (1, 2, 2)):
        assert ids(db, "film:the-flower-girl") == [2]  # the other primary now
    assert sorted(ids(db, "set:european-street")) == [1, 2]
    assert search.search(db, "").page.total == len(PUBLIC)


def test_the_stacks_agree_with_the_groups_decisions_keep(stacked):
    db = stacked
    with confirmed(db, (2, 5, None)):
        found = stacks.find(db)
        assert found.ids.tolist() == [1, 2, 5]
        assert {found.primary_of(i) for i in (1, 2, 5)} == {decisions.primary_of(db, decisions.group_members(db, 1))}


def test_the_gallery_api_and_public_csv_show_a_stack_once(stacked, archive):
    _, data_dir = archive
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    listed = client.get("/api/photos?per_page=100").get_json()
    assert listed["total"] == len(PUBLIC) - 1
    assert {row["id"]: row["versions"] for row in listed["results"]}[1] == 2
    page = client.get("/").text
    assert 'href="/photos/2"' not in page and "2 versions" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export.csv").text)))
    assert sorted(int(row["id"]) for row in rows) == sorted(PUBLIC - {2})
    assert client.get("/api/search?per_page=100").get_json()["total"] == len(PUBLIC) - 1
    assert client.get("/api/search?per_page=100&stacked=false").get_json()["total"] == len(PUBLIC)
    assert 'href="/photos/2"' in client.get("/search?stacked=false").text
