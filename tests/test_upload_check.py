"""Upload that never wastes: the batch's trip, photographer and tags are
checked before any file is sent; tag boxes create a missing set, subject or
film for archivists; trips are one vocabulary whatever their case."""

import pytest
from support import json_lines


def test_the_check_reports_each_tag_and_the_trip_it_would_join(archivist_client, run_cli, make_image):
    run_cli("import", make_image("a.jpg"), "--trip", "2019 autumn")
    answer = archivist_client.get("/api/uploads/check", query_string={
        "trip": "2019 AUTUMN", "photographer": "Kim", "tags": "film:Sea of Blood, set:railway, a new word, colour:red"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False
    assert body["trip"] == {"value": "2019 autumn", "known": True, "message": None}
    assert [(t["spec"], t["status"]) for t in body["tags"]] == [
        ("film:Sea of Blood", "unknown"), ("set:railway", "known"), ("a new word", "new"), ("colour:red", "invalid")]
    assert body["tags"][0]["create"] == {"facet": "film", "name": "Sea of Blood"}
    assert body["tags"][1]["tag"]["label"] == "Railway set"
    fine = archivist_client.get("/api/uploads/check", query_string={"trip": "new trip", "tags": "set:railway"})
    assert fine.get_json()["ok"] is True and fine.get_json()["trip"]["known"] is False
    too_long = archivist_client.get("/api/uploads/check", query_string={"photographer": "x" * 201}).get_json()
    assert too_long["ok"] is False and "at most 200" in too_long["photographer"]["message"]


def test_creating_a_film_from_a_tag_box(archivist_client, db):
    made = archivist_client.post("/api/tags", json={"facet": "film", "name": "Sea of Blood", "label_ko": "피바다"})
    assert made.status_code == 201
    assert {k: made.get_json()[k] for k in ("facet", "slug", "label", "label_ko")} == {
        "facet": "film", "slug": "sea-of-blood", "label": "Sea of Blood", "label_ko": "피바다"}
    [row] = db.execute("SELECT action, username FROM tag_history WHERE slug = 'sea-of-blood'").fetchall()
    assert tuple(row) == ("created", "archie")
    again = archivist_client.post("/api/tags", json={"facet": "film", "name": "sea of blood"})
    assert again.status_code == 400 and "already taken" in again.get_json()["error"]
    for bad in ({"facet": "colour", "name": "red"}, {"facet": "film", "name": "!!"}, {"facet": "film"}):
        assert archivist_client.post("/api/tags", json=bad).status_code == 400
    check = archivist_client.get("/api/tags/check?tags=film:Sea of Blood").get_json()["results"]
    assert check[0]["status"] == "known"


@pytest.fixture
def photo_id(run_cli, make_image):
    return json_lines(run_cli("import", make_image("a.jpg"), "--json").output)[0]["photo_id"]


def test_an_unknown_film_on_a_photo_offers_one_click_to_create_and_tag(archivist_client, photo_id, db):
    refused = archivist_client.post(f"/photos/{photo_id}/tags", data={"add": "film:Sea of Blood, set:railway"})
    page = archivist_client.get(refused.headers["Location"]).text
    assert "Create film “Sea of Blood” and tag" in page
    assert db.execute("SELECT count(*) FROM tags WHERE slug = 'sea-of-blood'").fetchone()[0] == 0
    created = archivist_client.post("/tags/create-and-apply", data={
        "facet": "film", "name": "Sea of Blood", "add": "film:Sea of Blood, set:railway", "photo_ids": photo_id,
        "next": f"/photos/{photo_id}#tags"})
    assert created.status_code == 303 and created.headers["Location"] == f"/photos/{photo_id}#tags"
    slugs = {r[0] for r in db.execute("SELECT tags.slug FROM photo_tags JOIN tags ON tags.id = tag_id"
                                      " WHERE photo_id = ?", [photo_id])}
    assert {"sea-of-blood", "railway"} <= slugs
    elsewhere = archivist_client.post("/tags/create-and-apply", data={
        "facet": "subject", "name": "Mural", "next": "https://elsewhere.example/"})
    assert elsewhere.headers["Location"] == "/search"  # never to another site


def test_a_visitor_may_neither_check_nor_create(client):
    assert client.get("/api/uploads/check").status_code == 401
    assert client.get("/api/tags/check?tags=x").status_code == 401
    assert client.post("/api/tags", json={"facet": "film", "name": "x"}).status_code == 401
