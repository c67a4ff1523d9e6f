"""Suggestions, decisions, groups and the review screen, through CLI, web and JSON."""

import json

import numpy as np
import pytest
from PIL import Image
from support import json_lines, scene

from archive.dedup import lookup as dedup


@pytest.fixture
def client(archivist_client):
    """Reviewing is for archivists (who may is covered in test_authorization_matrix.py)."""
    return archivist_client


@pytest.fixture
def trio(tmp_path):
    """An original, a smaller rotated copy, and an unrelated photo."""
    folder = tmp_path / "trip"
    folder.mkdir()
    big = scene(1200, 900, seed=31)
    big.save(folder / "a_original.jpg", quality=92)
    big.resize((600, 450)).transpose(Image.Transpose.ROTATE_270).save(folder / "b_phone.jpg", quality=70)
    scene(1200, 900, seed=32).save(folder / "c_other.jpg")
    return folder


def imported(run_cli, *args):
    result = run_cli("import", *args, "--json")
    assert result.exit_code == 0, result.output
    return json_lines(result.output)


def test_import_json_lists_matches_and_duplicates_json_shows_the_suggested_group(run_cli, trio, db):
    a, b, c = imported(run_cli, trio)
    assert a["matches"] == [] and c["matches"] == []
    # The reason in words: the copy was shrunk to half and lost its EXIF turn.
    assert b["matches"] == [{"photo_id": a["photo_id"], "kind": "duplicate",
                             "reason": "turned 90° to the right, smaller copy (50 %)"}]
    result = run_cli("duplicates", "--json")
    assert result.exit_code == 0
    groups = json.loads(result.output)["groups"]
    assert groups == [{
        "kind": "duplicate", "state": "suggested", "primary": a["photo_id"],
        "photos": [
            {"id": a["photo_id"], "original_filename": "a_original.jpg",
             "sha256": db["photos"].get(a["photo_id"])["sha256"]},
            {"id": b["photo_id"], "original_filename": "b_phone.jpg",
             "sha256": db["photos"].get(b["photo_id"])["sha256"]},
        ],
    }]
    assert db.execute("SELECT count(*) FROM photo_fingerprints").fetchone()[0] == 3


def test_primary_is_chosen_by_resolution_not_file_size(run_cli, tmp_path, db):
    small_bloated = tmp_path / "bloated.png"  # a PNG re-encode: larger file, fewer pixels
    original = tmp_path / "original.jpg"
    image = scene(1000, 750, seed=33)
    image.resize((800, 600)).save(small_bloated)
    image.save(original, quality=60)
    first, second = imported(run_cli, small_bloated, original)
    assert small_bloated.stat().st_size > original.stat().st_size
    assert [(m["photo_id"], m["kind"]) for m in second["matches"]] == [(first["photo_id"], "duplicate")]
    [group] = json.loads(run_cli("duplicates", "--json").output)["groups"]
    assert group["primary"] == second["photo_id"]


