"""The vocabulary: seeded tags, hierarchy, rename, merge, delete, aliases, CSV import."""

import pytest
from search_archive import build

from archive.catalogue import tagging, tags, vocabulary
from archive.search import engine as search


@pytest.fixture
def archive(tmp_path):
    db = build(tmp_path / "media", tmp_path / "made")
    yield db
    db.close()


def found(db, query):
    return {row["id"] for row in search.search(db, query, per_page=100, include_private=True).page.items}


def test_seeded_vocabulary_from_the_design(db):
    sets = {row["slug"]: row for row in db.query("SELECT * FROM tags WHERE facet = 'set'")}
    assert {"chinese-street", "japanese-street", "european-street", "colonial-korean-street",
            "south-korean-street", "manchurian-street", "railway", "entrance-plaza"} <= set(sets)
    assert sets["entrance-plaza"]["label_ko"] == "정문 광장"
    film = tags.find_tag(db, "film", "꽃파는 처녀")
    assert film["slug"] == "the-flower-girl" and "1972" in film["description"]
    assert db.execute("SELECT count(*) FROM tags WHERE facet = 'subject'").fetchone()[0] == 11


def test_child_sets_nest_and_are_searched_with_their_parent(archive):
    db = archive
    tag_id = vocabulary.create_tag(db, "set", "cinema", parent="european-street/cafe", label="Cinema",
                                   username="kim")
    assert db["tags"].get(tag_id)["slug"] == "european-street/cafe/cinema"
    tagging.change_tags(db, [5], add=["set:european-street/cafe/cinema"])
    assert found(db, "set:european-street") == {1, 2, 5, 7}
    assert found(db, "set:european-street/cafe") == {2, 5}
    with pytest.raises(vocabulary.VocabularyError, match="at most 3 levels"):
        vocabulary.create_tag(db, "set", "seat", parent="european-street/cafe/cinema")
    with pytest.raises(vocabulary.VocabularyError, match="no hierarchy"):
        vocabulary.create_tag(db, "subject", "x", parent="advert")
    with pytest.raises(vocabulary.VocabularyError, match="already taken"):
        vocabulary.create_tag(db, "set", "european-street/cafe")
    with pytest.raises(vocabulary.VocabularyError, match="no set tag called 'atlantis'"):
        vocabulary.create_tag(db, "set", "atlantis/harbour")
    assert db["tags"].get(vocabulary.create_tag(db, "keyword", "AC/DC"))["slug"] == "ac-dc"


def test_rename_keeps_the_old_slug_working(archive):
    db = archive
    tag = tags.find_tag(db, "subject", "advert")
    vocabulary.rename_tag(db, tag["id"], "painted-advert", username="kim")
    assert found(db, "subject:painted-advert") == {7, 8}
    assert found(db, "subject:advert") == {7, 8}  # the old slug is an alias now
    assert tags.find_tag(db, "subject", "advert")["slug"] == "painted-advert"
    # Renaming a parent set moves its children and keeps their old paths too.
    parent = tags.find_tag(db, "set", "european-street")
    vocabulary.rename_tag(db, parent["id"], "western-street", username="kim")
    assert tags.find_tag(db, "set", "western-street/cafe")["label"] == "Café"
    assert found(db, "set:european-street/cafe") == {2}
    assert found(db, "set:western-street") == {1, 2, 7}
    history = db.execute("SELECT action, detail, username FROM tag_history WHERE action = 'renamed'").fetchall()
    assert ("renamed", "advert -> painted-advert", "kim") in history


def test_merge_moves_photos_and_keeps_old_slugs(archive, client):
    db = archive
    statue = tags.find_tag(db, "subject", "statue")
    mosaic = tags.find_tag(db, "subject", "mosaic")
    vocabulary.edit_tag(db, statue["id"], aliases=["monument"], username="kim")
    added = vocabulary.merge_tags(db, statue["id"], mosaic["id"], username="kim")
    assert added == 1
    assert found(db, "subject:mosaic") == {3, 4}
    assert found(db, "subject:statue") == {3, 4}  # the merged slug
    assert found(db, "subject:monument") == {3, 4}  # and its alias
    assert tags.find_tag(db, "subject", "statue")["id"] == mosaic["id"]
    assert db.execute("SELECT count(*) FROM tags WHERE id = ?", [statue["id"]]).fetchone()[0] == 0
    rows = db.execute("SELECT action, photo_id FROM tag_history WHERE detail LIKE 'merged%'").fetchall()
    assert ("removed", 3) in rows and ("merged", None) in rows
    with pytest.raises(vocabulary.VocabularyError, match="different facets"):
        vocabulary.merge_tags(db, mosaic["id"], tags.find_tag(db, "set", "railway")["id"])


