"""Imaging: modes to RGB, fitting, hashes as signed integers, orientation, draft decoding."""

import io

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageOps
from support import image_bytes, scene

from archive.imaging import decoding as imaging


def same_pixels(a, b):
    return a.size == b.size and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


# --- to_rgb -----------------------------------------------------------------

def test_to_rgb_palette_uses_the_palette_colours():
    image = Image.new("P", (2, 1))
    image.putpalette([10, 20, 30, 200, 100, 50] + [0] * (256 * 3 - 6))
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    rgb = imaging.to_rgb(image)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (10, 20, 30)
    assert rgb.getpixel((1, 0)) == (200, 100, 50)


def test_to_rgb_palette_with_alpha_goes_over_white():
    image = Image.new("PA", (2, 1))
    image.putpalette([10, 20, 30] + [0] * (255 * 3))
    image.putpixel((0, 0), (0, 255))
    image.putpixel((1, 0), (0, 0))
    rgb = imaging.to_rgb(image)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (10, 20, 30)
    assert rgb.getpixel((1, 0)) == (255, 255, 255)


def test_to_rgb_rgba_transparent_is_white_and_opaque_is_kept():
    image = Image.new("RGBA", (3, 1))
    image.putpixel((0, 0), (255, 0, 0, 255))
    image.putpixel((1, 0), (255, 0, 0, 0))
    image.putpixel((2, 0), (0, 0, 0, 128))
    rgb = imaging.to_rgb(image)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (255, 0, 0)
    assert rgb.getpixel((1, 0)) == (255, 255, 255)
    assert all(126 <= c <= 128 for c in rgb.getpixel((2, 0)))  # half black over white


def test_to_rgb_grey_with_alpha():
    image = Image.new("LA", (2, 1))
    image.putpixel((0, 0), (40, 255))
    image.putpixel((1, 0), (40, 0))
    rgb = imaging.to_rgb(image)
    assert rgb.getpixel((0, 0)) == (40, 40, 40)
    assert rgb.getpixel((1, 0)) == (255, 255, 255)


def test_to_rgb_cmyk():
    image = Image.new("CMYK", (3, 1))
    image.putpixel((0, 0), (0, 0, 0, 0))
    image.putpixel((1, 0), (0, 255, 255, 0))
    image.putpixel((2, 0), (0, 0, 0, 255))
    rgb = imaging.to_rgb(image)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (255, 255, 255)
    assert rgb.getpixel((1, 0)) == (255, 0, 0)
    assert rgb.getpixel((2, 0)) == (0, 0, 0)


def test_to_rgb_16_bit_grey_scales_the_full_range():
    image = Image.new("I;16", (3, 1))
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 32768)
    image.putpixel((2, 0), 65535)
    rgb = imaging.to_rgb(image)
    assert rgb.mode == "RGB"
    assert [rgb.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (127, 127, 127), (255, 255, 255)]


def test_to_rgb_16_bit_holding_8_bit_values_is_not_darkened():
    image = Image.new("I;16", (2, 1))
    image.putpixel((0, 0), 200)
    image.putpixel((1, 0), 10)
    rgb = imaging.to_rgb(image)
    assert rgb.getpixel((0, 0)) == (200, 200, 200)
    assert rgb.getpixel((1, 0)) == (10, 10, 10)


def test_to_rgb_32_bit_integers_saturate_instead_of_wrapping():
    image = Image.new("I", (3, 1))
    image.putpixel((0, 0), 100_000)  # past 16 bits: as bright as it gets
    image.putpixel((1, 0), -5)        # below zero: black
    image.putpixel((2, 0), 65535)
    rgb = imaging.to_rgb(image)
    assert [rgb.getpixel((x, 0)) for x in range(3)] == [(255, 255, 255), (0, 0, 0), (255, 255, 255)]


def test_to_rgb_grey():
    rgb = imaging.to_rgb(Image.new("L", (2, 2), 77))
    assert rgb.mode == "RGB"
    assert rgb.getpixel((1, 1)) == (77, 77, 77)


def test_to_rgb_leaves_rgb_alone():
    image = Image.new("RGB", (2, 2), (1, 2, 3))
    assert imaging.to_rgb(image) is image


# --- fit --------------------------------------------------------------------

@pytest.mark.parametrize(
    "size, edge, expected",
    [
        ((100, 50), 400, (100, 50)),     # smaller: never upscaled
        ((400, 300), 400, (400, 300)),   # exactly the edge
        ((800, 400), 400, (400, 200)),
        ((300, 1200), 400, (100, 400)),  # portrait: the long edge is the height
        ((3000, 2000), 1600, (1600, 1067)),
    ],
)
def test_fit_scales_down_to_the_long_edge_and_never_up(size, edge, expected):
    assert imaging.fit(Image.new("RGB", size), edge).size == expected


def test_fit_does_not_change_its_input():
    image = Image.new("RGB", (800, 600))
    imaging.fit(image, 100)
    assert image.size == (800, 600)


# --- hashes -----------------------------------------------------------------

@pytest.mark.parametrize(
    "hex_hash, expected",
    [
        ("0000000000000000", 0),
        ("0000000000000001", 1),
        ("7fffffffffffffff", 2**63 - 1),
        ("8000000000000000", -(2**63)),
        ("ffffffffffffffff", -1),
        ("fffffffffffffffe", -2),
    ],
)
def test_to_signed64_fits_sqlite_integers(hex_hash, expected):
    assert imaging.to_signed64(imagehash.hex_to_hash(hex_hash)) == expected


