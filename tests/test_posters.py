"""Poster records: fields, links with regions, one edit history with
reverts, first and last seen from the photos, growing from groups and
imports, and the list with its facets."""

import pytest
from support import json_lines

from archive.catalogue import editing, history, poster_browse, poster_growth, posters


@pytest.fixture
def shots(run_cli, make_image, db):
    """Five photos of one poster over three trips, and one of something else."""
    trips = [("2012 spring", "2012-04-03"), ("2012 spring", "2012-04-05"), ("2016 autumn", "2016-10-01"),
             ("2019 autumn", "2019-10-02"), ("2019 autumn", "2019-10-04")]
    ids = []
    for n, (trip, taken) in enumerate(trips):
        [line] = json_lines(run_cli("import", make_image(f"p{n}.jpg", seed=10 + n), "--json", "--trip", trip).output)
        editing.edit_photo(db, line["photo_id"], {"taken_at": taken})
        ids.append(line["photo_id"])
    [other] = json_lines(run_cli("import", make_image("other.jpg", seed=99), "--json").output)
    return ids, other["photo_id"]


def test_a_poster_keeps_its_fields_and_a_slug(db, shots):
    ids, _ = shots
    poster_id = posters.create(db, {"title": "The Seven Year Itch", "title_ko": "7년만의 외출",
                                    "kind": "film-poster-replica", "set": "European street",
                                    "film": "the-seven-year-itch", "place": "cafe wall, left of the door",
                                    "painted_text": "THE SEVEN YEAR ITCH", "status": "standing"}, "kim",
                               photos=ids[:2])
    row = db["posters"].get(poster_id)
    assert (row["slug"], row["kind"], row["status"], row["place"]) == (
        "the-seven-year-itch", "film-poster-replica", "standing", "cafe wall, left of the door")
    assert db["tags"].get(row["set_id"])["slug"] == "european-street"
    assert posters.create(db, {"title": "The Seven Year Itch"}) != poster_id
    assert posters.by_slug(db, "the-seven-year-itch-2") is not None


def test_bad_values_change_nothing(db, shots):
    ids, _ = shots
    with pytest.raises(posters.PosterError, match="give the poster a title"):
        posters.create(db, {"title": ""})  # with no photos to be known by
    for values, message in [({"title": "x", "kind": "poster"}, "kind"),
                            ({"title": "x", "set": "moon base"}, "no set tag called 'moon base'"),
                            ({"title": "x", "colour": "red"}, "cannot be edited")]:
        with pytest.raises(posters.PosterError, match=message):
            posters.create(db, values, photos=ids)
    with pytest.raises(posters.PosterError, match="no photo 999"):
        posters.create(db, {"title": "x"}, photos=[999])
    assert db["posters"].count == 0 and db["poster_photos"].count == 0 and db["edit_changes"].count_where("record_type = 'poster'") == 0


def test_regions_are_checked_against_the_photo(db, shots):
    ids, _ = shots
    poster_id = posters.create(db, {"title": "Beer"})
    posters.link(db, poster_id, ids[0], {"x": 10, "y": 20, "w": 100, "h": 50})
    assert posters.links_of(db, poster_id) == {ids[0]: {"x": 10, "y": 20, "w": 100, "h": 50}}
    with pytest.raises(posters.PosterError, match="inside the photo"):
        posters.link(db, poster_id, ids[1], {"x": 600, "y": 0, "w": 100, "h": 50})
    with pytest.raises(posters.PosterError, match="whole number"):
        posters.link(db, poster_id, ids[1], {"x": -1, "y": 0, "w": 100, "h": 50})
    assert list(posters.links_of(db, poster_id)) == [ids[0]]


def test_every_change_is_in_the_history_and_reverts(db, shots):
    ids, _ = shots
    poster_id = posters.create(db, {"title": "Tea house"}, "kim", photos=ids[:1])
    edit = posters.edit(db, poster_id, {"title": "Chinese tea house", "status": "repainted"}, "lee")
    linked = posters.link(db, poster_id, ids[1], {"x": 1, "y": 2, "w": 30, "h": 40}, "lee")
    changes = posters.poster_history(db, poster_id)
    assert [c["action"] for c in changes] == ["link", "edit", "create"]
    assert [(e["label"], e["before_text"], e["after_text"]) for e in changes[0]["entries"]] == [
        (f"photo {ids[1]}", "not linked", "linked, region 1,2 30 × 40")]
    posters.revert(db, linked, "kim")
    assert list(posters.links_of(db, poster_id)) == [ids[0]]
    posters.revert(db, edit, "kim")
    assert (db["posters"].get(poster_id)["title"], db["posters"].get(poster_id)["status"]) == ("Tea house", "unknown")
    again = posters.edit(db, poster_id, {"title": "Tea"}, "lee")
    with pytest.raises(history.HistoryError, match="title of poster .* was changed again since"):
        posters.revert(db, posters.poster_history(db, poster_id)[-1]["id"], "kim")
    assert again and db["posters"].get(poster_id)["title"] == "Tea"


