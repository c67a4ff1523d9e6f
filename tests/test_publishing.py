"""Public and private photos: the archive's default, publishing through the
web form, the JSON API and the CLI, and private photos hidden from visitors."""

import io

import pytest
from support import json_lines

from archive import create_app
from archive.catalogue import settings


@pytest.fixture
def imported(run_cli, make_image):
    """Import one photo through the CLI; returns its id."""

    def do(name="wall.jpg", seed=0, trip=""):
        result = run_cli("import", make_image(name, seed=seed), "--json", "--trip", trip)
        [line] = json_lines(result.output)
        assert line["status"] == "imported", line
        return line["photo_id"]

    return do


def is_public(db, photo_id):
    return bool(db["photos"].get(photo_id)["is_public"])


def test_new_photos_are_public_by_default(imported, db):
    assert is_public(db, imported())


def test_the_config_fallback_makes_new_photos_private(data_dir, make_image, db, monkeypatch, run_cli):
    monkeypatch.setenv("ARCHIVE_DEFAULT_PUBLIC", "no")
    [line] = json_lines(run_cli("import", make_image(), "--json").output)
    assert not is_public(db, line["photo_id"])


def test_the_admins_setting_wins_over_the_config(data_dir, make_image, db, monkeypatch, run_cli):
    monkeypatch.setenv("ARCHIVE_DEFAULT_PUBLIC", "yes")
    assert run_cli("settings", "default-public", "no").exit_code == 0
    [line] = json_lines(run_cli("import", make_image(), "--json").output)
    assert not is_public(db, line["photo_id"])
    shown = json_lines(run_cli("settings", "show", "--json").output)[0]
    assert shown["default_public"] is False


def test_a_bad_default_public_value_is_refused(run_cli, db):
    result = run_cli("settings", "default-public", "maybe")
    assert result.exit_code == 2
    assert "expected yes or no" in result.output
    assert settings.get_setting(db, settings.DEFAULT_PUBLIC) is None


def test_admin_sets_the_default_on_the_settings_page_and_uploads_follow_it(admin_client, db, make_image):
    page = admin_client.get("/admin/settings")
    assert page.status_code == 200 and "New photos are public" in page.text
    assert 'checked' in page.text
    response = admin_client.post("/admin/settings", data={})  # checkbox unticked
    assert response.status_code == 303
    assert "New photos will be private." in admin_client.get("/admin/settings").text
    upload = admin_client.post("/api/uploads", content_type="multipart/form-data",
                               data={"photos": [(io.BytesIO(make_image().read_bytes()), "p.jpg")]})
    [result] = upload.json["results"]
    assert not is_public(db, result["photo_id"])
    assert db["photos"].get(result["photo_id"])["uploaded_by"] == "ada"


def test_private_photo_is_404_for_visitors_everywhere(imported, run_cli, client, archivist_client, db):
    public_id, private_id = imported("a.jpg", 1), imported("b.jpg", 2)
    assert run_cli("unpublish", private_id).output.strip() == "1 photo now private"
    sha = db["photos"].get(private_id)["sha256"]
    urls = [f"/photos/{private_id}", f"/api/photos/{private_id}",
            f"/media/{sha}/fit400.jpg", f"/media/{sha}/fit1600.jpg", f"/photos/{private_id}/original"]
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 404, url
        with archivist_client.get(url) as response:
            assert response.status_code == 200, url
    listing = client.get("/api/photos").json
    assert listing["total"] == 1 and [r["id"] for r in listing["results"]] == [public_id]
    assert archivist_client.get("/api/photos").json["total"] == 2
    assert f"/photos/{private_id}" not in client.get("/").text
    assert ">1 photo<" in client.get("/").text


def test_private_derivatives_are_never_kept_by_shared_caches(imported, run_cli, archivist_client, db):
    photo_id = imported()
    run_cli("unpublish", photo_id)
    sha = db["photos"].get(photo_id)["sha256"]
    with archivist_client.get(f"/media/{sha}/fit400.jpg") as response:
        assert response.headers["Cache-Control"].startswith("private")
    run_cli("publish", photo_id)
    with archivist_client.get(f"/media/{sha}/fit400.jpg") as response:
        assert response.headers["Cache-Control"].startswith("public")


