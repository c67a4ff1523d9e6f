"""EXIF into plain fields: values, GPS signs, and broken metadata as warnings."""

import pytest
from exif_helpers import broken_exif_jpeg, camera_exif, jpeg_with_exif, with_app1
from support import image_bytes, scene

from archive.ingest.metadata import FIELDS, read_metadata


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_camera_fields_are_read(tmp_path):
    path = write(tmp_path, "cam.jpg", jpeg_with_exif(camera_exif(orientation=6)))
    metadata = read_metadata(path)
    assert metadata.warnings == []
    assert metadata.values == {
        "taken_at": "2019-10-05T14:30:07",
        "camera_make": "NIKON",
        "camera_model": "COOLPIX P6000",
        "lens": "NIKKOR 24-70mm",
        "exposure_time": "1/250",
        "f_number": 2.8,
        "iso": 400,
        "focal_length": 35.0,
        "gps_lat": None,
        "gps_lon": None,
        "orientation": 6,
    }


@pytest.mark.parametrize(
    "lat, lon",
    [
        (39.0392, 125.7625),     # Pyongyang: N, E
        (-33.8751, -70.5),       # S, W
        (-12.25, 45.125),        # S, E
        (51.4778, -0.0015),      # N, W, close to zero
    ],
)
def test_gps_is_signed_decimal_degrees_from_the_refs(tmp_path, lat, lon):
    path = write(tmp_path, "gps.jpg", jpeg_with_exif(camera_exif(gps=(lat, lon))))
    values = read_metadata(path).values
    assert values["gps_lat"] == pytest.approx(lat, abs=1e-6)
    assert values["gps_lon"] == pytest.approx(lon, abs=1e-6)


def test_gps_refs_are_what_set_the_sign(tmp_path):
    # The same numbers with the refs flipped give the opposite signs.
    exif = camera_exif(gps=(10.5, 20.25))
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "S", "W"
    values = read_metadata(write(tmp_path, "flip.jpg", jpeg_with_exif(exif))).values
    assert (values["gps_lat"], values["gps_lon"]) == (pytest.approx(-10.5), pytest.approx(-20.25))


def test_half_a_position_is_no_position(tmp_path):
    exif = camera_exif(gps=(10.5, 20.25))
    gps = exif.get_ifd(0x8825)
    del gps[4], gps[3]
    values = read_metadata(write(tmp_path, "half.jpg", jpeg_with_exif(exif))).values
    assert values["gps_lat"] is None and values["gps_lon"] is None


def test_placeholder_dates_are_no_date(tmp_path):
    exif = camera_exif(taken="0000:00:00 00:00:00")
    metadata = read_metadata(write(tmp_path, "zero.jpg", jpeg_with_exif(exif)))
    assert metadata.values["taken_at"] is None
    assert metadata.values["camera_model"] == "COOLPIX P6000"


def test_no_exif_is_a_warning_and_empty_fields(tmp_path):
    path = write(tmp_path, "plain.png", image_bytes(scene(80, 60), "PNG"))
    metadata = read_metadata(path)
    assert set(metadata.values) == set(FIELDS)
    assert all(value is None for value in metadata.values.values())
    assert metadata.warnings == ["no EXIF metadata"]


def test_broken_exif_is_a_warning_not_an_error(tmp_path):
    metadata = read_metadata(write(tmp_path, "broken.jpg", broken_exif_jpeg()))
    assert all(value is None for value in metadata.values.values())
    assert len(metadata.warnings) == 1
    assert "EXIF" in metadata.warnings[0]


def test_an_exif_block_of_junk_is_a_warning(tmp_path):
    data = with_app1(image_bytes(scene(80, 60), "JPEG"), b"Exif\x00\x00" + b"\xde\xad\xbe\xef" * 10)
    metadata = read_metadata(write(tmp_path, "junk.jpg", data))
    assert all(value is None for value in metadata.values.values())
    assert metadata.warnings and "EXIF" in metadata.warnings[0]


def test_a_file_that_is_not_an_image_still_gives_fields_and_a_warning(tmp_path):
    metadata = read_metadata(write(tmp_path, "notes.jpg", b"just some text, not a photo\n" * 5))
    assert all(value is None for value in metadata.values.values())
    assert metadata.warnings
