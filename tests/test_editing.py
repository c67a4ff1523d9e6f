"""Editing a photo after import: PATCH /api/photos/<id>, the form on the
photo page, bulk edits and publishing from search results; every change in
the history, each revertable; search, IIIF, exports and citations follow."""

import csv
import io
import re

import pytest
from support import json_lines

from archive.catalogue import editing, history
from archive.search import engine as search


@pytest.fixture
def photo_ids(run_cli, make_image):
    result = run_cli("import", make_image("a.jpg", seed=1), make_image("b.jpg", seed=2), make_image("c.jpg", seed=3),
                     "--json", "--trip", "2019 autumn", "--tag", "set:european-street")
    return [line["photo_id"] for line in json_lines(result.output)]


def row(db, photo_id):
    return db["photos"].get(photo_id)


def found(db, query, include_private=True):
    return [r["id"] for r in search.search(db, query, include_private=include_private).page.items]


def test_patch_changes_only_what_is_sent_and_answers_the_photo(archivist_client, photo_ids, db):
    photo_id = photo_ids[0]
    response = archivist_client.patch(f"/api/photos/{photo_id}", json={
        "title": "The Flower Girl", "title_ko": "꽃파는 처녀", "caption": "Repainted for the 2019 season",
        "caption_ko": "2019년에 다시 그린 포스터", "taken_at": "1987", "taken_precision": "circa"})
    assert response.status_code == 200
    body = response.get_json()
    assert body == archivist_client.get(f"/api/photos/{photo_id}").get_json()
    assert (body["title"], body["title_ko"], body["caption_ko"]) == ("The Flower Girl", "꽃파는 처녀",
                                                                     "2019년에 다시 그린 포스터")
    assert (body["taken_at"], body["taken_precision"]) == ("1987-01-01", "circa")
    assert row(db, photo_id)["trip"] == "2019 autumn"  # not sent, not changed
    [change] = archivist_client.get(f"/api/photos/{photo_id}/history").get_json()["changes"]
    assert change["username"] == "archie" and change["action"] == "edit"
    assert {e["field"]: (e["before"], e["after"]) for e in change["entries"]} == {
        "title": ("", "The Flower Girl"), "title_ko": ("", "꽃파는 처녀"),
        "caption": ("", "Repainted for the 2019 season"), "caption_ko": ("", "2019년에 다시 그린 포스터"),
        "taken_at": (None, "1987-01-01"), "taken_precision": ("", "circa")}