def test_archivist_unpublishes_and_publishes_with_the_form(imported, archivist_client, client, db):
    photo_id = imported()
    page = archivist_client.get(f"/photos/{photo_id}")
    assert "Make private" in page.text
    response = archivist_client.post(f"/photos/{photo_id}/visibility", data={"public": "0"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/photos/{photo_id}"
    assert not is_public(db, photo_id)
    page = archivist_client.get(f"/photos/{photo_id}")
    assert "Private: only archivists see this photo" in page.text
    assert "The photo is now private" in page.text
    assert client.get(f"/photos/{photo_id}").status_code == 404
    archivist_client.post(f"/photos/{photo_id}/visibility", data={"public": "1"})
    assert is_public(db, photo_id)
    assert client.get(f"/photos/{photo_id}").status_code == 200


def test_visitors_see_no_publish_form(imported, client):
    photo_id = imported()
    assert "Make private" not in client.get(f"/photos/{photo_id}").text


@pytest.mark.parametrize("value", ["", "2", "yes"])
def test_a_bad_form_value_changes_nothing(value, imported, archivist_client, db):
    photo_id = imported()
    response = archivist_client.post(f"/photos/{photo_id}/visibility", data={"public": value})
    assert response.status_code == 400
    assert is_public(db, photo_id)


def test_publishing_over_json(imported, archivist_client, client, db):
    photo_id = imported()
    response = archivist_client.post(f"/api/photos/{photo_id}/visibility", json={"public": False})
    assert response.status_code == 200
    assert response.json == {"id": photo_id, "is_public": False}
    assert archivist_client.get(f"/api/photos/{photo_id}").json["is_public"] is False
    assert client.get(f"/api/photos/{photo_id}").status_code == 404
    response = archivist_client.post(f"/api/photos/{photo_id}/visibility", json={"public": True})
    assert response.json["is_public"] is True and is_public(db, photo_id)


@pytest.mark.parametrize("body", [None, {}, {"public": "false"}, {"public": 0}, [True]])
def test_publishing_json_errors(body, imported, archivist_client, db):
    photo_id = imported()
    response = archivist_client.post(f"/api/photos/{photo_id}/visibility", json=body)
    assert response.status_code == 400
    assert "public" in response.json["error"]
    assert is_public(db, photo_id)


def test_publishing_a_missing_photo_is_404(archivist_client):
    response = archivist_client.post("/api/photos/999/visibility", json={"public": True})
    assert response.status_code == 404 and response.json["error"] == "no photo 999"


def test_cli_publish_by_trip_and_json(imported, run_cli, db):
    a, b = imported("a.jpg", 1, trip="2019 autumn"), imported("b.jpg", 2, trip="2019 autumn")
    c = imported("c.jpg", 3, trip="2018 spring")
    result = run_cli("unpublish", "--trip", "2019 autumn", "--json")
    assert json_lines(result.output) == [{"photo_ids": [a, b], "is_public": False}]
    assert (is_public(db, a), is_public(db, b), is_public(db, c)) == (False, False, True)


def test_cli_publish_with_an_unknown_id_changes_nothing(imported, run_cli, db):
    photo_id = imported()
    result = run_cli("unpublish", photo_id, 999)
    assert result.exit_code == 1
    assert "no photo 999" in result.output
    assert is_public(db, photo_id)


def test_cli_publish_needs_ids_or_a_trip(run_cli):
    result = run_cli("publish")
    assert result.exit_code == 2 and "name photo ids or --trip" in result.output


def test_env_default_public_reaches_the_web_upload(data_dir, monkeypatch, make_user, make_image, db):
    from support import logged_in_client

    monkeypatch.setenv("ARCHIVE_DEFAULT_PUBLIC", "0")
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    client = logged_in_client(app, make_user("kim"))
    response = client.post("/api/uploads", content_type="multipart/form-data",
                           data={"photos": [(io.BytesIO(make_image().read_bytes()), "p.jpg")]})
    [result] = response.json["results"]
    assert not is_public(db, result["photo_id"])