def test_decisions_are_never_asked_again_and_can_be_undone(run_cli, trio, client, db):
    a, b, _ = imported(run_cli, trio)
    queue = client.get("/api/review").get_json()
    assert queue["total"] == 1
    [suggestion] = queue["suggestions"]
    response = client.post(f"/api/review/{suggestion['id']}/decision", json={"decision": "unrelated"})
    assert response.status_code == 201
    decision = response.get_json()
    assert decision["decision"] == "unrelated" and decision["decided_at"]
    assert client.get("/api/review").get_json()["total"] == 0
    # A rescan compares every pair again, the decided one too, and asks nothing.
    result = run_cli("dedup", "rescan", "--all", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["fingerprinted"] == 3 and summary["suggested"] == 0
    assert client.get("/api/review").get_json()["total"] == 0
    assert json.loads(run_cli("duplicates", "--json").output)["groups"] == []
    # Deciding again is refused; undoing brings the question back.
    again = client.post(f"/api/review/{suggestion['id']}/decision", json={"decision": "duplicate"})
    assert again.status_code == 409 and "already decided" in again.get_json()["error"]
    undone = client.post(f"/api/review/decisions/{decision['id']}/undo")
    assert undone.status_code == 200 and undone.get_json()["undone_at"]
    assert client.get("/api/review").get_json()["total"] == 1
    rows = db.execute("SELECT decision, undone_at IS NOT NULL FROM match_decisions").fetchall()
    assert rows == [("unrelated", 1)]  # the history keeps the undone decision


def test_confirming_a_duplicate_unions_tags_captions_and_provenance(run_cli, trio, client, db):
    a = imported(run_cli, trio / "a_original.jpg", "--tag", "subject:film-poster", "--trip", "2019 autumn")[0]
    b = imported(run_cli, trio / "b_phone.jpg", "--tag", "set:european-street", "--photographer", "Kim")[0]
    db.execute("UPDATE photos SET caption = 'Replica poster, European street' WHERE id = ?", [b["photo_id"]])
    db.conn.commit()
    [suggestion] = client.get("/api/review").get_json()["suggestions"]
    page = client.post(f"/review/{suggestion['id']}/decision",
                       data={"decision": "duplicate", "primary_id": str(a["photo_id"])})
    assert page.status_code == 302 and page.headers["Location"] == "/review"
    versions = client.get(f"/api/photos/{b['photo_id']}/versions").get_json()
    assert versions["primary"] == a["photo_id"]
    assert [v["id"] for v in versions["versions"]] == [a["photo_id"], b["photo_id"]]
    assert versions["tags"]["subject"] == ["film-poster"]
    assert versions["tags"]["set"] == ["european-street"]
    assert versions["tags"]["trip"] == ["2019-autumn"]
    assert versions["captions"] == ["Replica poster, European street"]
    assert {p["photographer"] for p in versions["provenance"]} == {"", "Kim"}
    # Nothing is deleted: both photos stay, and the primary's page lists the versions.
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 2
    html = client.get(f"/photos/{a['photo_id']}").text
    assert "Versions of this photograph" in html and "b_phone.jpg" in html and "Replica poster" in html
    [group] = json.loads(run_cli("duplicates", "--json").output)["groups"]
    assert group["state"] == "confirmed" and group["primary"] == a["photo_id"]


def test_review_screen_shows_the_pair_side_by_side_with_a_metadata_diff(run_cli, trio, client):
    a, b, _ = imported(run_cli, trio)
    home = client.get("/")
    assert 'class="nav-count"' in home.text and ">1</span>" in home.text
    queue = client.get("/review")
    assert queue.status_code == 200 and "1 group of photos to look at" in queue.text and "(1 suggestion)" in queue.text
    [suggestion] = client.get("/api/review").get_json()["suggestions"]
    page = client.get(f"/review/{suggestion['id']}")
    assert page.status_code == 200
    assert "The same photograph?" in page.text
    assert page.text.count('<div class="frame">') == 2
    assert "a_original.jpg" in page.text and "b_phone.jpg" in page.text
    assert 'class="differs"' in page.text  # the file names differ
    assert 'data-shortcut="d"' in page.text and "review.js" in page.text
    assert "<script>" not in page.text and "onclick" not in page.text
    script = client.get("/static/review.js")
    assert script.status_code == 200 and b"keydown" in script.data
    script.close()
    detail = client.get(f"/api/review/{suggestion['id']}").get_json()
    assert {p["id"] for p in detail["photos"]} == {a["photo_id"], b["photo_id"]}
    assert any(row["field"] == "Size" and row["differs"] for row in detail["metadata_diff"])


def test_related_decision_shows_other_shots_on_the_photo_page(run_cli, trio, client):
    a, b, _ = imported(run_cli, trio)
    [suggestion] = client.get("/api/review").get_json()["suggestions"]
    client.post(f"/api/review/{suggestion['id']}/decision", json={"decision": "related"})
    html = client.get(f"/photos/{a['photo_id']}").text
    assert "Other shots of this poster" in html and f"/photos/{b['photo_id']}" in html
    groups = client.get("/api/duplicates").get_json()["groups"]
    assert [(g["kind"], g["state"]) for g in groups] == [("related", "confirmed")]


@pytest.mark.parametrize("body, status, message", [
    ({"decision": "maybe"}, 400, "decision must be one of"),
    ({"decision": "duplicate", "primary_id": 999}, 400, "the primary must be one of"),
    ({"decision": "duplicate", "primary_id": "1"}, 400, "primary_id must be a photo id"),
    (["duplicate"], 400, "send JSON"),
])
def test_bad_decisions_get_a_clear_error_and_change_nothing(run_cli, trio, client, db, body, status, message):
    imported(run_cli, trio)
    [suggestion] = client.get("/api/review").get_json()["suggestions"]
    response = client.post(f"/api/review/{suggestion['id']}/decision", json=body)
    assert response.status_code == status and message in response.get_json()["error"]
    assert db.execute("SELECT count(*) FROM match_decisions").fetchone()[0] == 0


def test_unknown_suggestions_and_decisions_are_404(client):
    assert client.get("/review/5").status_code == 404
    assert client.post("/api/review/5/decision", json={"decision": "related"}).get_json() == {"error": "no suggestion 5"}
    assert client.post("/api/review/decisions/5/undo").status_code == 404


def test_visitors_see_no_queue_and_no_private_versions(run_cli, trio, app, db):
    a, b, _ = imported(run_cli, trio)
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [b["photo_id"]])
    visitor = app.test_client()
    assert visitor.get("/api/review").status_code == 401
    [suggestion_id] = [r[0] for r in db.execute("SELECT id FROM match_suggestions")]
    assert visitor.get(f"/review/{suggestion_id}").status_code == 302  # to log in
    assert visitor.get(f"/api/photos/{b['photo_id']}/versions").status_code == 404
    versions = visitor.get(f"/api/photos/{a['photo_id']}/versions").get_json()
    assert f'"id": {b["photo_id"]}' not in json.dumps(versions)
    assert f'"photo_id": {b["photo_id"]}' not in json.dumps(versions)


