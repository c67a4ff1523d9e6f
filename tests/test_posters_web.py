"""Posters on the web and as JSON: the pages, making a poster from a photo
or a group, links with regions, edits and reverts, confirming a machine
draft into a photo's transcription, and the JSON API."""

import pytest
from iiif_must import check_manifest
from support import json_lines

from archive.catalogue import editing, posters
from archive.transcription import drafts
from archive.transcription.choice import Reading
from archive.transcription.reader import Line


@pytest.fixture
def shots(run_cli, make_image, db):
    ids = []
    for n, (trip, taken) in enumerate([("2012 spring", "2012-04-03"), ("2016 autumn", "2016-10-01"),
                                       ("2019 autumn", "2019-10-02")]):
        [line] = json_lines(run_cli("import", make_image(f"w{n}.jpg", seed=60 + n), "--json", "--trip", trip).output)
        editing.edit_photo(db, line["photo_id"], {"taken_at": taken})
        ids.append(line["photo_id"])
    return ids


def _draft(db, photo_id, *texts):
    lines = [Line(box=[[10, 10 + 40 * n], [200, 10 + 40 * n], [200, 40 + 40 * n], [10, 40 + 40 * n]], vertical=False,
                  readings=[Reading(text, 0.9, "rapidocr")]) for n, text in enumerate(texts)]
    drafts.save(db, photo_id, drafts.Draft("rapidocr", "3.4", lines))


def test_the_api_makes_reads_edits_links_and_reverts(archivist_client, client, shots, db):
    made = archivist_client.post("/api/posters", json={
        "title": "The Seven Year Itch", "kind": "film-poster-replica", "set": "european-street",
        "film": "the-seven-year-itch", "painted_text": "THE SEVEN YEAR ITCH",
        "photos": [{"photo_id": shots[0], "region": {"x": 10, "y": 20, "w": 200, "h": 300}}, {"photo_id": shots[2]}]})
    assert made.status_code == 201, made.json
    poster = made.json
    assert (poster["first_seen"], poster["last_seen"]) == ("2012-04-03", "2019-10-02")
    assert [p["id"] for p in poster["photos"]] == [shots[0], shots[2]]
    assert poster["photos"][0]["region"] == {"x": 10, "y": 20, "w": 200, "h": 300}
    pid = poster["id"]
    assert client.get(f"/api/posters/{pid}").json["slug"] == "the-seven-year-itch"
    edited = archivist_client.patch(f"/api/posters/{pid}", json={"status": "repainted"})
    assert edited.status_code == 200 and edited.json["status"] == "repainted"
    linked = archivist_client.post(f"/api/posters/{pid}/photos", json={"photo_id": shots[1]})
    assert [p["id"] for p in linked.json["photos"]] == shots
    assert archivist_client.delete(f"/api/posters/{pid}/photos/{shots[1]}").status_code == 200
    assert archivist_client.delete(f"/api/posters/{pid}/photos/{shots[1]}").status_code == 404
    changes = archivist_client.get(f"/api/posters/{pid}/history").json["changes"]
    assert [c["action"] for c in changes] == ["unlink", "link", "edit", "create"]
    reverted = archivist_client.post(f"/api/posters/{pid}/history/{changes[2]['id']}/revert")
    assert reverted.status_code == 200 and reverted.json["poster"]["status"] == "unknown"
    again = archivist_client.post(f"/api/posters/{pid}/history/{changes[2]['id']}/revert")
    assert again.status_code == 409 and "already reverted" in again.json["error"]
    listed = client.get("/api/posters?kind=film-poster-replica").json
    assert listed["total"] == 1 and listed["facets"]["set"][0]["value"] == "european-street"


def test_bad_bodies_are_400_with_a_message_and_change_nothing(archivist_client, shots, db):
    for body, message in [({"title": "x", "kind": "poster"}, "kind must be one of"),
                          ({"kind": "advert"}, "give the poster a title"),
                          ({"title": "x", "photos": [{"photo_id": 999}]}, "no photo 999"),
                          ({"title": "x", "photos": [{"photo_id": shots[0], "region": {"x": 0, "y": 0, "w": 9999,
                                                                                        "h": 1}}]}, "inside the photo"),
                          ([1, 2], "send JSON like")]:
        response = archivist_client.post("/api/posters", json=body)
        assert response.status_code == 400 and message in response.json["error"], (body, response.json)
    assert db["posters"].count == 0
    pid = posters.create(db, {"title": "Beer"})
    assert archivist_client.patch(f"/api/posters/{pid}", json={"colour": "red"}).json["error"].startswith(
        "'colour' cannot be edited")
    assert archivist_client.patch("/api/posters/99", json={"title": "x"}).status_code == 404