def test_merged_set_redirects_its_old_page(tmp_path):
    from archive import create_app

    db = build(tmp_path / "media", tmp_path / "made")
    cafe = tags.find_tag(db, "set", "european-street/cafe")
    european = tags.find_tag(db, "set", "european-street")
    vocabulary.merge_tags(db, cafe["id"], european["id"])
    app = create_app({"DATA_DIR": tmp_path / "media", "TESTING": True, "SECRET_KEY": "t",
                      "WTF_CSRF_ENABLED": False})
    from support import PASSWORD, logged_in_client

    from archive.accounts import auth

    # An archivist, who also sees the fixture's private photo.
    client = logged_in_client(app, auth.add_user(db, "archie", PASSWORD, "archivist"))
    old = client.get("/sets/european-street/cafe")
    assert old.status_code == 301 and old.headers["Location"] == "/sets/european-street"
    assert client.get("/api/search?q=set:european-street/cafe").get_json()["total"] == 3
    db.close()


def test_delete_needs_confirmation_when_used(archive):
    db = archive
    soap = tags.find_tag(db, "keyword", "soap")
    with pytest.raises(vocabulary.VocabularyError, match="is on 1 photo; confirm"):
        vocabulary.delete_tag(db, soap["id"])
    assert found(db, "keyword:soap") == {8}
    assert vocabulary.delete_tag(db, soap["id"], confirm=True, username="kim") == 1
    assert tags.find_tag(db, "keyword", "soap") is None
    with pytest.raises(search.QueryError, match="no keyword tag called 'soap'"):
        found(db, "keyword:soap")
    assert found(db, "soap") == {8}  # its caption still says soap
    unused = tags.find_tag(db, "subject", "costume")
    assert vocabulary.delete_tag(db, unused["id"]) == 0
    european = tags.find_tag(db, "set", "european-street")
    with pytest.raises(vocabulary.VocabularyError, match="child tags"):
        vocabulary.delete_tag(db, european["id"], confirm=True)


def test_csv_import_is_all_or_nothing(archive, tmp_path):
    db = archive
    good = ("facet,slug,label,label_ko,description,parent,aliases\n"
            "set,bookshop,Bookshop,서점,,japanese-street,book-shop;books\n"
            "subject,advert,Hand-painted advert,손으로 그린 광고,Painted by hand,,painted-ad\n"
            "keyword,neon,Neon,네온,,,\n")
    counts = vocabulary.import_csv(db, good, dry_run=True)
    assert counts == {"created": 2, "updated": 1}
    assert tags.find_tag(db, "keyword", "neon") is None  # a dry run changes nothing
    assert vocabulary.import_csv(db, good, username="kim") == {"created": 2, "updated": 1}
    assert tags.find_tag(db, "set", "books")["slug"] == "japanese-street/bookshop"
    assert tags.find_tag(db, "subject", "painted-ad")["description"] == "Painted by hand"
    before = db.execute("SELECT count(*) FROM tags").fetchone()[0]
    bad = ("facet,slug,label\n" "keyword,fresh,Fresh\n" "colour,red,Red\n" "set,x,X\n")
    with pytest.raises(vocabulary.VocabularyError, match="nothing imported; line 3: unknown facet"):
        vocabulary.import_csv(db, bad)
    assert db.execute("SELECT count(*) FROM tags").fetchone()[0] == before
    with pytest.raises(vocabulary.VocabularyError, match="missing: facet"):
        vocabulary.import_csv(db, "slug,label\nx,X\n")


def test_autocomplete_finds_by_slug_label_alias_and_korean(archivist_client, db):
    client = archivist_client  # autocomplete serves the archivists' tagging forms
    def specs(**params):
        return [r["spec"] for r in client.get("/api/tags", query_string=params).get_json()["results"]]

    assert "set:european-street" in specs(q="euro")
    assert "film:the-flower-girl" in specs(q="flower")  # a word inside the label
    assert "film:the-flower-girl" in specs(q="꽃파는")
    assert specs(q="euro", facet="subject") == []
    assert client.get("/api/tags", query_string={"facet": "colour"}).status_code == 400