def test_unlinking_the_photo_shown_falls_back_and_reverts(db, shots):
    ids, _ = shots
    poster_id = posters.create(db, {"title": "Slogan", "best_photo": ids[1]}, photos=ids[:2])
    assert db["posters"].get(poster_id)["best_photo_id"] == ids[1]
    change = posters.unlink(db, poster_id, ids[1])
    assert db["posters"].get(poster_id)["best_photo_id"] is None
    posters.revert(db, change)
    assert db["posters"].get(poster_id)["best_photo_id"] == ids[1]
    with pytest.raises(posters.PosterError, match="not one of the poster's photos"):
        posters.edit(db, poster_id, {"best_photo": ids[3]})


def test_first_and_last_seen_and_the_timeline_by_trip(db, shots):
    ids, _ = shots
    poster_id = poster_growth.from_photos(db, reversed(ids), "kim", {"title": "Itch"})
    shown = poster_browse.get(db, poster_id)
    assert (shown["first_seen"], shown["last_seen"]) == ("2012-04-03", "2019-10-04")
    assert [p["id"] for p in shown["photos"]] == ids
    assert [(g["trip"], len(g["photos"])) for g in shown["trips"]] == [
        ("2012 spring", 2), ("2016 autumn", 1), ("2019 autumn", 2)]


def test_visitors_see_only_public_photos_and_their_dates(db, shots, run_cli):
    ids, _ = shots
    poster_id = posters.create(db, {"title": "Itch"}, photos=ids)
    run_cli("unpublish", ids[0])
    assert poster_browse.get(db, poster_id, include_private=False)["first_seen"] == "2012-04-05"
    lonely = posters.create(db, {"title": "Nobody sees"}, photos=ids[:1])
    assert poster_browse.get(db, lonely, include_private=False) is None
    assert [r["id"] for r in poster_browse.listing(db).page.items] == [poster_id]


def test_the_list_has_facets(db, shots):
    ids, other = shots
    posters.create(db, {"title": "Itch", "kind": "film-poster-replica", "set": "european-street",
                        "film": "the-seven-year-itch", "status": "standing"}, photos=ids)
    posters.create(db, {"title": "Beer", "kind": "advert", "set": "european-street"}, photos=[other])
    found = poster_browse.listing(db, {"kind": "advert"}, include_private=True)
    assert [r["title"] for r in found.page.items] == ["Beer"]
    assert {e["value"]: e["count"] for e in found.facets["kind"]} == {"advert": 1, "film-poster-replica": 1}
    assert {e["value"]: e["count"] for e in found.facets["set"]} == {"european-street": 1}
    assert [e["value"] for e in poster_browse.listing(db, include_private=True).facets["decade"]] == ["2010s"]
    assert poster_browse.listing(db, text="beer", include_private=True).page.total == 1


def test_a_group_becomes_one_poster(db, shots):
    from archive.dedup import decisions

    ids, _ = shots
    for other in ids[1:]:
        suggestion = db.execute("INSERT INTO match_suggestions (photo_a, photo_b, kind, phash_distance,"
                                " dhash_distance, created_at) VALUES (?, ?, 'related', 10, 10, 'now')",
                                [ids[0], other]).lastrowid
        decisions.decide(db, suggestion, "related", "kim")
    poster_id = poster_growth.from_group(db, ids[2], "kim")
    assert sorted(posters.links_of(db, poster_id)) == ids


def test_an_import_joins_the_poster_of_its_copy(db, shots, run_cli, make_image, tmp_path):
    from PIL import Image

    ids, _ = shots
    poster_id = posters.create(db, {"title": "Itch"}, photos=ids[:1])
    original = make_image("p0.jpg", seed=10)
    copy = tmp_path / "copy.png"
    Image.open(original).resize((480, 360)).save(copy)
    [line] = json_lines(run_cli("import", copy, "--json").output)
    assert [m["kind"] for m in line["matches"]] == ["duplicate"]
    assert line["photo_id"] in posters.links_of(db, poster_id)
    assert posters.poster_history(db, poster_id)[0]["action"] == "import"
