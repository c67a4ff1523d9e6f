"""Review by group: clusters of linked photos, their reasons in words, one
decision for a whole cluster (recorded pair by pair, undone as one), plain
copies accepted in bulk; through the JSON API, the web form and the CLI."""

import json

import pytest
from PIL import Image
from support import json_lines, painting, template_poster

from archive.dedup import decisions

# Numbered so the original is imported first: among copies of one size the
# earliest upload is the primary.
VARIANTS = {
    "original.jpg": lambda im: im,
    "same.png": lambda im: im,
    "half.jpg": lambda im: im.resize((600, 450)),
    "small.jpg": lambda im: im.resize((300, 225)),
    "turned.jpg": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "cropped.jpg": lambda im: im.crop((96, 0, 1200, 900)),
    "grey.jpg": lambda im: im.convert("L"),
    "mirrored.jpg": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
}


@pytest.fixture
def client(archivist_client):
    return archivist_client


def make_scene(folder, seed, prefix):
    picture = painting(1200, 900, seed=seed, spots=30)
    for number, (name, edit) in enumerate(VARIANTS.items(), 1):
        edit(picture).save(folder / f"{prefix}-{number}-{name}", quality=90)


@pytest.fixture
def two_scenes(tmp_path, run_cli):
    """16 photos: two scenes, each in 8 copies. {file name: photo id}."""
    folder = tmp_path / "trip"
    folder.mkdir()
    make_scene(folder, 41, "a")
    make_scene(folder, 42, "b")
    result = run_cli("import", folder, "--json", "--workers", "1")
    assert result.exit_code == 0, result.output
    # Named without the number: "a-half.jpg".
    return {_unnumbered(line["path"]): line["photo_id"] for line in json_lines(result.output)}


def _unnumbered(path):
    prefix, _, name = path.rsplit("/", 1)[-1].split("-", 2)
    return f"{prefix}-{name}"


def test_sixteen_photos_of_two_scenes_are_two_clusters_of_eight(two_scenes, client, run_cli):
    queue = client.get("/api/review/clusters").get_json()
    assert queue["total"] == 2 and queue["open_suggestions"] > 20  # pairs by the dozen, groups by two
    assert sorted(c["size"] for c in queue["clusters"]) == [8, 8]
    a_ids = sorted(i for name, i in two_scenes.items() if name.startswith("a-"))
    assert a_ids in [c["photo_ids"] for c in queue["clusters"]]
    assert all(c["kind"] == "duplicate" and c["confidence"] >= 0.9 for c in queue["clusters"])
    # The command line says the same.
    printed = json.loads(run_cli("dedup", "clusters", "--json").output)
    assert printed == queue
    text = run_cli("dedup", "clusters").output
    assert "2 clusters to review" in text and "bits" not in text


def test_each_photo_says_why_in_words(two_scenes, client):
    cluster = client.get(f"/api/review/clusters/{two_scenes['a-grey.jpg']}").get_json()
    assert cluster["primary"] == two_scenes["a-original.jpg"]
    members = {_unnumbered(m["photo"]["original_filename"]): m for m in cluster["members"]}
    assert members["a-original.jpg"]["proposed"] == "same"
    said = {name[2:]: m["reason"]["text"] for name, m in members.items() if m["reason"]}
    assert said["half.jpg"] == "smaller copy (50 %)"
    assert said["small.jpg"] == "smaller copy (25 %)"
    assert said["turned.jpg"] == "turned 90° to the left"
    assert said["mirrored.jpg"] == "mirrored"
    assert said["grey.jpg"] == "greyscale copy"
    assert said["cropped.jpg"] == "cropped by about 8 % on the left"
    assert all("bits" not in text and "+" not in text for text in said.values())
    # The pair queue and the pair page say it too, never "0 + 0 bits apart".
    suggestion = client.get("/api/review").get_json()["suggestions"][0]
    assert suggestion["reason"]["text"] and 0.5 <= suggestion["confidence"] <= 1
    page = client.get(f"/review/{suggestion['id']}").text
    assert "bits apart" not in page and suggestion["reason"]["text"] in page