def test_to_signed64_round_trips_bits():
    image_hash = imagehash.phash(scene(200, 150, seed=4))
    value = imaging.to_signed64(image_hash)
    assert -(2**63) <= value < 2**63
    assert f"{value & (2**64 - 1):016x}" == str(image_hash)


# --- orientation --------------------------------------------------------------

def oriented(image, orientation):
    """A copy of image carrying an EXIF Orientation tag."""
    copy = image.copy()
    exif = copy.getexif()
    exif[0x0112] = orientation
    copy.info["exif"] = exif.tobytes()
    return copy


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_table_matches_pillow_exif_transpose(orientation):
    base = scene(60, 40, seed=orientation)
    expected = ImageOps.exif_transpose(oriented(base, orientation))
    table = imaging.ORIENTATION_TRANSPOSE.get(orientation)
    ours = base if table is None else base.transpose(table)
    assert same_pixels(ours, expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_decode_upright_matches_exif_transpose_of_a_written_file(tmp_path, orientation):
    base = scene(90, 60, seed=10 + orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    path.write_bytes(image_bytes(base, "JPEG", exif=exif, quality=95))

    decoded = imaging.decode_upright(path, 10**8, 1600)
    with Image.open(path) as reference:
        expected = ImageOps.exif_transpose(reference).convert("RGB")
    assert decoded.orientation == orientation
    assert (decoded.width, decoded.height) == expected.size
    assert (decoded.width, decoded.height) == ((60, 90) if orientation >= 5 else (90, 60))
    assert same_pixels(decoded.pixels, expected)


def test_read_orientation_ignores_values_out_of_range(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 9
    path = tmp_path / "odd.jpg"
    path.write_bytes(image_bytes(scene(40, 30), "JPEG", exif=exif))
    with Image.open(path) as image:
        assert imaging.read_orientation(image) == 1


# --- decoding and derivatives ---------------------------------------------------

def test_large_jpeg_is_decoded_reduced_yet_derivatives_are_right(tmp_path):
    # Big and smooth: made from a small scene so the test stays quick.
    small = scene(400, 300, seed=21)
    big = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    path = tmp_path / "big.jpg"
    path.write_bytes(image_bytes(big, "JPEG", quality=90))

    decoded = imaging.decode_upright(path, 10**9, 1600)
    # Draft mode: the decoder's 1/2 scale, the smallest that still covers 1600.
    assert decoded.pixels.size == (2000, 1500)
    assert (decoded.width, decoded.height) == (4000, 3000)

    analysis = imaging.analyse(path, 10**9)
    assert (analysis.width, analysis.height) == (4000, 3000)
    # The half-scale decode is the display image as it comes (2000 <= 2048).
    assert analysis.display_edge == 2000
    assert sorted(analysis.derivatives) == ["fit2000.jpg", "fit400.jpg"]
    display = Image.open(io.BytesIO(analysis.derivatives["fit2000.jpg"]))
    thumb = Image.open(io.BytesIO(analysis.derivatives["fit400.jpg"]))
    assert display.size == (2000, 1500)
    assert thumb.size == (400, 300)
    # The pixels are the picture's: compared with a full decode scaled the slow way.
    with Image.open(path) as full:
        reference = full.convert("RGB").resize((2000, 1500), Image.Resampling.LANCZOS)
    assert imagehash.phash(display) - imagehash.phash(reference) <= 2
    difference = np.abs(np.asarray(display.convert("RGB"), np.int16) - np.asarray(reference, np.int16))
    assert difference.mean() < 4


def test_analyse_small_image_keeps_its_size_in_every_derivative(tmp_path):
    path = tmp_path / "small.png"
    path.write_bytes(image_bytes(scene(300, 200), "PNG"))
    analysis = imaging.analyse(path, 10**8)
    assert analysis.format == "PNG" and analysis.ext == "png" and analysis.mime_type == "image/png"
    for name in ("fit1600.jpg", "fit400.jpg"):
        with Image.open(io.BytesIO(analysis.derivatives[name])) as image:
            assert image.format == "JPEG"
            assert image.size == (300, 200)
            assert not image.getexif()  # derivatives carry no metadata


def test_open_checked_rejects_above_the_pixel_limit_before_decoding(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(image_bytes(scene(200, 100), "PNG"))
    with pytest.raises(imaging.RejectedImage, match="megapixels"):
        imaging.open_checked(path, 19_999)
    with imaging.open_checked(path, 20_000) as image:
        assert image.size == (200, 100)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_render_fit_rebuilds_the_ingest_derivatives_byte_for_byte(tmp_path, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    big = scene(500, 375, seed=30).resize((3000, 2250), Image.Resampling.BICUBIC)
    path = tmp_path / "big.jpg"
    path.write_bytes(image_bytes(big, "JPEG", exif=exif, quality=90))
    analysis = imaging.analyse(path, 10**9)
    # Half scale would be 1500 px, under 1600: decoded whole, shrunk to 2048.
    assert analysis.display_edge == 2048
    for edge in imaging.standard_edges(analysis.display_edge):
        name = imaging.derivative_name(edge)
        rebuilt = imaging.render_fit(path, edge, 10**9, analysis.display_edge)
        assert rebuilt == analysis.derivatives[name], name