@pytest.mark.parametrize("body, field", [
    ({"title": 3}, "title"), ({"taken_at": "2019-13"}, "taken_at"), ({"shoe_size": "9"}, "shoe_size"),
    ({"taken_precision": "fortnight"}, "taken_precision"), ({"title": "x" * 301}, "title"), ({}, None),
    (["title"], None), ({"taken_at": "2019", "taken_precision": "day"}, "taken_at"),
])
def test_a_bad_field_is_a_400_that_changes_nothing(archivist_client, photo_ids, db, body, field):
    before = row(db, photo_ids[0])
    response = archivist_client.patch(f"/api/photos/{photo_ids[0]}", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    if field:
        assert field in response.get_json()["error"] or field in (response.get_json().get("fields") or {})
    assert row(db, photo_ids[0]) == before
    assert db["edit_changes"].count == 0


def test_patch_needs_an_archivist_and_the_csrf_token(csrf_app, photo_ids, make_user):
    from support import logged_in_client

    visitor = csrf_app.test_client()
    assert visitor.patch(f"/api/photos/{photo_ids[0]}", json={"title": "x"}).status_code == 401
    archivist = logged_in_client(csrf_app, make_user("kim"))
    refused = archivist.patch(f"/api/photos/{photo_ids[0]}", json={"title": "x"})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    token = archivist.get("/api/session").get_json()["csrf_token"]
    assert archivist.patch(f"/api/photos/{photo_ids[0]}", json={"title": "x"},
                           headers={"X-CSRFToken": token}).status_code == 200


def test_search_facets_iiif_exports_and_the_citation_follow_an_edit(archivist_client, photo_ids, db):
    photo_id = photo_ids[1]
    assert found(db, "lanterns") == []
    archivist_client.patch(f"/api/photos/{photo_id}", json={
        "caption": "Paper lanterns over the cinema door", "title": "Cinema door", "title_ko": "영화관 문",
        "taken_at": "2019-10", "trip": "2019 Spring", "photographer": "Kim Ok"})
    assert found(db, "lanterns") == [photo_id]
    assert found(db, "영화관") == [photo_id]  # the Korean title, inside a longer word too
    assert found(db, "has:caption") == [photo_id]
    assert found(db, "trip:2019-spring") == [photo_id]  # the trip's tag followed the trip
    facets = search.search(db, "", include_private=True).facets
    assert {e["value"]: e["count"] for e in facets["trip"]} == {"2019-autumn": 2, "2019-spring": 1}
    assert {e["value"]: e["count"] for e in facets["year"]}["2019"] >= 1
    manifest = archivist_client.get(f"/iiif/photos/{photo_id}/manifest.json").get_json()
    assert manifest["label"] == {"en": ["Cinema door"], "ko": ["영화관 문"]}
    assert manifest["summary"] == {"en": ["Paper lanterns over the cinema door"]}
    assert {"label": {"en": ["Taken"]}, "value": {"none": ["October 2019"]}} in manifest["metadata"]
    exported = {int(r["id"]): r for r in csv.DictReader(io.StringIO(archivist_client.get("/api/export.csv").text))}
    assert (exported[photo_id]["title"], exported[photo_id]["title_ko"], exported[photo_id]["taken_precision"]) == (
        "Cinema door", "영화관 문", "month")
    page = archivist_client.get(f"/photos/{photo_id}").text
    assert "Cinema door. Photograph by Kim Ok, October 2019." in page
    assert '<p class="title-other" lang="ko">영화관 문</p>' in page


def test_the_form_on_the_photo_page_saves_and_a_bad_date_keeps_what_was_typed(archivist_client, photo_ids, db):
    photo_id = photo_ids[0]
    page = archivist_client.get(f"/photos/{photo_id}").text
    assert 'id="edit"' in page and 'name="title_ko"' in page and 'name="taken_precision"' in page
    refused = archivist_client.post(f"/photos/{photo_id}/edit", data={
        "title": "Typed and kept", "taken_at": "2019-02-30", "taken_precision": ""})
    assert refused.status_code == 400
    assert 'value="Typed and kept"' in refused.text and "is not a real date" in refused.text
    assert re.search(r'<details class="edit-panel" id="edit" open>', refused.text)
    assert row(db, photo_id)["title"] == ""
    saved = archivist_client.post(f"/photos/{photo_id}/edit", data={
        "title": "Typed and kept", "taken_at": "2019-02", "taken_precision": "", "caption": "A caption"})
    assert saved.status_code == 303
    after = archivist_client.get(saved.headers["Location"]).text
    assert "Saved: title, caption, date taken, precision of the date." in after
    assert (row(db, photo_id)["taken_at"], row(db, photo_id)["taken_precision"]) == ("2019-02-01", "month")
    assert "February 2019" in after


def test_the_history_shows_each_change_and_reverts_it(archivist_client, photo_ids, db):
    photo_id = photo_ids[0]
    archivist_client.patch(f"/api/photos/{photo_id}", json={"caption": "First"})
    archivist_client.patch(f"/api/photos/{photo_id}", json={"caption": "Second", "title": "T"})
    first, second = (c["id"] for c in reversed(archivist_client.get(f"/api/photos/{photo_id}/history")
                                                .get_json()["changes"]))
    page = archivist_client.get(f"/photos/{photo_id}").text
    assert page.count('class="revert-form"') == 2 and "<del>First</del>" in page and "<ins>Second</ins>" in page
    # The older change cannot go back over the newer one's caption.
    conflict = archivist_client.post(f"/api/photos/{photo_id}/history/{first}/revert")
    assert conflict.status_code == 409 and "changed again since" in conflict.get_json()["error"]
    assert row(db, photo_id)["caption"] == "Second"
    reverted = archivist_client.post(f"/photos/{photo_id}/history/{second}/revert")
    assert reverted.status_code == 303
    assert (row(db, photo_id)["caption"], row(db, photo_id)["title"]) == ("First", "")
    again = archivist_client.post(f"/api/photos/{photo_id}/history/{second}/revert")
    assert again.status_code == 409 and "already reverted" in again.get_json()["error"]
    ok = archivist_client.post(f"/api/photos/{photo_id}/history/{first}/revert")
    assert ok.status_code == 200 and ok.get_json()["photo"]["caption"] == ""
    assert ok.get_json()["change"]["reverts"] == first
    # The revert is itself a change, which can be reverted.
    undo = archivist_client.post(f"/api/photos/{photo_id}/history/{ok.get_json()['change']['id']}/revert")
    assert undo.status_code == 200 and row(db, photo_id)["caption"] == "First"
    assert archivist_client.post(f"/api/photos/{photo_ids[1]}/history/{first}/revert").status_code == 404


def test_a_date_changed_with_its_precision_reads_as_one_row_of_the_history(archivist_client, photo_ids):
    photo_id = photo_ids[0]
    archivist_client.patch(f"/api/photos/{photo_id}", json={"taken_at": "1987-01-01", "taken_precision": "circa"})
    page = archivist_client.get(f"/photos/{photo_id}").text
    history = page[page.index('id="history"'):]
    assert "<ins>about 1987</ins>" in history
    assert "<ins>1987-01-01</ins>" not in history


def test_visitors_see_neither_the_form_nor_the_history(client, photo_ids, archivist_client):
    archivist_client.patch(f"/api/photos/{photo_ids[0]}", json={"caption": "Public words"})
    page = client.get(f"/photos/{photo_ids[0]}").text
    assert "Public words" in page
    assert 'id="edit"' not in page and 'id="history"' not in page
    assert client.get(f"/api/photos/{photo_ids[0]}/history").status_code == 401


def test_bulk_edit_sets_and_clears_a_field_as_one_revertable_change(archivist_client, photo_ids, db):
    response = archivist_client.post("/photos/bulk/edit", data={
        "scope": "query", "q": "trip:2019-autumn", "field": "photographer", "value": "Kim Ok", "action": "set",
        "next": "/search?q=trip:2019-autumn"})
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=trip:2019-autumn"
    assert {row(db, i)["photographer"] for i in photo_ids} == {"Kim Ok"}
    assert "Photographer set on 3 photos" in archivist_client.get(response.headers["Location"]).text
    [change_id] = {c["id"] for i in photo_ids for c in editing.photo_history(db, i)}
    archivist_client.post("/photos/bulk/edit", data={"scope": "selected", "photo_ids": [photo_ids[0]],
                                                     "field": "photographer", "action": "clear"})
    assert [row(db, i)["photographer"] for i in photo_ids] == ["", "Kim Ok", "Kim Ok"]
    editing.revert(db, change_id, "kim", photo_id=photo_ids[1])  # one photo of the bulk change
    assert [row(db, i)["photographer"] for i in photo_ids] == ["", "", "Kim Ok"]
    bad = archivist_client.post("/photos/bulk/edit", data={"scope": "selected", "photo_ids": photo_ids,
                                                           "field": "taken_at", "value": "someday", "action": "set"})
    assert bad.status_code == 303
    assert all(row(db, i)["taken_at"] is None for i in photo_ids)


def test_publish_twenty_photos_at_once_from_search_results(archivist_client, run_cli, make_image, db, client):
    folder = [make_image(f"batch/p{i:02d}.jpg", seed=100 + i, width=160, height=120) for i in range(20)]
    ids = [line["photo_id"] for line in json_lines(run_cli("import", folder[0].parent, "--json").output)]
    run_cli("unpublish", *ids)
    assert client.get("/api/photos").get_json()["total"] == 0
    response = archivist_client.post("/photos/bulk/visibility", data={
        "scope": "selected", "photo_ids": ids, "public": "1", "next": "/search?q=is:private"})
    assert response.status_code == 303
    assert "20 photos now public" in archivist_client.get(response.headers["Location"]).text
    assert client.get("/api/photos").get_json()["total"] == 20
    published, unpublished = editing.photo_history(db, ids[0])
    assert (published["action"], published["username"], unpublished["action"]) == ("publish", "archie", "unpublish")
    assert len(history.get_change(db, published["id"])["record_ids"]) == 20


def test_turning_keeps_the_original_and_remakes_the_images(archivist_client, photo_ids, db, data_dir):
    photo_id = photo_ids[0]
    before = row(db, photo_id)
    original = next((data_dir / "originals").rglob(f"{before['sha256']}.*"))
    original_bytes = original.read_bytes()
    old_thumb = archivist_client.get(f"/api/photos/{photo_id}").get_json()["thumbnail_url"]
    turned = archivist_client.post(f"/api/photos/{photo_id}/turn", json={"turn": "cw"}).get_json()
    assert (turned["width"], turned["height"]) == (before["height"], before["width"])
    assert turned["sha256"] == before["sha256"] and original.read_bytes() == original_bytes
    assert turned["thumbnail_url"] != old_thumb and "-o6.jpg" in turned["thumbnail_url"]
    with archivist_client.get(old_thumb.replace("http://localhost", "")) as stale:
        assert stale.status_code == 404  # the old orientation's name is gone
    with archivist_client.get(turned["thumbnail_url"].replace("http://localhost", "")) as fresh:
        assert fresh.status_code == 200
        from PIL import Image

        with Image.open(io.BytesIO(fresh.data)) as image:
            assert image.height > image.width
    assert row(db, photo_id)["phash"] != before["phash"]
    info = archivist_client.get(f"/iiif/3/{photo_id}/info.json").get_json()
    assert (info["width"], info["height"]) == (before["height"], before["width"])
    assert archivist_client.post(f"/api/photos/{photo_id}/turn", json={"turn": "sideways"}).status_code == 400
    [change] = editing.photo_history(db, photo_id)
    assert change["entries"][0]["after_text"] == "turned 90° clockwise"
    editing.revert(db, change["id"], "kim")
    assert (row(db, photo_id)["width"], row(db, photo_id)["orientation_override"]) == (before["width"], None)


def test_the_cli_edits_turns_shows_and_reverts(run_cli, photo_ids, db):
    result = run_cli("photos", "edit", photo_ids[0], photo_ids[1], "--title", "Sea of Blood", "--title-ko", "피바다",
                     "--taken", "1971-05", "--by", "kim")
    assert result.exit_code == 0 and "2 of 2 photos changed" in result.output
    assert [row(db, i)["title_ko"] for i in photo_ids[:2]] == ["피바다", "피바다"]
    edited = run_cli("photos", "edit", photo_ids[2], "--caption", "Words", "--json")
    printed = json_lines(edited.output)[0]
    assert printed["changed"] == 1 and printed["photos"][0]["caption"] == "Words"
    assert run_cli("photos", "rotate", photo_ids[2], "90").exit_code == 0
    assert row(db, photo_ids[2])["orientation_override"] == 6
    shown = run_cli("photos", "history", photo_ids[2]).output
    assert "rotate" in shown and "caption: (empty) -> Words" in shown
    as_json = json_lines(run_cli("photos", "history", photo_ids[0], "--json").output)[0]
    change = as_json["changes"][0]["id"]
    assert run_cli("photos", "revert", change).output.startswith(f"change {change + 3} reverted change {change}")
    assert [row(db, i)["title"] for i in photo_ids[:2]] == ["", ""]
    refused = run_cli("photos", "edit", photo_ids[0], "--taken", "2019-02-30")
    assert refused.exit_code == 1 and "is not a real date" in refused.output
    assert run_cli("photos", "edit", photo_ids[0]).exit_code == 2  # no field named