def test_a_cluster_of_eight_is_decided_in_one_step_and_undone_as_one(two_scenes, client, db, run_cli):
    key = two_scenes["a-original.jpg"]
    cluster = client.get(f"/api/review/clusters/{key}").get_json()
    other, stranger = two_scenes["a-turned.jpg"], two_scenes["a-mirrored.jpg"]
    response = client.post(f"/api/review/clusters/{key}/decision", json={
        "other_shots": [other], "unrelated": [stranger], "photo_ids": cluster["photo_ids"]})
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["kind"] == "cluster" and batch["decided_by"] == "archie"
    assert batch["marks"][str(other)] == "other" and batch["marks"][str(stranger)] == "unrelated"
    # Recorded pair by pair, each with who and when, all in the batch.
    rows = db.execute("SELECT decision, batch_id, decided_by FROM match_decisions").fetchall()
    assert rows and {r[1] for r in rows} == {batch["id"]} and {r[2] for r in rows} == {"archie"}
    assert {r[0] for r in rows} == {"duplicate", "related", "unrelated"}
    # duplicates --json keeps its shape: one confirmed group of the six, another shot beside it.
    groups = json.loads(run_cli("duplicates", "--json").output)["groups"]
    confirmed = [g for g in groups if g["state"] == "confirmed" and g["kind"] == "duplicate"]
    assert len(confirmed) == 1 and len(confirmed[0]["photos"]) == 6
    assert set(confirmed[0]) == {"kind", "state", "primary", "photos"}
    assert stranger not in {p["id"] for p in confirmed[0]["photos"]}
    related = [g for g in groups if g["state"] == "confirmed" and g["kind"] == "related"]
    assert related and other in {p["id"] for p in related[0]["photos"]}
    # The scene's cluster has left the queue; the other scene's stays.
    open_ids = [c["photo_ids"] for c in client.get("/api/review/clusters").get_json()["clusters"]]
    assert all(key not in ids for ids in open_ids) and any(len(ids) == 8 for ids in open_ids)
    # One undo takes the whole batch back.
    undone = client.post(f"/api/review/batches/{batch['id']}/undo")
    assert undone.status_code == 200 and undone.get_json()["undone_at"]
    assert db.execute("SELECT count(*) FROM match_decisions WHERE undone_at IS NULL").fetchone()[0] == 0
    assert client.get("/api/review/clusters").get_json()["total"] == 2
    assert client.post(f"/api/review/batches/{batch['id']}/undo").status_code == 400  # once only
    assert {g["state"] for g in json.loads(run_cli("duplicates", "--json").output)["groups"]} == {"suggested"}


def test_one_pair_of_a_cluster_decision_can_be_undone_alone(two_scenes, client, db):
    key = two_scenes["b-original.jpg"]
    batch = client.post(f"/api/review/clusters/{key}/decision", json={}).get_json()
    assert len(batch["decisions"]) >= 7 and set(batch["marks"].values()) == {"same"}
    one = batch["decisions"][0]
    assert client.post(f"/api/review/decisions/{one['id']}/undo").status_code == 200
    standing = db.execute("SELECT count(*) FROM match_decisions WHERE batch_id = ? AND undone_at IS NULL",
                          [batch["id"]]).fetchone()[0]
    assert standing == len(batch["decisions"]) - 1
    # The undone pair's photos still sit in one confirmed group through the others: nothing to ask.
    assert client.get("/api/review/clusters").get_json()["total"] == 1


def test_a_cluster_that_changed_since_it_was_shown_is_not_decided(two_scenes, client, db):
    key = two_scenes["a-original.jpg"]
    seen = client.get(f"/api/review/clusters/{key}").get_json()["photo_ids"][:-1]
    response = client.post(f"/api/review/clusters/{key}/decision", json={"photo_ids": seen})
    assert response.status_code == 409 and "look at it again" in response.get_json()["error"]
    assert db.execute("SELECT count(*) FROM match_decisions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM decision_batches").fetchone()[0] == 0