def test_cli_review_commands(run_cli, trio):
    a, b, _ = imported(run_cli, trio)
    queue = json.loads(run_cli("dedup", "queue", "--json").output)
    [suggestion] = queue["suggestions"]
    assert queue["total"] == 1 and suggestion["kind"] == "duplicate"
    result = run_cli("dedup", "decide", suggestion["id"], "duplicate", "--primary", b["photo_id"],
                     "--by", "kim", "--json")
    decision = json.loads(result.output)
    assert decision["decided_by"] == "kim" and decision["primary_id"] == b["photo_id"]
    again = run_cli("dedup", "decide", suggestion["id"], "related")
    assert again.exit_code != 0 and "already decided" in again.output
    [group] = json.loads(run_cli("duplicates", "--json").output)["groups"]
    assert group == {**group, "state": "confirmed", "primary": b["photo_id"]}
    text = run_cli("duplicates").output
    assert "confirmed copies of one photo" in text and "b_phone.jpg" in text
    assert run_cli("dedup", "undo", decision["id"]).exit_code == 0
    assert json.loads(run_cli("dedup", "queue", "--json").output)["total"] == 1


def test_rescan_fingerprints_photos_imported_before_matching(run_cli, trio, data_dir, db):
    a, b, _ = imported(run_cli, trio)
    # As the archive was before 0002_dedup: no fingerprints, no suggestions,
    # and one photo whose small derivative has been cleared away.
    db.execute("DELETE FROM match_suggestions")
    db.execute("DELETE FROM photo_fingerprints")
    db.conn.commit()
    sha = db["photos"].get(a["photo_id"])["sha256"]
    (data_dir / "derivatives" / sha[:2] / sha[2:4] / f"{sha}-fit400.jpg").unlink()
    result = run_cli("dedup", "rescan")
    assert result.exit_code == 0, result.output
    assert "3 photos fingerprinted" in result.output and "1 new suggestions" in result.output
    assert db.execute("SELECT count(*) FROM photo_fingerprints").fetchone()[0] == 3
    assert db.execute("SELECT photo_a, photo_b, kind FROM match_suggestions").fetchall() == [
        (a["photo_id"], b["photo_id"], "duplicate")]
    # Nothing left to do the second time.
    assert "0 photos fingerprinted" in run_cli("dedup", "rescan").output


