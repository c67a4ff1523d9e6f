"""The tag vocabulary's basics: slugs, FACET:VALUE specs, free and controlled facets."""

import pytest

from archive.catalogue import tags


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Order No. 027", "order-no-027"),
        ("European street", "european-street"),
        ("Set façade", "set-facade"),
        ("  The   Flower_Girl!! ", "the-flower-girl"),
        ("일제강점기 거리", "일제강점기-거리"),
        ("꽃파는 처녀", "꽃파는-처녀"),
        ("명령-027호", "명령-027호"),
        ("Ｆｕｌｌｗｉｄｔｈ ２０１９", "fullwidth-2019"),
        ("!!!", ""),
    ],
)
def test_slugify(text, slug):
    assert tags.slugify(text) == slug


def test_slugify_keeps_hangul_composed():
    slug = tags.slugify("중국 거리")
    assert slug == "중국-거리"
    assert len(slug) == 5  # syllables, not decomposed jamo


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("set:european-street", ("set", "european-street")),
        (" SET : European street ", ("set", "European street")),
        ("keyword:a:b", ("keyword", "a:b")),
        ("film:꽃파는 처녀", ("film", "꽃파는 처녀")),
    ],
)
def test_parse_tag_spec(spec, expected):
    assert tags.parse_tag_spec(spec) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("european-street", "is not FACET:VALUE"),
        ("set:", "is not FACET:VALUE"),
        ("set:   ", "is not FACET:VALUE"),
        (":value", "unknown facet"),
        ("colour:red", "unknown facet 'colour'"),
    ],
)
def test_parse_tag_spec_errors(spec, message):
    with pytest.raises(tags.UnknownTag, match=message):
        tags.parse_tag_spec(spec)


def test_seeded_vocabulary(db):
    counts = dict(db.execute("SELECT facet, count(*) FROM tags GROUP BY facet").fetchall())
    assert counts == {"set": 8, "subject": 11, "film": 7}
    row = tags.find_tag(db, "set", "european-street")
    assert (row["label"], row["label_ko"]) == ("European street", "유럽 거리")


@pytest.mark.parametrize("value", ["european-street", "European street", "EUROPEAN STREET", "유럽 거리"])
def test_a_controlled_tag_is_found_by_slug_label_or_korean(db, value):
    assert tags.find_tag(db, "set", value)["slug"] == "european-street"


def test_an_alias_finds_its_tag(db):
    tag_id = tags.find_tag(db, "film", "the-flower-girl")["id"]
    db["tag_aliases"].insert({"facet": "film", "alias": "flower-girl", "tag_id": tag_id})
    assert tags.resolve_tag(db, "film", "Flower Girl") == tag_id


def test_a_free_facet_creates_a_missing_tag_once(db):
    before = db["tags"].count
    first = tags.resolve_tag(db, "place", "Pyongyang backlot")
    again = tags.resolve_tag(db, "place", "pyongyang-backlot")
    assert first == again
    assert db["tags"].count == before + 1
    row = db["tags"].get(first)
    assert (row["facet"], row["slug"], row["label"]) == ("place", "pyongyang-backlot", "Pyongyang backlot")


def test_a_free_facet_will_not_create_when_told_not_to(db):
    with pytest.raises(tags.UnknownTag):
        tags.resolve_tag(db, "keyword", "brand new", create=False)
    assert tags.find_tag(db, "keyword", "brand new") is None


def test_a_free_value_that_makes_no_slug_is_refused(db):
    before = db["tags"].count
    with pytest.raises(tags.UnknownTag, match="empty tag"):
        tags.resolve_tag(db, "keyword", "???")
    assert db["tags"].count == before


def test_an_unknown_controlled_value_is_an_error_and_creates_nothing(db):
    before = db["tags"].count
    with pytest.raises(tags.UnknownTag, match="no set tag called 'nowhere'"):
        tags.resolve_tag(db, "set", "nowhere")
    with pytest.raises(tags.UnknownTag, match="no set tag called 'nowhere'"):
        tags.check_tag_specs(db, ["subject:statue", "set:nowhere"])
    assert db["tags"].count == before


def test_check_tag_specs_accepts_known_and_free_values_without_creating(db):
    before = db["tags"].count
    pairs = tags.check_tag_specs(db, ["set:European street", "trip:2019 autumn", "keyword:rain"])
    assert pairs == [("set", "European street"), ("trip", "2019 autumn"), ("keyword", "rain")]
    assert db["tags"].count == before  # free tags are made with the photo, not before


def test_tags_on_a_photo_grouped_by_facet(db):
    db.execute(
        "INSERT INTO photos (id, sha256, ext, format, mime_type, file_size, width, height,"
        " phash, dhash, original_filename, source, uploaded_at)"
        " VALUES (1, ?, 'jpg', 'JPEG', 'image/jpeg', 1, 1, 1, 0, 0, 'a.jpg', 'cli', '2020-01-01')",
        ["0" * 64],
    )
    ids = [tags.resolve_tag(db, "set", "railway"), tags.resolve_tag(db, "subject", "statue"),
           tags.resolve_tag(db, "keyword", "snow")]
    tags.tag_photo(db, 1, ids + ids[:1], added_by="kim")  # a repeat is ignored
    rows = tags.tags_of_photo(db, 1)
    assert [(r["facet"], r["slug"]) for r in rows] == [("keyword", "snow"), ("set", "railway"), ("subject", "statue")]
    assert tags.slugs_by_facet(rows) == {"keyword": ["snow"], "set": ["railway"], "subject": ["statue"]}
    assert db.execute("SELECT count(*) FROM photo_tags WHERE added_by = 'kim'").fetchone()[0] == 3