def test_visitors_read_but_never_write(client, shots, db):
    pid = posters.create(db, {"title": "Beer"}, photos=shots[:1])
    assert client.get(f"/api/posters/{pid}").status_code == 200
    assert client.post("/api/posters", json={"title": "x"}).status_code == 401
    assert client.patch(f"/api/posters/{pid}", json={"title": "x"}).status_code == 401
    assert client.get(f"/api/posters/{pid}/history").status_code == 401
    empty = posters.create(db, {"title": "Nothing yet"})
    assert client.get(f"/api/posters/{empty}").status_code == 404
    assert client.get(f"/posters/{empty}").status_code == 404


def test_the_poster_page_shows_the_timeline_text_and_history(archivist_client, client, shots, db):
    pid = posters.create(db, {"title": "Tea house", "title_ko": "차집", "painted_text": "中華茶館",
                              "translation": "Chinese tea house", "set": "chinese-street"}, photos=shots)
    page = client.get(f"/posters/{pid}").text
    assert "Tea house" in page and "中華茶館" in page and "Chinese tea house" in page
    assert page.index("2012 spring") < page.index("2016 autumn") < page.index("2019 autumn")
    assert "Seen <strong>2012</strong> – <strong>2019</strong>" in page
    assert f"/iiif/posters/{pid}/manifest.json" in page
    assert "History of changes" not in page and "Edit this poster" not in page
    own = archivist_client.get(f"/posters/{pid}").text
    assert "History of changes" in own and "Edit this poster" in own
    assert "Tea house" in client.get("/posters").text
    assert "Tea house" in client.get("/posters?set=chinese-street").text
    assert "Tea house" not in client.get("/posters?set=european-street").text


def test_editing_and_reverting_through_the_page(archivist_client, shots, db):
    pid = posters.create(db, {"title": "Tea house"}, photos=shots[:1])
    response = archivist_client.post(f"/posters/{pid}/edit", data={"title": "Old tea house", "status": "gone",
                                                                   "kind": "shop-sign"})
    assert response.status_code == 303
    assert (db["posters"].get(pid)["title"], db["posters"].get(pid)["status"]) == ("Old tea house", "gone")
    refused = archivist_client.post(f"/posters/{pid}/edit", data={"title": "x", "kind": "statue"})
    assert refused.status_code == 400 and "kind" in refused.text and db["posters"].get(pid)["title"] == "Old tea house"
    change = posters.poster_history(db, pid)[0]["id"]
    archivist_client.post(f"/posters/{pid}/history/{change}/revert")
    assert db["posters"].get(pid)["title"] == "Tea house"


def test_making_a_poster_from_a_photo_with_a_region(archivist_client, shots, db):
    page = archivist_client.get(f"/photos/{shots[0]}").text
    assert "Make a poster from this photo" in page
    response = archivist_client.post("/posters/new", data={"photo_ids": str(shots[0]), "title": "Beer",
                                                           "x": "5", "y": "6", "w": "70", "h": "80"})
    assert response.status_code == 303
    [row] = db["posters"].rows
    assert response.headers["Location"] == f"/posters/{row['id']}"
    assert posters.links_of(db, row["id"]) == {shots[0]: {"x": 5, "y": 6, "w": 70, "h": 80}}
    assert "Beer" in archivist_client.get(f"/photos/{shots[0]}").text
    bad = archivist_client.post("/posters/new", data={"photo_ids": "", "title": "x"})
    assert bad.status_code == 303 and db["posters"].count == 1


def test_a_draft_is_confirmed_into_the_transcription(archivist_client, shots, db):
    _draft(db, shots[0], "中華茶館", "茶")
    page = archivist_client.get(f"/photos/{shots[0]}").text
    assert "machine draft" in page and 'value="中華茶館"' in page and "<polygon" in page
    response = archivist_client.post(f"/photos/{shots[0]}/transcription/confirm",
                                     data={"line": ["中華茶館", "茶"], "keep": ["0"]})
    assert response.status_code == 303
    assert db["photos"].get(shots[0])["transcription"] == "中華茶館"
    assert editing.photo_history(db, shots[0])[0]["entries"][0]["field"] == "transcription"


def test_the_poster_manifest_annotates_the_words(client, shots, db):
    pid = posters.create(db, {"title": "Tea house", "painted_text": "中華茶館"},
                         photos=[(shots[0], {"x": 1, "y": 2, "w": 100, "h": 50}), shots[1]])
    _draft(db, shots[1], "茶館")
    manifest = client.get(f"/iiif/posters/{pid}/manifest.json").json
    assert check_manifest(manifest) == []
    first, second = manifest["items"]
    [note] = first["annotations"][0]["items"]
    assert (note["motivation"], note["body"]["value"]) == ("supplementing", "中華茶館")
    assert note["target"].endswith("#xywh=1,2,100,50")
    assert [a["body"]["value"] for a in second["annotations"][0]["items"]] == ["中華茶館", "茶館"]
    photo = client.get(f"/iiif/photos/{shots[0]}/manifest.json").json
    assert check_manifest(photo) == [] and photo["items"][0]["annotations"][0]["items"][0]["target"].endswith(
        "#xywh=1,2,100,50")
