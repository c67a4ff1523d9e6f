"""IIIF Image API 3.0: info.json, regions, sizes, turns, qualities, formats,
caching, CORS and visibility, over real HTTP through the test client."""

import io

import pytest
from iiif_helpers import QUADRANTS, ingest, near, quadrant_image
from PIL import Image
from support import files_under, image_bytes

from archive.iiif import image_api as iiif_image


@pytest.fixture
def photo(app, db, tmp_path):
    """A 400×300 PNG of four flat quadrants, imported; returns its id."""
    path = tmp_path / "quadrants.png"
    quadrant_image().save(path)
    return ingest(app, db, path)


def fetch_image(client, url):
    response = client.get(url)
    response.get_data()
    response.close()  # send_file's open file goes with it
    assert response.status_code == 200, (url, response.status_code, response.text)
    return response, Image.open(io.BytesIO(response.data))


def test_info_json_describes_a_level2_service_with_tiles(client, photo):
    response = client.get(f"/iiif/3/{photo}/info.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    info = response.get_json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"http://localhost/iiif/3/{photo}"
    assert info["type"] == "ImageService3"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level2"
    assert (info["width"], info["height"]) == (400, 300)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1]}]
    assert "webp" in info["extraFormats"] and "mirroring" in info["extraFeatures"]
    assert info["rights"] == "http://rightsstatements.org/vocab/CNE/1.0/"


def test_info_json_as_json_ld_when_asked(client, photo):
    response = client.get(f"/iiif/3/{photo}/info.json", headers={"Accept": "application/ld+json"})
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert 'profile="http://iiif.io/api/image/3/context.json"' in response.headers["Content-Type"]


def test_large_image_gets_several_tile_scale_factors_and_sizes(app, db, make_image, client):
    photo_id = ingest(app, db, make_image("big.jpg", 2100, 1400))
    info = client.get(f"/iiif/3/{photo_id}/info.json").get_json()
    assert info["tiles"][0]["scaleFactors"] == [1, 2, 4, 8]
    assert {"width": 263, "height": 175} in info["sizes"]
    # A deep-zoom viewer asks for tiles like this one: a 1024 region at half size.
    response, tile = fetch_image(client, f"/iiif/3/{photo_id}/1024,0,1024,1024/512,/0/default.jpg")
    assert tile.size == (512, 512)


def test_base_uri_redirects_to_info_json(client, photo):
    response = client.get(f"/iiif/3/{photo}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/iiif/3/{photo}/info.json")


@pytest.mark.parametrize(
    "region, size, expected_size, expected_corner",
    [
        ("full", "max", (400, 300), "tl"),
        ("200,0,200,150", "max", (200, 150), "tr"),
        ("pct:50,50,50,50", "max", (200, 150), "br"),
        ("square", "max", (300, 300), "tl"),
        ("0,150,200,150", "100,", (100, 75), "bl"),
        ("full", ",150", (200, 150), "tl"),
        ("full", "pct:25", (100, 75), "tl"),
        ("full", "200,100", (200, 100), "tl"),
        ("full", "!100,100", (100, 75), "tl"),
        ("300,200,500,500", "max", (100, 100), "br"),  # cut at the image's edge
    ],
)
def test_regions_and_sizes(client, photo, region, size, expected_size, expected_corner):
    _, image = fetch_image(client, f"/iiif/3/{photo}/{region}/{size}/0/default.png")
    assert image.size == expected_size
    assert near(image.convert("RGB").getpixel((2, 2)), QUADRANTS[expected_corner])


@pytest.mark.parametrize(
    "rotation, top_left, top_right, size",
    [
        ("90", "bl", "tl", (300, 400)),  # clockwise: the left edge becomes the top
        ("180", "br", "bl", (400, 300)),
        ("270", "tr", "br", (300, 400)),
        ("!0", "tr", "tl", (400, 300)),  # mirrored
        ("!90", "br", "tr", (300, 400)),  # mirrored, then turned
    ],
)
def test_rotation_and_mirroring(client, photo, rotation, top_left, top_right, size):
    _, image = fetch_image(client, f"/iiif/3/{photo}/full/max/{rotation}/default.png")
    assert image.size == size
    image = image.convert("RGB")
    assert near(image.getpixel((2, 2)), QUADRANTS[top_left])
    assert near(image.getpixel((image.width - 3, 2)), QUADRANTS[top_right])


