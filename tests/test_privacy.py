"""Privacy: derivatives carry no metadata; exact GPS and originals are for
archivists unless an admin opens the photo's trip."""

import io
import struct

import pytest
from PIL import Image
from support import json_lines, scene

LAT, LON = 39.0341667, 125.75
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>SECRET-XMP</dc:title>'
       b"</rdf:Description></rdf:RDF></x:xmpmeta>")


def iptc_segment(caption):
    """An APP13 Photoshop segment holding one IPTC caption record."""
    record = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    body = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def photo_with_everything(path):
    """A JPEG with EXIF (camera and GPS), XMP, IPTC and a comment."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "TestCam", "Model X"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (39.0, 2.0, 3.0), "E", (125.0, 45.0, 0.0)
    out = io.BytesIO()
    scene(900, 600, seed=21).save(out, "JPEG", exif=exif, xmp=XMP, comment=b"SECRET-COMMENT")
    data = out.getvalue()
    data = data[:2] + iptc_segment(b"SECRET-IPTC") + data[2:]
    path.write_bytes(data)
    return path


@pytest.fixture
def gps_photo(run_cli, tmp_path, db):
    path = photo_with_everything(tmp_path / "located.jpg")
    [line] = json_lines(run_cli("import", path, "--json", "--trip", "2019 autumn").output)
    assert line["status"] == "imported"
    row = db["photos"].get(line["photo_id"])
    assert (row["gps_lat"], row["gps_lon"]) == (LAT, LON)  # the import read it
    return row


def test_derivatives_carry_no_exif_iptc_xmp_or_comment(gps_photo, client):
    sha = gps_photo["sha256"]
    for name in ("fit400.jpg", "fit1600.jpg"):
        with client.get(f"/media/{sha}/{name}") as response:
            assert response.status_code == 200
            data = response.data
        for marker in (b"Exif\x00\x00", b"Photoshop 3.0", b"http://ns.adobe.com/xap", b"SECRET"):
            assert marker not in data, (name, marker)
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
            assert not image.getexif().get_ifd(0x8825)
            assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi",
                                       "progressive", "progression", "adobe", "adobe_transform"}


def test_rebuilt_derivatives_are_clean_too(gps_photo, client, data_dir):
    for path in (data_dir / "derivatives").rglob("*.jpg"):
        path.unlink()
    with client.get(f"/media/{gps_photo['sha256']}/fit400.jpg") as response:
        assert response.status_code == 200 and b"SECRET" not in response.data


def test_visitors_see_no_exact_location_or_original(gps_photo, client):
    photo_id = gps_photo["id"]
    detail = client.get(f"/api/photos/{photo_id}").json
    assert detail["gps"] is None and detail["original_url"] is None
    page = client.get(f"/photos/{photo_id}").text
    assert "39.03417" not in page and "Location" not in page
    assert "Download the original" not in page
    with client.get(f"/photos/{photo_id}/original") as response:
        assert response.status_code == 404
        assert "for archivists" in response.text


def test_archivists_see_exact_location_and_original(gps_photo, archivist_client, tmp_path):
    photo_id = gps_photo["id"]
    detail = archivist_client.get(f"/api/photos/{photo_id}").json
    assert detail["gps"] == {"lat": LAT, "lon": LON}
    assert detail["original_url"].endswith(f"/photos/{photo_id}/original")
    page = archivist_client.get(f"/photos/{photo_id}").text
    assert "39.03417, 125.75000" in page and "Download the original" in page
    with archivist_client.get(f"/photos/{photo_id}/original") as response:
        assert response.status_code == 200
        assert response.data == (tmp_path / "located.jpg").read_bytes()
        assert response.headers["Content-Disposition"] == f"attachment; filename=photo-{photo_id}.jpg"
        assert response.headers["Cache-Control"].startswith("private")


def test_an_admin_opens_a_trip_to_visitors_and_closes_it(gps_photo, admin_client, client, db):
    photo_id = gps_photo["id"]
    page = admin_client.get("/admin/settings").text
    assert "2019 autumn" in page and "archivists only" in page
    response = admin_client.post("/admin/trips", data={"trip": "2019 autumn", "open": "1"})
    assert response.status_code == 303
    assert "now open to visitors" in admin_client.get("/admin/settings").text
    assert db["open_trips"].get("2019 autumn")["opened_by"] == "ada"
    assert client.get(f"/api/photos/{photo_id}").json["gps"] == {"lat": LAT, "lon": LON}
    assert "39.03417" in client.get(f"/photos/{photo_id}").text
    with client.get(f"/photos/{photo_id}/original") as response:
        assert response.status_code == 200
    admin_client.post("/admin/trips", data={"trip": "2019 autumn", "open": "0"})
    assert client.get(f"/api/photos/{photo_id}").json["gps"] is None
    with client.get(f"/photos/{photo_id}/original") as response:
        assert response.status_code == 404


def test_opening_a_trip_does_not_reveal_its_private_photos(gps_photo, run_cli, client):
    run_cli("settings", "open-trip", "2019 autumn")
    run_cli("unpublish", gps_photo["id"])
    with client.get(f"/photos/{gps_photo['id']}/original") as response:
        assert response.status_code == 404
    assert client.get(f"/api/photos/{gps_photo['id']}").status_code == 404


def test_opening_an_unknown_trip_is_refused(admin_client, run_cli, db):
    page = admin_client.post("/admin/trips", data={"trip": "no such trip", "open": "1"},
                             follow_redirects=True)
    assert "No photos come from a trip named" in page.text
    result = run_cli("settings", "open-trip", "no such trip")
    assert result.exit_code == 1 and "no photos come from a trip named" in result.output
    assert db.execute("SELECT count(*) FROM open_trips").fetchone()[0] == 0


def test_cli_opens_and_closes_a_trip(gps_photo, run_cli, client):
    assert run_cli("settings", "open-trip", "2019 autumn").exit_code == 0
    assert json_lines(run_cli("settings", "show", "--json").output)[0]["open_trips"] == ["2019 autumn"]
    assert client.get(f"/api/photos/{gps_photo['id']}").json["gps"] is not None
    assert run_cli("settings", "close-trip", "2019 autumn").exit_code == 0
    assert client.get(f"/api/photos/{gps_photo['id']}").json["gps"] is None
