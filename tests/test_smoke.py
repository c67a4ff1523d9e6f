"""The archive starts, imports a file and shows it."""

from conftest import json_lines


def test_import_then_gallery_shows_the_photo(run_cli, make_image, client, db):
    photo = make_image("wall.jpg")
    result = run_cli("import", photo, "--json")
    assert result.exit_code == 0, result.output
    [line] = json_lines(result.output)
    assert line["status"] == "imported"
    row = db["photos"].get(line["photo_id"])
    assert row["original_filename"] == "wall.jpg"
    page = client.get("/")
    assert page.status_code == 200
    assert f'/photos/{line["photo_id"]}' in page.text
