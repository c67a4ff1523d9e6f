"""The JSON API: a page of photos, one photo, and JSON errors."""

import pytest
from exif_helpers import camera_exif, jpeg_with_exif
from photo_helpers import add_photo, add_photos
from support import image_bytes, scene

DETAIL_KEYS = {"id", "url", "title", "caption", "original_filename", "sha256", "width", "height", "taken_at",
               "camera", "tags", "thumbnail_url", "display_url"}


def test_an_empty_archive(client):
    response = client.get("/api/photos")
    assert response.status_code == 200
    assert response.get_json() == {"total": 0, "page": 1, "per_page": 48, "results": []}


def test_photos_are_paginated_newest_first(client, db, data_dir):
    ids = add_photos(db, data_dir, 5)
    body = client.get("/api/photos?per_page=2").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 2)
    assert [r["id"] for r in body["results"]] == [ids[4], ids[3]]
    body = client.get("/api/photos?per_page=2&page=3").get_json()
    assert [r["id"] for r in body["results"]] == [ids[0]]
    assert client.get("/api/photos?per_page=2&page=4").get_json()["results"] == []
    everything = client.get("/api/photos").get_json()
    assert [r["id"] for r in everything["results"]] == ids[::-1]


def test_list_items_carry_the_summary(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "wall.jpg", width=800, height=600)
    row = db["photos"].get(photo_id)
    [item] = client.get("/api/photos").get_json()["results"]
    assert {"id", "url", "title", "original_filename", "sha256", "width", "height", "taken_at",
            "thumbnail_url"} <= set(item)
    assert item["id"] == photo_id
    assert item["url"] == f"http://localhost/photos/{photo_id}"
    assert item["thumbnail_url"] == f"http://localhost/media/{row['sha256']}/fit400.jpg"
    assert (item["width"], item["height"], item["sha256"]) == (800, 600, row["sha256"])
    assert item["title"] == "wall.jpg"


@pytest.mark.parametrize("query, page, per_page", [("page=0", 1, 48), ("page=x", 1, 48),
                                                   ("per_page=5000", 1, 200),
                                                   ("per_page=7&page=2", 2, 7)])
def test_paging_arguments_are_forgiving(client, query, page, per_page):
    response = client.get(f"/api/photos?{query}")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"]) == (page, per_page)


def test_one_photo(client, db, data_dir):
    data = jpeg_with_exif(camera_exif(make="Canon", model="Canon EOS 40D"), 640, 480, seed=3)
    photo_id = add_photo(db, data_dir, "IMG_0001.JPG", data=data, trip="2019 autumn", photographer="Kim",
                         tag_pairs=[("set", "european-street"), ("subject", "film-poster"), ("film", "The Seven Year Itch")])
    row = db["photos"].get(photo_id)
    response = client.get(f"/api/photos/{photo_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert DETAIL_KEYS <= set(body)
    sha = row["sha256"]
    assert body["id"] == photo_id
    assert body["url"] == f"http://localhost/photos/{photo_id}"
    assert (body["title"], body["caption"]) == ("", "")
    assert body["original_filename"] == "IMG_0001.JPG"
    assert body["sha256"] == sha and len(sha) == 64
    assert (body["width"], body["height"]) == (640, 480)
    assert body["taken_at"] == "2019-10-05T14:30:07"
    assert body["camera"] == "Canon EOS 40D"  # the make is not repeated
    assert body["tags"] == {"film": ["the-seven-year-itch"], "set": ["european-street"],
                            "subject": ["film-poster"], "trip": ["2019-autumn"]}
    assert body["thumbnail_url"] == f"http://localhost/media/{sha}/fit400.jpg"
    assert body["display_url"] == f"http://localhost/media/{sha}/fit1600.jpg"
    assert body["provenance"]["photographer"] == "Kim"
    assert body["provenance"]["source"] == "cli"
    # The URLs it gives work.
    for key in ("thumbnail_url", "display_url", "url"):
        fetched = client.get(body[key])
        fetched.get_data()
        fetched.close()
        assert fetched.status_code == 200, key


def test_a_photo_without_camera_data(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "scan.png", data=image_bytes(scene(200, 100), "PNG"))
    body = client.get(f"/api/photos/{photo_id}").get_json()
    assert body["camera"] is None and body["taken_at"] is None
    assert body["tags"] == {}
    assert body["warnings"] == ["no EXIF metadata"]


@pytest.mark.parametrize("url", ["/api/photos/999", "/api/nothing-here", "/api/photos/abc"])
def test_api_404s_are_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert isinstance(response.get_json()["error"], str) and response.get_json()["error"]


def test_the_missing_photo_is_named_in_the_error(client):
    assert client.get("/api/photos/12345").get_json() == {"error": "no photo 12345"}


def test_a_wrong_method_under_api_is_a_json_405(client):
    response = client.post("/api/photos")
    assert response.status_code == 405
    assert "error" in response.get_json()


def test_an_unexpected_error_is_a_plain_500_without_details(client, monkeypatch, app):
    from archive.search import engine

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(engine, "search", explode)
    app.logger.disabled = True
    response = client.get("/api/photos")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "error" in response.get_json()
