"""Deleting a poster: its photos stay; what it was stays in its history,
from which reverting the deletion restores it under the same id."""

import pytest
from support import json_lines

from archive.catalogue import posters


@pytest.fixture
def poster(run_cli, make_image, db):
    ids = [line["photo_id"] for line in json_lines(run_cli(
        "import", make_image("a.jpg", seed=51), make_image("b.jpg", seed=52), "--json").output)]
    poster_id = posters.create(db, {"title": "Beer advert", "kind": "advert", "painted_text": "맥주"},
                               photos=[(ids[0], {"x": 1, "y": 2, "w": 30, "h": 40}), ids[1]])
    return poster_id, ids


def test_the_api_deletes_and_a_revert_restores(archivist_client, client, poster, db):
    poster_id, ids = poster
    assert client.delete(f"/api/posters/{poster_id}").status_code == 401
    deleted = archivist_client.delete(f"/api/posters/{poster_id}")
    assert deleted.status_code == 200 and deleted.json["deleted"] == poster_id
    before = {e["field"]: e["before"] for e in deleted.json["change"]["entries"]}
    assert before["title"] == "Beer advert" and before["painted_text"] == "맥주"
    assert before[f"photo:{ids[0]}"] == {"region": {"x": 1, "y": 2, "w": 30, "h": 40}}
    assert archivist_client.get(f"/api/posters/{poster_id}").status_code == 404
    assert archivist_client.delete(f"/api/posters/{poster_id}").status_code == 404
    assert db["photos"].count == 2 and db["poster_photos"].count == 0
    changes = archivist_client.get(f"/api/posters/{poster_id}/history").json["changes"]
    assert [c["action"] for c in changes] == ["delete", "create"]
    restored = archivist_client.post(f"/api/posters/{poster_id}/history/{changes[0]['id']}/revert")
    assert restored.status_code == 200, restored.json
    back = restored.json["poster"]
    assert (back["id"], back["slug"], back["title"], back["kind"]) == (poster_id, "beer-advert", "Beer advert", "advert")
    assert [p["region"] for p in back["photos"]] == [{"x": 1, "y": 2, "w": 30, "h": 40}, None]
    again = archivist_client.post(f"/api/posters/{poster_id}/history/{changes[0]['id']}/revert")
    assert again.status_code == 409


def test_a_new_poster_never_takes_a_deleted_ones_id(poster, db):
    poster_id, _ = poster
    posters.delete(db, poster_id)
    assert posters.create(db, {"title": "Beer advert"}) != poster_id
    change = posters.poster_history(db, poster_id)[0]["id"]
    restored = posters.revert(db, change)
    assert posters.get_row(db, poster_id)["slug"] == "beer-advert-2"  # the new poster kept the slug
    assert posters.poster_history(db, poster_id)[0]["action"] == "restore" and restored


def test_the_page_deletes_once_the_box_is_ticked(archivist_client, poster, db):
    poster_id, _ = poster
    page = archivist_client.get(f"/posters/{poster_id}").text
    assert "Delete this poster" in page and "Its 2 photos stay in the archive" in page
    unticked = archivist_client.post(f"/posters/{poster_id}/delete")
    assert unticked.status_code == 303 and posters.get_row(db, poster_id) is not None
    done = archivist_client.post(f"/posters/{poster_id}/delete", data={"confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/posters")
    assert "deleted; its photos are untouched" in archivist_client.get("/posters").text
    assert posters.get_row(db, poster_id) is None and db["photos"].count == 2


def test_the_cli_deletes_shows_the_history_and_restores(run_cli, poster, db):
    poster_id, _ = poster
    out = run_cli("posters", "delete", "beer-advert").output
    assert f"poster {poster_id} (beer-advert) deleted" in out
    history = run_cli("posters", "history", str(poster_id)).output
    assert "delete" in history and "title: Beer advert -> (empty)" in history
    change = posters.poster_history(db, poster_id)[0]["id"]
    assert run_cli("posters", "revert", str(change)).exit_code == 0
    assert posters.find(db, "beer-advert")["id"] == poster_id
    assert run_cli("posters", "delete", "no-such").exit_code == 1