@pytest.mark.parametrize("body, message", [
    ({"same": [999]}, "not in this cluster"),
    ({"same": [1], "unrelated": [1]}, "marked both"),
    ({"same": "1"}, "a list of photo ids"),
    ({"primary_id": 1, "unrelated": [1]}, "must be marked as the same photograph"),
    ([1, 2], "send JSON like"),
])
def test_bad_cluster_decisions_are_refused_and_change_nothing(two_scenes, client, db, body, message):
    key = two_scenes["a-original.jpg"]
    response = client.post(f"/api/review/clusters/{key}/decision", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"], response.get_json()
    assert db.execute("SELECT count(*) FROM match_decisions").fetchone()[0] == 0


def test_plain_copies_are_previewed_and_accepted_in_one_step(two_scenes, client, db, run_cli):
    preview = client.get("/api/review/plain").get_json()
    names = {two_scenes_name(two_scenes, i) for s in preview["suggestions"] for i in (s["photo_a"], s["photo_b"])}
    # Resizes and recompressions only: nothing turned, mirrored, cropped or grey.
    assert names and names <= {f"{p}-{n}" for p in "ab" for n in ("original.jpg", "half.jpg", "small.jpg", "same.png")}
    assert all(s["reason"]["plain"] for s in preview["suggestions"])
    assert preview["suggestions"][0]["photos"][0]["id"] == preview["suggestions"][0]["copy_id"]
    # The command line previews the same and changes nothing without --yes.
    shown = run_cli("dedup", "accept-plain")
    assert shown.exit_code == 0 and f"{preview['total']} plain copies" in shown.output and "--yes" in shown.output
    assert db.execute("SELECT count(*) FROM match_decisions").fetchone()[0] == 0
    ids = [s["id"] for s in preview["suggestions"]]
    response = client.post("/api/review/plain/accept", json={"suggestion_ids": ids + [99999]})
    assert response.status_code == 201
    batch = response.get_json()
    assert batch["kind"] == "plain" and batch["skipped"] == [99999]
    assert sorted((d["photo_a"], d["photo_b"]) for d in batch["decisions"]) == sorted(
        (s["photo_a"], s["photo_b"]) for s in preview["suggestions"])
    assert {d["decision"] for d in batch["decisions"]} == {"duplicate"}
    assert client.get("/api/review/plain").get_json()["total"] == 0
    # Turned, mirrored, cropped and grey copies still wait for a look.
    assert client.get("/api/review/clusters").get_json()["total"] == 2
    again = client.post("/api/review/plain/accept", json={"suggestion_ids": ids})
    assert again.status_code == 400 and "plain copy" in again.get_json()["error"]


def two_scenes_name(two_scenes, photo_id):
    return next(name for name, i in two_scenes.items() if i == photo_id)


def test_the_command_line_decides_a_cluster_and_undoes_it(two_scenes, run_cli, db):
    key = two_scenes["b-half.jpg"]
    shown = run_cli("dedup", "cluster", str(key))
    assert shown.exit_code == 0 and "smaller copy (50 %)" in shown.output and "mirrored" in shown.output
    other = two_scenes["b-cropped.jpg"]
    result = run_cli("dedup", "decide-cluster", str(key), "--other", str(other), "--by", "kim", "--json")
    assert result.exit_code == 0, result.output
    batch = json.loads(result.output)
    assert batch["decided_by"] == "kim" and batch["marks"][str(other)] == "other"
    gone = run_cli("dedup", "cluster", str(key))
    assert gone.exit_code != 0 and f"no open cluster holds photo {key}" in gone.output
    undone = run_cli("dedup", "undo-batch", str(batch["id"]), "--by", "kim")
    assert undone.exit_code == 0 and "open for review again" in undone.output
    assert db.execute("SELECT count(*) FROM match_decisions WHERE undone_by = 'kim'").fetchone()[0] == len(
        batch["decisions"])
    bad = run_cli("dedup", "decide-cluster", str(key), "--same", "x")
    assert bad.exit_code != 0 and "comma-separated" in bad.output


def test_deciding_a_cluster_on_the_web_form(two_scenes, client, db):
    queue = client.get("/review")
    assert queue.status_code == 200 and "2 groups of photos to look at" in queue.text
    assert "8 copies of one photograph" in queue.text and "plain cop" in queue.text
    key = two_scenes["a-original.jpg"]
    page = client.get(f"/review/clusters/{key}")
    assert page.status_code == 200 and "Are these 8 one photograph?" in page.text
    assert page.text.count('class="tile ') == 8 and "greyscale copy" in page.text
    ids = client.get(f"/api/review/clusters/{key}").get_json()["photo_ids"]
    form = {"photo_ids": ",".join(map(str, ids)), "primary_id": str(two_scenes["a-half.jpg"]),
            **{f"mark-{i}": "same" for i in ids}, f"mark-{two_scenes['a-grey.jpg']}": "unrelated"}
    saved = client.post(f"/review/clusters/{key}/decision", data=form)
    assert saved.status_code == 302 and "/review/clusters/" in saved.headers["Location"]
    following = client.get(saved.headers["Location"])
    assert "Saved: 7 the same photograph, 1 not related (primary photo" in following.text
    assert "Undo the last group" in following.text
    [group] = [g for g in decisions.all_groups(db) if g["state"] == "confirmed"]
    assert group["primary"] == two_scenes["a-half.jpg"] and len(group["photos"]) == 7
    # Undone from the queue's recent decisions, as one.
    batch_id = db.execute("SELECT id FROM decision_batches").fetchone()[0]
    back = client.post(f"/review/batches/{batch_id}/undo")
    assert back.status_code == 302
    assert "are open for review again" in client.get(back.headers["Location"], follow_redirects=True).text


def test_posters_painted_on_one_template_are_never_suggested_as_one_photograph(tmp_path, run_cli, client):
    for seed in (4, 9):
        template_poster(seed).save(tmp_path / f"poster-{seed}.jpg", quality=90)
    lines = json_lines(run_cli("import", tmp_path / "poster-4.jpg", tmp_path / "poster-9.jpg", "--json").output)
    assert all(m["kind"] != "duplicate" for line in lines for m in line["matches"])
    assert [g for g in json.loads(run_cli("duplicates", "--json").output)["groups"] if g["kind"] == "duplicate"] == []
    for suggestion in client.get("/api/review").get_json()["suggestions"]:
        assert suggestion["reason"]["text"] == "different photograph of the same scene"


def test_dry_run_reports_the_matches_it_would_make_and_stores_nothing(tmp_path, run_cli, db, data_dir):
    picture = painting(1200, 900, seed=43, spots=30)
    picture.save(tmp_path / "a.jpg", quality=90)
    assert run_cli("import", tmp_path / "a.jpg").exit_code == 0
    folder = tmp_path / "more"
    folder.mkdir()
    picture.resize((600, 450)).save(folder / "b-half.jpg", quality=85)
    picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "c-mirrored.jpg", quality=85)
    painting(1200, 900, seed=44).save(folder / "d-other.jpg")
    files_before = sorted(p for p in data_dir.rglob("*") if p.is_file() and "archive.db" not in p.name)
    result = run_cli("import", folder, "--dry-run", "--json", "--workers", "1")
    assert result.exit_code == 0, result.output
    lines = {line["path"].rsplit("/", 1)[-1]: line for line in json_lines(result.output)}
    assert {name: line["status"] for name, line in lines.items()} == {
        "b-half.jpg": "new", "c-mirrored.jpg": "new", "d-other.jpg": "new"}
    assert lines["b-half.jpg"]["matches"] == [{"photo_id": 1, "kind": "duplicate", "reason": "smaller copy (50 %)"}]
    mirrored = lines["c-mirrored.jpg"]["matches"]
    assert {"photo_id": 1, "kind": "duplicate", "reason": "mirrored"} in mirrored
    assert any(m["photo_id"] is None and m["path"].endswith("b-half.jpg") for m in mirrored)  # within the run
    assert lines["d-other.jpg"]["matches"] == []
    text = run_cli("import", folder, "--dry-run", "--workers", "1").output
    assert "would make 3 suggestions for review:" in text and "b-half.jpg looks like photo 1: smaller copy (50 %)" in text
    # Nothing stored: no photo, no suggestion, no file.
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM match_suggestions").fetchone()[0] == 0
    assert sorted(p for p in data_dir.rglob("*") if p.is_file() and "archive.db" not in p.name) == files_before


