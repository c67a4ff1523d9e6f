"""A poster's slug: edited through the API, the form and the CLI, kept
unique and well formed, in the history and revertible; and made from the
set and kind when a poster of untitled photos has no title."""

import pytest
from support import json_lines

from archive.catalogue import poster_growth, posters


@pytest.fixture
def two(db):
    return posters.create(db, {"title": "The Seven Year Itch"}), posters.create(db, {"title": "Beer"})


def test_the_api_edits_a_slug_and_the_history_puts_it_back(archivist_client, two, db):
    itch, _ = two
    edited = archivist_client.patch(f"/api/posters/{itch}", json={"slug": "itch-cafe-wall"})
    assert edited.status_code == 200 and edited.json["slug"] == "itch-cafe-wall"
    assert archivist_client.get("/api/posters?q=cafe").json["total"] == 1
    assert posters.find(db, "itch-cafe-wall")["id"] == itch and posters.find(db, "the-seven-year-itch") is None
    [change, _] = archivist_client.get(f"/api/posters/{itch}/history").json["changes"]
    assert [(e["field"], e["before"], e["after"]) for e in change["entries"]] == [
        ("slug", "the-seven-year-itch", "itch-cafe-wall")]
    reverted = archivist_client.post(f"/api/posters/{itch}/history/{change['id']}/revert")
    assert reverted.status_code == 200 and reverted.json["poster"]["slug"] == "the-seven-year-itch"


@pytest.mark.parametrize("slug, message", [
    ("beer", "another poster is called 'beer'"), ("Seven Year", "is not a slug"), ("itch--cafe", "is not a slug"),
    ("-itch", "is not a slug"), ("1234", "digits alone"), ("", "give the poster a slug"), ("a" * 81, "at most 80"),
    (12, "slug must be text")])
def test_a_bad_or_taken_slug_is_a_clear_400_and_changes_nothing(archivist_client, two, db, slug, message):
    itch, _ = two
    response = archivist_client.patch(f"/api/posters/{itch}", json={"slug": slug})
    assert response.status_code == 400 and message in response.json["error"], response.json
    assert posters.get_row(db, itch)["slug"] == "the-seven-year-itch"
    assert len(posters.poster_history(db, itch)) == 1


def test_a_revert_onto_a_slug_taken_since_is_refused(archivist_client, two, db):
    itch, beer = two
    change = posters.edit(db, itch, {"slug": "itch"})
    posters.edit(db, beer, {"slug": "the-seven-year-itch"})
    refused = archivist_client.post(f"/api/posters/{itch}/history/{change}/revert")
    assert refused.status_code == 409 and "another poster is called" in refused.json["error"]
    assert posters.get_row(db, itch)["slug"] == "itch"


def test_the_form_and_the_cli_edit_the_slug(archivist_client, run_cli, two, db):
    itch, beer = two
    page = archivist_client.get(f"/posters/{itch}").text
    assert 'name="slug" type="text" value="the-seven-year-itch"' in page
    bad = archivist_client.post(f"/posters/{itch}/edit", data={"slug": "beer"})
    assert bad.status_code == 400 and "another poster is called" in bad.text
    saved = archivist_client.post(f"/posters/{itch}/edit", data={"slug": "itch", "title": "The Seven Year Itch"})
    assert saved.status_code == 303 and posters.get_row(db, itch)["slug"] == "itch"
    assert "Saved: slug." in archivist_client.get(f"/posters/{itch}").text
    result = run_cli("posters", "edit", "itch", "--slug", "seven-year-itch", "--json")
    assert result.exit_code == 0 and json_lines(result.output)[0]["slug"] == "seven-year-itch"
    refused = run_cli("posters", "edit", "seven-year-itch", "--slug", "Beer Advert")
    assert refused.exit_code == 1 and "is not a slug" in refused.output


def test_untitled_photos_make_a_poster_named_by_its_set_and_kind(run_cli, make_image, db):
    lines = json_lines(run_cli("import", make_image("IMG_0412.jpg", seed=5), make_image("IMG_0413.jpg", seed=6),
                               "--json", "--tag", "set:european-street").output)
    ids = [line["photo_id"] for line in lines]
    first = poster_growth.from_photos(db, ids[:1], values={"kind": "advert"})
    second = poster_growth.from_photos(db, ids[1:], values={"kind": "advert"})
    third = posters.create(db, {}, photos=ids[:1])
    rows = [posters.get_row(db, i) for i in (first, second, third)]
    assert [r["slug"] for r in rows] == ["european-street-advert", "european-street-advert-2", "poster"]
    assert [r["title"] for r in rows] == ["", "", ""]
    with pytest.raises(posters.PosterError, match="give the poster a title"):
        posters.create(db, {"kind": "advert"})
