"""The gallery: the grid newest first with pages, a photo's page, and its media."""

import io
import re

import pytest
from exif_helpers import camera_exif, jpeg_with_exif
from photo_helpers import add_photo, add_photos
from PIL import Image
from support import files_under, image_bytes, scene

from archive import create_app
from archive.imaging import decoding as imaging


@pytest.fixture
def small_pages(data_dir):
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "PER_PAGE": 3})
    return app.test_client()


def fetch(client, url):
    """GET a file response, read whole, with its file closed (warnings are errors)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def card_ids(html):
    return [int(i) for i in re.findall(r'<li class="card tile[^"]*" id="photo-\d+">\s*<a href="/photos/(\d+)[?"]', html)]


def test_an_empty_gallery_says_so(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "No photos yet" in page.text
    assert card_ids(page.text) == []


def test_the_grid_is_newest_first_and_paginated(small_pages, db, data_dir):
    ids = add_photos(db, data_dir, 7)
    first = small_pages.get("/")
    assert first.status_code == 200
    assert '<p class="count" id="gallery-count">7 photos</p>' in first.text
    assert '<option value="newest" selected>Newest additions</option>' in first.text
    assert card_ids(first.text) == ids[::-1][:3]
    assert "Page 1 of 3" in first.text
    assert 'href="/?page=2"' in first.text and 'rel="prev"' not in first.text
    second = small_pages.get("/?page=2")
    assert card_ids(second.text) == ids[::-1][3:6]
    assert 'href="/?page=1"' in second.text and 'href="/?page=3"' in second.text
    third = small_pages.get("/?page=3")
    assert card_ids(third.text) == ids[:1]
    assert 'rel="next"' not in third.text
    assert small_pages.get("/?page=4").status_code == 404
    # Nonsense page numbers are page 1, not an error.
    for bad in ("0", "-1", "abc", "99999999999"):
        assert card_ids(small_pages.get(f"/?page={bad}").text) == ids[::-1][:3]


def test_each_card_shows_the_thumbnail_with_its_size(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "wide.jpg", width=800, height=200)
    sha = db["photos"].get(photo_id)["sha256"]
    html = client.get("/").text
    img = img_with_src(html, f"/media/{sha}/fit400.jpg")
    assert (img["width"], img["height"]) == ("400", "100")  # no layout shift while loading
    assert 'alt="wide.jpg"' in html


def test_the_photo_page_shows_display_metadata_provenance_and_original(archivist_client, db, data_dir):
    client = archivist_client  # exact GPS and the original are for archivists
    data = jpeg_with_exif(camera_exif(gps=(39.0392, 125.7625)), 2000, 1000, seed=5)
    photo_id = add_photo(db, data_dir, "DSCN0042.JPG", data=data, trip="2019 autumn", photographer="Kim",
                         tag_pairs=[("set", "european-street")])
    row = db["photos"].get(photo_id)
    page = client.get(f"/photos/{photo_id}")
    assert page.status_code == 200
    html = page.text
    # A 2000 px photo is its own display image: decoded whole, never resampled.
    assert row["display_edge"] == 2000
    img = img_with_src(html, f'/media/{row["sha256"]}/fit2000.jpg')
    assert (img["width"], img["height"]) == ("2000", "1000")
    for text in ("2019-10-05 14:30:07", "NIKON COOLPIX P6000", "NIKKOR 24-70mm", "1/250 s", "f/2.8", "ISO 400",
                 "35 mm", "39.03920, 125.76250"):
        assert text in html, text
    for text in ("DSCN0042.JPG", "2019 autumn", "Kim", "from the command line", row["sha256"], "European street",
                 "유럽 거리"):
        assert text in html, text
    assert f'href="/photos/{photo_id}/original"' in html
    original = fetch(client, f"/photos/{photo_id}/original")
    assert original.status_code == 200
    assert original.data == data
    assert original.mimetype == "image/jpeg"
    assert f"photo-{photo_id}.jpg" in original.headers["Content-Disposition"]


def test_a_photo_without_metadata_says_unknown(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "scan.png", data=image_bytes(scene(300, 200), "PNG"),
                         source="web", uploaded_by="archivist")
    html = client.get(f"/photos/{photo_id}").text
    assert "<dt>Date</dt><dd>Unknown</dd>" in html
    assert "<dt>Camera</dt><dd>Unknown</dd>" in html
    assert re.search(r"through the web\s*· archivist", html)
    assert "no EXIF metadata" in html


def test_derivatives_are_served_immutable(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "a.jpg", width=900, height=600)
    sha = db["photos"].get(photo_id)["sha256"]
    for name, size in (("fit400.jpg", (400, 267)), ("fit1600.jpg", (900, 600))):
        response = fetch(client, f"/media/{sha}/{name}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert "immutable" in response.headers["Cache-Control"]
        assert Image.open(io.BytesIO(response.data)).size == size


@pytest.mark.parametrize("size, name", [
    ((3200, 2400), "fit400.jpg"), ((3200, 2400), "fit1600.jpg"),
    ((4000, 3000), "fit400.jpg"), ((4000, 3000), "fit2000.jpg"),
])
def test_a_deleted_derivative_comes_back_identical(client, db, data_dir, size, name):
    big = scene(400, 300, seed=8).resize(size, Image.Resampling.BICUBIC)
    photo_id = add_photo(db, data_dir, "big.jpg", data=image_bytes(big, "JPEG", quality=90))
    sha = db["photos"].get(photo_id)["sha256"]
    path = data_dir / "derivatives" / sha[:2] / sha[2:4] / f"{sha}-{name}"
    made_at_ingest = path.read_bytes()
    path.unlink()
    response = fetch(client, f"/media/{sha}/{name}")
    assert response.status_code == 200
    assert len(response.data) == len(made_at_ingest)
    assert response.data == made_at_ingest
    assert path.read_bytes() == made_at_ingest  # written back to disk
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


def test_the_display_image_is_named_by_its_own_edge_and_other_sizes_come_on_request(client, db, data_dir):
    camera = scene(400, 300, seed=9).resize((4000, 3000), Image.Resampling.BICUBIC)
    big_id = add_photo(db, data_dir, "camera.jpg", data=image_bytes(camera, "JPEG", quality=90))
    small_id = add_photo(db, data_dir, "small.jpg", width=900, height=600)
    big, small = db["photos"].get(big_id), db["photos"].get(small_id)
    assert (big["display_edge"], small["display_edge"]) == (2000, 1600)
    assert Image.open(io.BytesIO(fetch(client, f"/media/{big['sha256']}/fit2000.jpg").data)).size == (2000, 1500)
    # 1600 is still a served size: made from the original on first request.
    on_request = fetch(client, f"/media/{big['sha256']}/fit1600.jpg")
    assert Image.open(io.BytesIO(on_request.data)).size == (1600, 1200)
    # Another photo's display edge is not a size this photo serves.
    assert client.get(f"/media/{small['sha256']}/fit2000.jpg").status_code == 404
    html = client.get(f"/photos/{big_id}").text
    assert f"/media/{big['sha256']}/fit2000.jpg 2000w" in html
    assert f"/media/{big['sha256']}/fit1600.jpg" not in html  # the display image serves there


def test_all_derivatives_deleted_are_rebuilt_from_originals(client, db, data_dir):
    import shutil

    ids = add_photos(db, data_dir, 3)
    before = {name: (data_dir / "derivatives" / name).read_bytes() for name in files_under(data_dir / "derivatives")}
    shutil.rmtree(data_dir / "derivatives")
    for photo_id in ids:
        sha = db["photos"].get(photo_id)["sha256"]
        for name in ("fit400.jpg", "fit1600.jpg"):
            assert fetch(client, f"/media/{sha}/{name}").status_code == 200
    after = {name: (data_dir / "derivatives" / name).read_bytes() for name in files_under(data_dir / "derivatives")}
    assert after == before


@pytest.mark.parametrize(
    "url",
    [
        "/photos/999",
        "/photos/999/original",
        "/media/" + "0" * 64 + "/fit400.jpg",
        "/media/not-a-sha/fit400.jpg",
        "/nowhere",
    ],
)
def test_missing_things_are_html_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in response.text.lower()


def test_unknown_derivative_names_are_404s_and_write_nothing(client, db, data_dir):
    photo_id = add_photo(db, data_dir, "a.jpg")
    sha = db["photos"].get(photo_id)["sha256"]
    files = files_under(data_dir / "derivatives")
    for name in ("fit401.jpg", "fit400.png", "..%2Fsecret_key", "fit400.jpg.exe"):
        assert client.get(f"/media/{sha}/{name}").status_code == 404
    assert files_under(data_dir / "derivatives") == files


def test_standard_derivatives_are_the_display_image_and_the_thumbnail():
    assert imaging.standard_edges(2000) == (2000, 400)
    assert imaging.THUMBNAIL_EDGE == 400


def img_with_src(html, src):
    """The attributes of the <img> whose src is src, in whatever order they come."""
    from html.parser import HTMLParser

    found = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img" and dict(attrs).get("src") == src:
                found.append(dict(attrs))

    Images().feed(html)
    assert found, f"no <img src={src!r}>"
    return found[0]


def test_a_relative_data_directory_serves_every_image(tmp_path, monkeypatch, make_image):
    """The default is ./media, relative to where the archive starts; images
    must be found there, not beside the package."""
    from click.testing import CliRunner

    from archive import create_app
    from archive.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--data", "media", "import", str(make_image("rel.jpg")), "--json"])
    assert '"imported"' in result.output, result.output
    client = create_app({"DATA_DIR": "media", "TESTING": True, "SECRET_KEY": "t"}).test_client()
    photo = client.get("/api/photos/1").get_json()
    for url in (photo["thumbnail_url"], photo["display_url"], photo["iiif_image"] + "/full/120,/0/default.jpg",
                photo["thumbnail_url"].replace("fit400", "fit200")):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.data[:2] == b"\xff\xd8"
