"""Exports: a BagIt bag with the originals, CSV and JSON, from the CLI and the web."""

import csv
import io
import json

import bagit
import pytest
from support import files_under, json_lines


@pytest.fixture
def archive(run_cli, make_image, db):
    """Three photos: two public with tags, one private with a GPS position."""
    first = make_image("flower-girl.jpg", 320, 240, seed=1)
    second = make_image("sign.png", 200, 150, seed=2)
    third = make_image("hidden.jpg", 300, 200, seed=3)
    lines = json_lines(run_cli("import", first, second, "--json", "--trip", "2019 autumn",
                               "--tag", "set:european-street", "--tag", "film:the-flower-girl").output)
    lines += json_lines(run_cli("import", third, "--json").output)
    ids = [line["photo_id"] for line in lines]
    db.execute("UPDATE photos SET is_public = 0, gps_lat = 39.0, gps_lon = 125.7 WHERE id = ?", [ids[2]])
    db.execute("UPDATE photos SET caption = ? WHERE id = ?", ['A "quoted", comma caption\non two lines', ids[0]])
    return {"ids": ids, "files": [first, second, third]}


def test_bagit_export_holds_every_original_with_metadata_and_validates(run_cli, archive, tmp_path, db):
    dest = tmp_path / "bag"
    result = run_cli("export", "--format", "bagit", dest)
    assert result.exit_code == 0, result.output
    bag = bagit.Bag(str(dest))
    bag.validate()  # checksums of every payload file
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Payload-Oxum"].endswith(".11")  # 3 × (original + json + csv) + 2 indexes
    first, second, third = archive["ids"]
    payload = files_under(dest / "data")
    assert f"photos/{first:06d}/original.jpg" in payload
    assert f"photos/{second:06d}/original.png" in payload
    assert f"photos/{third:06d}/metadata.csv" in payload
    original = (dest / "data" / "photos" / f"{first:06d}" / "original.jpg").read_bytes()
    assert original == archive["files"][0].read_bytes()
    meta = json.loads((dest / "data" / "photos" / f"{first:06d}" / "metadata.json").read_text())
    assert meta["sha256"] == db["photos"].get(first)["sha256"]
    assert meta["tags"]["set"] == [{"slug": "european-street", "label": "European street"}]
    assert meta["original_path"] == f"data/photos/{first:06d}/original.jpg"
    rows = list(csv.DictReader(io.StringIO((dest / "data" / "photos.csv").read_text())))
    assert [int(r["id"]) for r in rows] == archive["ids"]
    assert rows[0]["caption"] == 'A "quoted", comma caption\non two lines'
    assert rows[0]["tags_film"] == "the-flower-girl"
    assert rows[2]["gps_lat"] == "39.0"  # archivists' export keeps exact positions


def test_a_tampered_bag_fails_validation(run_cli, archive, tmp_path):
    dest = tmp_path / "bag"
    run_cli("export", "--format", "bagit", dest, "--ids", str(archive["ids"][0]))
    target = next((dest / "data" / "photos").rglob("original.jpg"))
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(dest)).validate()