def test_qualities(client, photo):
    _, gray = fetch_image(client, f"/iiif/3/{photo}/full/max/0/gray.png")
    assert gray.mode == "L"
    _, color = fetch_image(client, f"/iiif/3/{photo}/full/max/0/color.png")
    assert color.mode == "RGB"
    _, bitonal = fetch_image(client, f"/iiif/3/{photo}/full/max/0/bitonal.png")
    assert bitonal.mode == "1"
    assert {v for _, v in bitonal.convert("L").getcolors()} <= {0, 255}


@pytest.mark.parametrize("fmt, mimetype, pillow", [("jpg", "image/jpeg", "JPEG"),
                                                    ("png", "image/png", "PNG"),
                                                    ("webp", "image/webp", "WEBP")])
def test_formats(client, photo, fmt, mimetype, pillow):
    response, image = fetch_image(client, f"/iiif/3/{photo}/full/100,/0/default.{fmt}")
    assert response.mimetype == mimetype
    assert image.format == pillow
    assert image.size == (100, 75)


def test_the_iiif_image_is_the_upright_one(app, db, tmp_path, client):
    """A phone photo stored on its side (EXIF Orientation 6) is served standing up."""
    stored = quadrant_image(400, 300)
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to view
    path = tmp_path / "sideways.jpg"
    path.write_bytes(image_bytes(stored, "JPEG", quality=95, exif=exif.tobytes()))
    photo_id = ingest(app, db, path)
    info = client.get(f"/iiif/3/{photo_id}/info.json").get_json()
    assert (info["width"], info["height"]) == (300, 400)
    _, image = fetch_image(client, f"/iiif/3/{photo_id}/full/max/0/default.jpg")
    assert image.size == (300, 400)
    # Turned clockwise, the stored bottom-left (blue) is now top-left.
    assert near(image.getpixel((5, 5)), QUADRANTS["bl"], 30)
    assert near(image.getpixel((294, 5)), QUADRANTS["tl"], 30)


def test_generated_images_are_cached_once_under_a_canonical_name(client, photo, data_dir, db):
    sha = db["photos"].get(photo)["sha256"]
    before = files_under(data_dir / "derivatives")
    first, _ = fetch_image(client, f"/iiif/3/{photo}/full/pct:50/0/default.jpg")
    second, _ = fetch_image(client, f"/iiif/3/{photo}/0,0,400,300/200,/0/color.jpg")
    added = sorted(set(files_under(data_dir / "derivatives")) - set(before))
    assert added == [f"{sha[:2]}/{sha[2:4]}/{sha}-iiif-0,0,400,300-200,150-0-color.jpg"]
    assert first.data == second.data
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["ETag"]
    again = client.get(f"/iiif/3/{photo}/full/pct:50/0/default.jpg",
                       headers={"If-None-Match": first.headers["ETag"]})
    again.close()
    assert again.status_code == 304
    assert f'/iiif/3/{photo}/full/200,150/0/default.jpg>;rel="canonical"' in first.headers["Link"]


def test_a_deleted_cached_image_is_made_again(client, photo, data_dir):
    first, _ = fetch_image(client, f"/iiif/3/{photo}/full/120,/0/default.png")
    for path in (data_dir / "derivatives").rglob("*iiif*"):
        path.unlink()
    second, _ = fetch_image(client, f"/iiif/3/{photo}/full/120,/0/default.png")
    assert second.data == first.data