def test_import_names_its_new_suggestions_and_where_to_review_them(tmp_path, run_cli):
    picture = painting(1200, 900, seed=45, spots=30)
    picture.save(tmp_path / "a.jpg", quality=90)
    picture.resize((600, 450)).save(tmp_path / "b.jpg", quality=85)
    result = run_cli("import", tmp_path / "a.jpg", tmp_path / "b.jpg", "--base-url", "https://archive.example")
    assert result.exit_code == 0
    assert "1 new suggestion for review:" in result.output
    assert "b.jpg (photo 2) looks like photo 1: smaller copy (50 %)" in result.output
    assert "Review them at https://archive.example/review" in result.output


def test_the_upload_answer_carries_thumbnails_and_review_links(client, tmp_path):
    picture = painting(1200, 900, seed=46, spots=30)
    picture.save(tmp_path / "a.jpg", quality=90)
    picture.resize((600, 450)).save(tmp_path / "b.jpg", quality=85)
    with open(tmp_path / "a.jpg", "rb") as a, open(tmp_path / "b.jpg", "rb") as b:
        data = client.post("/api/uploads", data={"photos": [(a, "a.jpg"), (b, "b.jpg")]},
                           content_type="multipart/form-data").get_json()
    first, second = data["results"]
    assert data["new_suggestions"] == 1 and data["review_url"] == "http://localhost/review"
    assert second["thumbnail_url"].endswith("/fit400.jpg")
    [match] = second["matches"]
    assert match == {"photo_id": first["photo_id"], "kind": "duplicate", "reason": "smaller copy (50 %)",
                     "url": f"http://localhost/photos/{first['photo_id']}",
                     "thumbnail_url": first["thumbnail_url"],
                     "review_url": f"http://localhost/review/photos/{second['photo_id']}"}
    review = client.get(match["review_url"].removeprefix("http://localhost"))
    assert review.status_code == 302 and review.headers["Location"] == f"/review/clusters/{first['photo_id']}"
