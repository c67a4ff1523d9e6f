"""Admins delete photos: rows, tags and derivatives go; the original waits in
the trash until `purge` or `verify --repair` removes it after the retention."""

import pytest
from support import files_under, json_lines


@pytest.fixture
def photos(run_cli, make_image, db):
    lines = json_lines(run_cli("import", make_image("a.jpg", seed=1), make_image("b.jpg", seed=2),
                               "--json", "--tag", "set:european-street").output)
    return [db["photos"].get(line["photo_id"]) for line in lines]


def stored_files(data_dir, photo):
    """The photo's files where the archive serves them from (not the trash)."""
    return [f for f in files_under(data_dir) if photo["sha256"] in f and not f.startswith("trash/")]


def trashed(data_dir, photo):
    return [f for f in files_under(data_dir / "trash") if photo["sha256"] in f]


def test_admin_deletes_a_photo_from_its_page(photos, admin_client, data_dir, db):
    doomed, kept = photos
    page = admin_client.get(f"/photos/{doomed['id']}").text
    assert "Delete for good" in page
    assert len(stored_files(data_dir, doomed)) == 3  # original and two derivatives
    response = admin_client.post(f"/photos/{doomed['id']}/delete", data={"confirm": "yes"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert f"Deleted photo {doomed['id']} and its files." in admin_client.get("/").text
    assert db.execute("SELECT count(*) FROM photos WHERE id = ?", [doomed["id"]]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM photo_tags WHERE photo_id = ?", [doomed["id"]]).fetchone()[0] == 0
    assert stored_files(data_dir, doomed) == []
    assert trashed(data_dir, doomed) == [f"{doomed['sha256'][:2]}/{doomed['sha256'][2:4]}/{doomed['sha256']}.jpg"]
    assert len(stored_files(data_dir, kept)) == 3
    assert admin_client.get(f"/photos/{doomed['id']}").status_code == 404


def test_the_trash_is_purged_after_its_retention(photos, run_cli, data_dir, db, monkeypatch):
    run_cli("delete", photos[0]["id"], "--yes")
    assert run_cli("purge").output.startswith("purged 0 deleted original(s) older than 7 day(s)")
    assert len(trashed(data_dir, photos[0])) == 1
    repaired = run_cli("verify", "--repair", "--json")
    assert repaired.exit_code == 0 and '"trash_purged": 0' in repaired.output
    monkeypatch.setenv("ARCHIVE_TRASH_DAYS", "0")
    repaired = run_cli("verify", "--repair", "--json")
    assert repaired.exit_code == 0 and '"trash_purged": 1' in repaired.output
    assert trashed(data_dir, photos[0]) == []
    run_cli("delete", photos[1]["id"], "--yes")
    assert run_cli("purge", "--days", "0").output.startswith("purged 1 deleted original(s)")
    assert files_under(data_dir / "trash") == []


def test_deleting_needs_the_confirmation_box(photos, admin_client, data_dir, db):
    response = admin_client.post(f"/photos/{photos[0]['id']}/delete", data={})
    assert response.status_code == 400 and "Tick the box" in response.text
    assert db["photos"].count == 2 and len(stored_files(data_dir, photos[0])) == 3


def test_archivists_cannot_delete_and_see_no_delete_form(photos, archivist_client, db):
    assert "Delete for good" not in archivist_client.get(f"/photos/{photos[0]['id']}").text
    assert archivist_client.post(f"/photos/{photos[0]['id']}/delete", data={"confirm": "yes"}).status_code == 403
    assert archivist_client.delete(f"/api/photos/{photos[0]['id']}").status_code == 403
    assert db["photos"].count == 2


def test_delete_over_json(photos, admin_client, data_dir, db):
    response = admin_client.delete(f"/api/photos/{photos[0]['id']}")
    assert response.status_code == 200 and response.json == {"deleted": [photos[0]["id"]]}
    assert stored_files(data_dir, photos[0]) == []
    missing = admin_client.delete("/api/photos/999")
    assert missing.status_code == 404 and missing.json == {"error": "no photo 999"}


def test_delete_from_the_cli(photos, run_cli, data_dir, db):
    result = run_cli("delete", photos[0]["id"], 999, "--yes")
    assert result.exit_code == 1 and "no photo 999" in result.output
    assert db["photos"].count == 2  # an unknown id deletes nothing
    result = run_cli("delete", photos[0]["id"], photos[1]["id"], "--yes")
    assert result.exit_code == 0
    assert result.output.strip() == f"deleted 2 photos: {photos[0]['id']}, {photos[1]['id']}"
    assert db["photos"].count == 0
    assert [f for f in files_under(data_dir) if f.startswith(("originals", "derivatives"))] == []
    assert len(files_under(data_dir / "trash")) == 2


def test_the_cli_asks_before_deleting(photos, data_dir, db):
    from click.testing import CliRunner

    from archive.cli import cli

    result = CliRunner().invoke(cli, ["--data", str(data_dir), "delete", str(photos[0]["id"])], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert db["photos"].count == 2


def test_a_deleted_photos_content_can_be_imported_again(photos, run_cli, make_image, db):
    run_cli("delete", photos[0]["id"], "--yes")
    [line] = json_lines(run_cli("import", make_image("a.jpg", seed=1), "--json").output)
    assert line["status"] == "imported"