def test_bagit_export_of_chosen_ids_and_public_only(run_cli, archive, tmp_path):
    first, second, third = archive["ids"]
    dest = tmp_path / "some"
    assert run_cli("export", "--format", "bagit", dest, "--ids", f"{second},{first}").exit_code == 0
    assert sorted(p.name for p in (dest / "data" / "photos").iterdir()) == [f"{first:06d}", f"{second:06d}"]
    public = tmp_path / "public"
    assert run_cli("export", "--format", "bagit", public, "--public-only").exit_code == 0
    assert len(list((public / "data" / "photos").iterdir())) == 2
    bagit.Bag(str(public)).validate()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ids", "1,x"], "not a list of photo ids"),
        (["--ids", "999"], "no photo 999"),
        (["--ids", "3", "--public-only"], "no photo 3"),  # private
        (["colour:red"], "unknown field"),
        (["set:railway", "--ids", "1"], "not both"),
    ],
)
def test_bad_exports_say_why_and_leave_nothing(run_cli, archive, tmp_path, args, message):
    dest = tmp_path / "bag"
    result = run_cli("export", "--format", "bagit", dest, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not dest.exists()
    assert files_under(tmp_path / "bag") == [] and not list(tmp_path.glob(".bag-*"))


def test_export_refuses_an_existing_folder(run_cli, archive, tmp_path):
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = run_cli("export", "--format", "bagit", dest)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert files_under(dest) == ["keep.txt"]


def test_a_missing_original_stops_the_bag_and_leaves_no_partial_bag(run_cli, archive, tmp_path, data_dir, db):
    sha = db["photos"].get(archive["ids"][1])["sha256"]
    next((data_dir / "originals").rglob(f"{sha}.*")).unlink()
    result = run_cli("export", "--format", "bagit", tmp_path / "bag")
    assert result.exit_code == 1
    assert "missing" in result.output
    assert not (tmp_path / "bag").exists() and not list(tmp_path.glob(".bag-*"))


def test_csv_and_json_exports_from_the_cli(run_cli, archive, tmp_path):
    out = tmp_path / "photos.csv"
    assert run_cli("export", "--format", "csv", out).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 3 and rows[1]["original_filename"] == "sign.png"
    result = run_cli("export", "--format", "json", "-", "--public-only")
    data = json.loads(result.output)
    assert data["count"] == 2
    assert [p["id"] for p in data["photos"]] == archive["ids"][:2]
    assert data["photos"][0]["tags"]["trip"] == [{"slug": "2019-autumn", "label": "2019 autumn"}]
    assert run_cli("export", "--format", "csv", tmp_path).exit_code != 0  # a folder is no file


def test_web_exports_follow_visibility(client, archivist_client, archive):
    response = archivist_client.get("/api/export.json")
    assert response.status_code == 200
    assert response.get_json()["count"] == 3
    data = client.get("/api/export.json").get_json()  # a visitor
    assert [p["id"] for p in data["photos"]] == archive["ids"][:2]
    assert all(p["gps_lat"] is None for p in data["photos"])
    response = client.get("/api/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == archive["ids"][:2]
    one = client.get(f"/api/export.json?ids={archive['ids'][1]}").get_json()
    assert [p["id"] for p in one["photos"]] == [archive["ids"][1]]
    hidden = client.get(f"/api/export.csv?ids={archive['ids'][2]}")
    assert hidden.status_code == 404 and "error" in hidden.get_json()
    bad = client.get("/api/export.json?ids=1;DROP")
    assert bad.status_code == 400 and "ids" in bad.get_json()["error"]


def test_data_page_links_everything(client, archive):
    page = client.get("/data")
    assert page.status_code == 200
    assert "/api/export.csv" in page.text and "/api/openapi.json" in page.text
    assert "/iiif/sets/european-street/manifest.json" in page.text
    assert "European street" in page.text and "(2 photos)" in page.text
    photo_page = client.get(f"/photos/{archive['ids'][0]}")
    assert f"/iiif/photos/{archive['ids'][0]}/manifest.json" in photo_page.text


def test_a_search_query_chooses_what_is_exported(run_cli, archive, tmp_path, client):
    result = run_cli("export", "--format", "json", "-", 'film:"the flower girl"')
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in json.loads(result.output)["photos"]] == archive["ids"][:2]
    bag = tmp_path / "bag"
    # A query that starts with "-" comes after "--", as with any command.
    assert run_cli("export", "--format", "bagit", bag, "--", "-set:european-street").exit_code == 0
    assert len(list((bag / "data" / "photos").iterdir())) == 1  # the untagged private photo
    web = client.get("/api/export.json", query_string={"q": "set:european-street"}).get_json()
    assert [p["id"] for p in web["photos"]] == archive["ids"][:2]
    assert client.get("/api/export.json", query_string={"q": "colour:red"}).status_code == 400