def test_rescan_remakes_fingerprints_made_the_old_way(run_cli, trio, db):
    imported(run_cli, trio)
    before = {row["photo_id"]: row["window_phashes"] for row in db.query("SELECT * FROM photo_fingerprints")}
    db.execute("UPDATE photo_fingerprints SET version = ?, window_phashes = zeroblob(112)",
               [dedup.FINGERPRINT_VERSION - 1])
    db.conn.commit()
    assert "3 photos fingerprinted" in run_cli("dedup", "rescan").output
    rows = list(db.query("SELECT * FROM photo_fingerprints"))
    assert {row["version"] for row in rows} == {dedup.FINGERPRINT_VERSION}
    # Remade from the stored thumbnail: what import made, give or take a bit.
    for row in rows:
        remade, made = (np.frombuffer(blob, "<u8") for blob in (row["window_phashes"], before[row["photo_id"]]))
        assert int(np.bitwise_count(remade ^ made).max()) <= 4


FORM = {"trip": "", "photographer": "", "tags": ""}  # as a browser sends the form


def test_web_upload_reports_matches(client, trio):
    with open(trio / "a_original.jpg", "rb") as a, open(trio / "b_phone.jpg", "rb") as b:
        page = client.post("/upload", data={"photos": [(a, "a.jpg"), (b, "b.jpg")], **FORM},
                           content_type="multipart/form-data")
    assert page.status_code == 200
    # Without JavaScript too: the match, why, both thumbnails, where to decide it.
    assert "Looks like" in page.text and "turned 90° to the right, smaller copy (50 %)" in page.text
    assert page.text.count("/fit400.jpg") == 3  # each file's photo, and the photo the second looks like
    assert 'href="http://localhost/review/photos/2">review</a>' in page.text
    assert "1 new suggestion to review" in page.text
    with open(trio / "a_original.jpg", "rb") as a:
        data = client.post("/api/uploads", data={"photos": [(a, "again.jpg")], **FORM},
                           content_type="multipart/form-data").get_json()
    assert data["results"][0]["status"] == "duplicate"  # the very same bytes: stored once


def test_a_pair_already_inside_one_confirmed_group_is_not_asked(run_cli, tmp_path, client):
    image = scene(1000, 750, seed=35)
    for name, copy in (("a.jpg", image), ("b.png", image.resize((700, 525))),
                       ("c.jpg", image.transpose(Image.Transpose.ROTATE_180))):
        copy.save(tmp_path / name)
    imported(run_cli, tmp_path / "a.jpg", tmp_path / "b.png", tmp_path / "c.jpg")
    queue = client.get("/api/review").get_json()
    assert queue["total"] == 3  # a-b, a-c, b-c
    first, second = queue["suggestions"][:2]
    for s in (first, second):
        client.post(f"/api/review/{s['id']}/decision", json={"decision": "duplicate"})
    # The third pair is settled by the other two: all three are one photograph.
    assert client.get("/api/review").get_json() == {"total": 0, "suggestions": []}
    groups = client.get("/api/duplicates").get_json()["groups"]
    assert [(g["state"], len(g["photos"])) for g in groups] == [("confirmed", 3)]