def test_small_requests_from_a_big_jpeg_decode_reduced(app, db, make_image, client, monkeypatch):
    from archive.imaging import decoding as imaging

    photo_id = ingest(app, db, make_image("big.jpg", 2400, 1600))
    decoded = []
    real = imaging.decode_upright

    def spy(*args):
        result = real(*args)
        decoded.append(result.pixels.size)
        return result

    monkeypatch.setattr(imaging, "decode_upright", spy)
    _, image = fetch_image(client, f"/iiif/3/{photo_id}/full/150,/0/default.jpg")
    assert image.size == (150, 100)
    assert decoded == [(300, 200)]  # JPEG draft mode at 1/8 scale, not 2400×1600


@pytest.mark.parametrize(
    "path, status",
    [
        ("full/max/0/default.gif", 400),
        ("full/max/0/sepia.jpg", 400),
        ("full/max/0/default", 400),
        ("nowhere/max/0/default.jpg", 400),
        ("400,0,10,10/max/0/default.jpg", 400),  # starts past the right edge
        ("0,0,0,10/max/0/default.jpg", 400),
        ("full/401,/0/default.jpg", 400),  # larger than the region
        ("full/pct:101/0/default.jpg", 400),
        ("full/full/0/default.jpg", 400),  # the 2.x spelling
        ("full/0,/0/default.jpg", 400),
        ("full/max/361/default.jpg", 400),
        ("full/max/ninety/default.jpg", 400),
        ("full/max/45/default.jpg", 501),  # valid, not offered
        ("full/^max/0/default.jpg", 501),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(client, photo, data_dir, path, status):
    before = files_under(data_dir)
    response = client.get(f"/iiif/3/{photo}/{path}")
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.text.strip()
    assert files_under(data_dir) == before


@pytest.mark.parametrize("identifier", ["999", "0", "01", "1a", "..", "%2e%2e", "-1", "1%2F2"])
def test_unknown_or_malformed_identifiers_are_404(client, photo, identifier):
    assert client.get(f"/iiif/3/{identifier}/info.json").status_code == 404
    assert client.get(f"/iiif/3/{identifier}/full/max/0/default.jpg").status_code == 404


def test_private_photos_are_404_for_visitors(app, db, photo, client, archivist_client):
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [photo])
    fetch_image(archivist_client, f"/iiif/3/{photo}/full/50,/0/default.jpg")  # an archivist sees it
    private, _ = fetch_image(archivist_client, f"/iiif/3/{photo}/full/50,/0/default.jpg")
    assert private.headers["Cache-Control"].startswith("private")
    for url in (f"/iiif/3/{photo}", f"/iiif/3/{photo}/info.json",
                f"/iiif/3/{photo}/full/50,/0/default.jpg",  # even when it is cached
                f"/iiif/3/{photo}/full/max/0/default.jpg"):
        assert client.get(url).status_code == 404, url


def test_api_photo_links_to_iiif(client, photo):
    data = client.get(f"/api/photos/{photo}").get_json()
    assert data["iiif_image"] == f"http://localhost/iiif/3/{photo}"
    assert data["iiif_manifest"] == f"http://localhost/iiif/photos/{photo}/manifest.json"
    assert client.get(data["iiif_image"] + "/info.json").status_code == 200
    assert client.get(data["iiif_manifest"]).status_code == 200


def test_parse_request_names_the_same_pixels_the_same_way():
    names = {
        iiif_image.parse_request(1000, 800, region, size, "0", "default.jpg").cache_name
        for region, size in [("full", "pct:50"), ("0,0,1000,800", "500,"), ("pct:0,0,100,100", ",400"),
                             ("full", "!500,500"), ("full", "500,400")]
    }
    assert names == {"iiif-0,0,1000,800-500,400-0-color.jpg"}


def test_max_area_limits_the_largest_image():
    plan = iiif_image.parse_request(4000, 3000, "full", "max", "0", "default.jpg", max_area=3_000_000)
    assert plan.size[0] * plan.size[1] <= 3_000_000
    assert plan.size == (2000, 1500)
    with pytest.raises(iiif_image.IIIFError):
        iiif_image.parse_request(4000, 3000, "full", "4000,", "0", "default.jpg", max_area=3_000_000)
    info = iiif_image.info("http://x/iiif/3/1", 4000, 3000, max_area=3_000_000)
    assert info["maxArea"] == 3_000_000
