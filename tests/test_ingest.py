"""The one ingest pipeline: validation, storage, metadata, derivatives, provenance, atomicity."""

import io
import json
import sqlite3
import struct
import threading
import zlib
from datetime import UTC, datetime

import imagehash
import pytest
from exif_helpers import broken_exif_jpeg, camera_exif, jpeg_with_exif
from PIL import Image
from support import files_under, image_bytes, scene

from archive import db as archive_db
from archive.catalogue import tags
from archive.imaging import decoding as imaging
from archive.ingest.bulk import walk
from archive.ingest.pipeline import FileWork, Ingester, Provenance

MB = 1024 * 1024


@pytest.fixture
def ingester(db, data_dir):
    return Ingester(db, FileWork(data_dir, 50 * MB, 200_000_000))


def cli_provenance(name="photo.jpg", **kwargs):
    return Provenance(original_filename=name, source="cli", **kwargs)


def write(tmp_path, name, data):
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def stored_files(data_dir):
    return files_under(data_dir / "originals") + files_under(data_dir / "derivatives")


def derivative(data_dir, sha256, name):
    return Image.open(data_dir / "derivatives" / sha256[:2] / sha256[2:4] / f"{sha256}-{name}")


def heic_bytes(image):
    try:
        out = io.BytesIO()
        image.save(out, "HEIF", quality=90)
    except Exception as exc:  # an encoder-less libheif build
        pytest.skip(f"pillow_heif cannot encode HEIC here: {exc}")
    return out.getvalue()


# --- formats ------------------------------------------------------------------

@pytest.mark.parametrize(
    "fmt, name, ext, mime",
    [
        ("JPEG", "a.jpg", "jpg", "image/jpeg"),
        ("PNG", "a.png", "png", "image/png"),
        ("WEBP", "a.webp", "webp", "image/webp"),
        ("TIFF", "a.tif", "tif", "image/tiff"),
        ("HEIF", "a.heic", "heic", "image/heic"),
    ],
)
def test_each_accepted_format_is_imported(ingester, db, data_dir, tmp_path, fmt, name, ext, mime):
    picture = scene(360, 240, seed=3)
    data = heic_bytes(picture) if fmt == "HEIF" else image_bytes(picture, fmt)
    path = write(tmp_path, name, data)
    outcome = ingester.ingest(path, cli_provenance(name))
    assert outcome.status == "imported", outcome.reason
    row = db["photos"].get(outcome.photo_id)
    assert (row["format"], row["ext"], row["mime_type"]) == (fmt, ext, mime)
    assert (row["width"], row["height"], row["file_size"]) == (360, 240, len(data))
    sha = row["sha256"]
    assert stored_files(data_dir) == [
        f"{sha[:2]}/{sha[2:4]}/{sha}.{ext}",
        f"{sha[:2]}/{sha[2:4]}/{sha}-fit1600.jpg",
        f"{sha[:2]}/{sha[2:4]}/{sha}-fit400.jpg",
    ]
    original = data_dir / "originals" / sha[:2] / sha[2:4] / f"{sha}.{ext}"
    assert original.read_bytes() == data  # kept exactly as sent
    with derivative(data_dir, sha, "fit400.jpg") as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (360, 240)
        assert imagehash.phash(thumb) - imagehash.phash(picture) <= 6


def test_the_content_decides_the_type_not_the_name(ingester, db, data_dir, tmp_path):
    png_named_jpg = write(tmp_path, "really-a-png.jpg", image_bytes(scene(100, 80, 1), "PNG"))
    jpeg_named_png = write(tmp_path, "really-a-jpeg.png", image_bytes(scene(100, 80, 2), "JPEG"))
    first = ingester.ingest(png_named_jpg, cli_provenance("really-a-png.jpg"))
    second = ingester.ingest(jpeg_named_png, cli_provenance("really-a-jpeg.png"))
    assert db["photos"].get(first.photo_id)["ext"] == "png"
    assert db["photos"].get(second.photo_id)["ext"] == "jpg"
    assert db["photos"].get(first.photo_id)["original_filename"] == "really-a-png.jpg"


def png_claiming(width, height):
    """A tiny PNG whose header claims width × height pixels: a decompression bomb's shape."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def truncated_jpeg():
    data = image_bytes(scene(200, 150, 5), "JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("notes.jpg", b"this is a text file, whatever its name says\n" * 20, "not an image the archive can read"),
        ("anim.gif", image_bytes(scene(80, 60), "GIF"), "GIF images are not accepted"),
        ("bitmap.jpg", image_bytes(scene(80, 60), "BMP"), "BMP images are not accepted"),
        ("half.jpg", truncated_jpeg(), "truncated or corrupt"),
        ("empty.jpg", b"", "the file is empty"),
        ("bomb.png", png_claiming(30_000, 30_000), "the limit is 200 megapixels"),
        ("animated.webp", image_bytes(scene(80, 60, 1), "WEBP", save_all=True,
                                      append_images=[scene(80, 60, 2)]), "animated images are not accepted"),
    ],
)
def test_bad_files_are_rejected_with_a_reason_and_leave_nothing(ingester, db, data_dir, tmp_path, name, data, reason):
    path = write(tmp_path, name, data)
    outcome = ingester.ingest(path, cli_provenance(name))
    assert outcome.status == "rejected"
    assert reason in outcome.reason
    assert outcome.photo_id is None and outcome.duplicate_of is None
    assert db["photos"].count == 0
    assert stored_files(data_dir) == []
    assert files_under(data_dir / "tmp") == []


def test_the_pixel_limit_is_configurable(db, data_dir, tmp_path):
    path = write(tmp_path, "wall.jpg", image_bytes(scene(640, 480), "JPEG"))
    strict = Ingester(db, FileWork(data_dir, 50 * MB, 300_000))
    outcome = strict.ingest(path, cli_provenance())
    assert outcome.status == "rejected"
    assert "640×480" in outcome.reason
    roomy = Ingester(db, FileWork(data_dir, 50 * MB, 640 * 480))
    assert roomy.ingest(path, cli_provenance()).status == "imported"


def test_the_file_size_limit(db, data_dir, tmp_path):
    data = image_bytes(scene(640, 480), "JPEG")
    path = write(tmp_path, "wall.jpg", data)
    small = Ingester(db, FileWork(data_dir, len(data) - 1, 10**8))
    outcome = small.ingest(path, cli_provenance())
    assert outcome.status == "rejected"
    assert "the limit is" in outcome.reason
    assert db["photos"].count == 0 and stored_files(data_dir) == []
    exact = Ingester(db, FileWork(data_dir, len(data), 10**8))
    assert exact.ingest(path, cli_provenance()).status == "imported"


def test_a_missing_file_or_a_folder_is_rejected(ingester, tmp_path):
    assert ingester.ingest(tmp_path / "gone.jpg", cli_provenance()).reason == "no such file"
    assert ingester.ingest(tmp_path, cli_provenance()).reason == "not a regular file"


def test_an_unknown_source_is_a_programming_error(ingester, tmp_path):
    path = write(tmp_path, "a.jpg", image_bytes(scene(60, 40), "JPEG"))
    with pytest.raises(ValueError, match="source"):
        ingester.ingest(path, Provenance(original_filename="a.jpg", source="ftp"))


# --- duplicates ----------------------------------------------------------------

def test_the_same_bytes_again_are_a_duplicate_and_stored_once(ingester, db, data_dir, tmp_path):
    data = image_bytes(scene(300, 200, 7), "JPEG")
    first = ingester.ingest(write(tmp_path, "one.jpg", data), cli_provenance("one.jpg", trip="spring"))
    files = stored_files(data_dir)
    times = {p: p.stat().st_mtime_ns for p in (data_dir / "originals").rglob("*") if p.is_file()}
    again = ingester.ingest(write(tmp_path, "copy of one.jpg", data), cli_provenance("copy of one.jpg"))
    assert first.status == "imported"
    assert again.status == "duplicate"
    assert again.duplicate_of == first.photo_id
    assert again.photo_id is None
    assert f"photo {first.photo_id}" in again.reason
    assert db["photos"].count == 1
    assert stored_files(data_dir) == files
    assert {p: p.stat().st_mtime_ns for p in times} == times  # the original is not rewritten
    # The first file's provenance stands.
    assert db["photos"].get(first.photo_id)["original_filename"] == "one.jpg"


def test_a_one_byte_difference_is_a_different_photo(ingester, db, tmp_path):
    data = image_bytes(scene(300, 200, 7), "JPEG")
    ingester.ingest(write(tmp_path, "a.jpg", data), cli_provenance())
    changed = data[:-2] + b"\x00" + data[-2:]  # a byte before EOI; the picture decodes the same
    outcome = ingester.ingest(write(tmp_path, "b.jpg", changed), cli_provenance())
    assert outcome.status == "imported"
    assert db["photos"].count == 2


def test_two_ingesters_racing_on_the_same_bytes_store_one_photo(db, data_dir, tmp_path, monkeypatch):
    path = write(tmp_path, "race.jpg", image_bytes(scene(400, 300, 9), "JPEG"))
    # Both get past the duplicate check before either commits (the decode
    # itself runs in a child process, where a patch would not reach).
    both_checked = threading.Barrier(2, timeout=20)
    real_decode = FileWork.decode

    def decode_together(self, *args, **kwargs):
        both_checked.wait()
        return real_decode(self, *args, **kwargs)

    monkeypatch.setattr(FileWork, "decode", decode_together)
    outcomes, errors = [], []

    def run():
        connection = archive_db.connect(data_dir)
        try:
            ingester = Ingester(connection, FileWork(data_dir, 50 * MB, 10**8))
            outcomes.append(ingester.ingest(path, cli_provenance("race.jpg")))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(o.status for o in outcomes) == ["duplicate", "imported"]
    imported = next(o for o in outcomes if o.status == "imported")
    duplicate = next(o for o in outcomes if o.status == "duplicate")
    assert duplicate.duplicate_of == imported.photo_id
    assert db["photos"].count == 1
    sha = db["photos"].get(imported.photo_id)["sha256"]
    # The loser removed nothing the winner relies on.
    assert len(stored_files(data_dir)) == 3
    assert all(sha in name for name in stored_files(data_dir))


# --- metadata, orientation, hashes, derivatives ------------------------------------

def test_exif_fields_are_stored(ingester, db, tmp_path):
    exif = camera_exif(gps=(39.0392, 125.7625))
    path = write(tmp_path, "cam.jpg", jpeg_with_exif(exif))
    outcome = ingester.ingest(path, cli_provenance("cam.jpg"))
    assert outcome.warnings == []
    row = db["photos"].get(outcome.photo_id)
    assert row["taken_at"] == "2019-10-05T14:30:07"
    assert (row["camera_make"], row["camera_model"], row["lens"]) == ("NIKON", "COOLPIX P6000", "NIKKOR 24-70mm")
    assert (row["exposure_time"], row["f_number"], row["iso"], row["focal_length"]) == ("1/250", 2.8, 400, 35.0)
    assert row["gps_lat"] == pytest.approx(39.0392, abs=1e-6)
    assert row["gps_lon"] == pytest.approx(125.7625, abs=1e-6)
    assert json.loads(row["warnings"]) == []


def test_a_photo_without_exif_imports_with_a_warning(ingester, db, tmp_path):
    outcome = ingester.ingest(write(tmp_path, "plain.png", image_bytes(scene(90, 60), "PNG")), cli_provenance())
    assert outcome.status == "imported"
    assert outcome.warnings == ["no EXIF metadata"]
    row = db["photos"].get(outcome.photo_id)
    assert json.loads(row["warnings"]) == ["no EXIF metadata"]
    assert row["taken_at"] is None and row["camera_make"] is None and row["gps_lat"] is None


def test_broken_exif_never_blocks_an_import(ingester, db, data_dir, tmp_path):
    path = write(tmp_path, "broken-exif.jpg", broken_exif_jpeg(320, 240, seed=4))
    outcome = ingester.ingest(path, cli_provenance("broken-exif.jpg"))
    assert outcome.status == "imported", outcome.reason
    assert outcome.warnings and "EXIF" in outcome.warnings[0]
    row = db["photos"].get(outcome.photo_id)
    assert (row["width"], row["height"], row["orientation"]) == (320, 240, 1)
    assert row["camera_make"] is None
    assert len(stored_files(data_dir)) == 3


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_every_derivative_is_upright(ingester, db, data_dir, tmp_path, orientation):
    picture = scene(640, 400, seed=11)  # as the sensor saw it
    path = write(tmp_path, "turned.jpg", jpeg_with_exif(camera_exif(orientation=orientation), 640, 400, seed=11, quality=92))
    outcome = ingester.ingest(path, cli_provenance())
    row = db["photos"].get(outcome.photo_id)
    upright = picture.transpose(imaging.ORIENTATION_TRANSPOSE[orientation])
    assert (row["width"], row["height"]) == upright.size
    assert row["orientation"] == orientation
    expected_thumb = (400, 250) if orientation == 3 else (250, 400)
    with derivative(data_dir, row["sha256"], "fit1600.jpg") as display:
        assert display.size == upright.size
        assert not display.getexif().get(0x0112)  # no tag left to turn it twice
        assert imagehash.phash(display) - imagehash.phash(upright) <= 4
        # ...and it is not simply the sideways picture.
        assert imagehash.phash(display) - imagehash.phash(picture.resize(upright.size)) > 10
    with derivative(data_dir, row["sha256"], "fit400.jpg") as thumb:
        assert thumb.size == expected_thumb


@pytest.mark.parametrize("fmt, size, display_size", [
    # A PNG decodes whole and is shrunk to the display image's upper bound.
    ("PNG", (3200, 2000), (2048, 1280)),
    # A JPEG decodes at the smallest DCT scale that still covers 1600 px...
    ("JPEG", (3200, 2000), (1600, 1000)),
    # ...and that decode is the display image whenever it fits in 2048 px.
    ("JPEG", (4032, 3024), (2016, 1512)),
    ("JPEG", (6000, 4000), (2048, 1365)),
])
def test_derivative_sizes_thumbnail_400_display_1600_to_2048(ingester, db, data_dir, tmp_path, fmt, size, display_size):
    big = scene(320, 200, seed=12).resize(size, Image.Resampling.BICUBIC)
    path = write(tmp_path, f"big.{fmt.lower()}", image_bytes(big, fmt, **({"compress_level": 1} if fmt == "PNG" else {})))
    row = db["photos"].get(ingester.ingest(path, cli_provenance()).photo_id)
    assert row["display_edge"] == max(display_size)
    with derivative(data_dir, row["sha256"], f"fit{max(display_size)}.jpg") as display:
        assert display.size == display_size
    with derivative(data_dir, row["sha256"], "fit400.jpg") as thumb:
        assert thumb.size == (400, round(400 * size[1] / size[0]))


def test_small_photos_are_never_upscaled(ingester, db, data_dir, tmp_path):
    path = write(tmp_path, "small.jpg", image_bytes(scene(300, 200, 13), "JPEG"))
    row = db["photos"].get(ingester.ingest(path, cli_provenance()).photo_id)
    for name in ("fit1600.jpg", "fit400.jpg"):
        with derivative(data_dir, row["sha256"], name) as image:
            assert image.size == (300, 200)


def test_a_large_jpeg_is_decoded_once_reduced_and_its_derivatives_are_right(ingester, db, data_dir, tmp_path, monkeypatch):
    big = scene(400, 300, seed=14).resize((4000, 3000), Image.Resampling.BICUBIC)
    path = write(tmp_path, "big.jpg", image_bytes(big, "JPEG", quality=90))
    decodes = []
    real = imaging.decode_upright

    def counting(*args, **kwargs):
        decoded = real(*args, **kwargs)
        decodes.append(decoded.pixels.size)
        return decoded

    # What the bounded child runs for an import, here in this process.
    monkeypatch.setattr(imaging, "decode_upright", counting)
    imaging.analyse(path, 10**8)
    assert decodes == [(2000, 1500)]  # one decode, at the draft's 1/2 scale
    monkeypatch.undo()
    row = db["photos"].get(ingester.ingest(path, cli_provenance()).photo_id)
    assert (row["width"], row["height"]) == (4000, 3000)
    with derivative(data_dir, row["sha256"], "fit2000.jpg") as display:
        assert display.size == (2000, 1500)
        assert imagehash.phash(display) - imagehash.phash(big) <= 2
    with derivative(data_dir, row["sha256"], "fit400.jpg") as thumb:
        assert thumb.size == (400, 300)
        assert imagehash.phash(thumb) - imagehash.phash(big) <= 2


def test_hashes_are_signed_64_bit_integers_of_the_picture(ingester, db, tmp_path):
    rows = []
    for seed in (20, 21):
        path = write(tmp_path, f"s{seed}.jpg", image_bytes(scene(400, 300, seed), "JPEG"))
        rows.append(db["photos"].get(ingester.ingest(path, cli_provenance()).photo_id))
    for row, seed in zip(rows, (20, 21)):
        for column, function in (("phash", imagehash.phash), ("dhash", imagehash.dhash)):
            value = row[column]
            assert isinstance(value, int) and -(2**63) <= value < 2**63
            expected = imaging.to_signed64(function(scene(400, 300, seed)))
            assert bin((value ^ expected) & (2**64 - 1)).count("1") <= 6
    assert rows[0]["phash"] != rows[1]["phash"]


def test_a_hash_with_the_top_bit_set_is_stored_negative(ingester, db, tmp_path):
    path = write(tmp_path, "a.jpg", image_bytes(scene(100, 80, seed=0), "JPEG"))
    expected = imaging.analyse(path, 10**8).phash
    assert expected < 0  # this picture's pHash has its top bit set (b29d...)
    row = db["photos"].get(ingester.ingest(path, cli_provenance()).photo_id)
    assert row["phash"] == expected
    stored = db.execute("SELECT typeof(phash) FROM photos").fetchone()[0]
    assert stored == "integer"


# --- provenance and tags -------------------------------------------------------

def test_provenance_is_recorded(ingester, db, tmp_path):
    path = write(tmp_path, "IMG_0042.JPG", image_bytes(scene(100, 80), "JPEG"))
    provenance = Provenance(original_filename="IMG_0042.JPG", source="web", trip="2019 autumn",
                            photographer="Kim", uploaded_by="archivist")
    outcome = ingester.ingest(path, provenance, [("set", "european-street"), ("keyword", "rain")])
    row = db["photos"].get(outcome.photo_id)
    assert (row["original_filename"], row["trip"], row["photographer"], row["source"], row["uploaded_by"]) == (
        "IMG_0042.JPG", "2019 autumn", "Kim", "web", "archivist")
    uploaded = datetime.fromisoformat(row["uploaded_at"])
    assert uploaded.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - uploaded).total_seconds()) < 3600
    assert tags.slugs_by_facet(tags.tags_of_photo(db, outcome.photo_id)) == {
        "keyword": ["rain"], "set": ["european-street"], "trip": ["2019-autumn"]}


def test_an_unknown_controlled_tag_never_costs_the_photo(ingester, db, data_dir, tmp_path):
    """A tag gone from the vocabulary between the check and the commit: the
    photo goes in without it, and its outcome says so."""
    path = write(tmp_path, "a.jpg", image_bytes(scene(100, 80), "JPEG"))
    tags_before = db["tags"].count
    outcome = ingester.ingest(path, cli_provenance(), [("set", "nowhere"), ("set", "railway")])
    assert outcome.status == "imported"
    assert "tag set:nowhere was not applied (no set tag called 'nowhere')" in outcome.warnings[-1]
    assert tags.slugs_by_facet(tags.tags_of_photo(db, outcome.photo_id)) == {"set": ["railway"]}
    assert db["tags"].count == tags_before
    assert "not applied" not in db["photos"].get(outcome.photo_id)["warnings"]  # the upload's, not the file's


def test_a_trip_joins_the_one_the_vocabulary_has_whatever_its_case(ingester, db, tmp_path):
    first = ingester.ingest(write(tmp_path, "a.jpg", image_bytes(scene(100, 80, 1), "JPEG")),
                            cli_provenance(trip="2019 autumn"))
    second = ingester.ingest(write(tmp_path, "b.jpg", image_bytes(scene(100, 80, 2), "JPEG")),
                             cli_provenance(trip="  2019   Autumn "))
    rows = [db["photos"].get(o.photo_id) for o in (first, second)]
    assert [row["trip"] for row in rows] == ["2019 autumn", "2019 autumn"]
    assert [row[0] for row in db.execute("SELECT slug FROM tags WHERE facet = 'trip'")] == ["2019-autumn"]


# --- all or nothing ---------------------------------------------------------------

def test_a_failure_inside_the_transaction_leaves_no_row_and_no_files(ingester, db, data_dir, tmp_path, monkeypatch):
    kept = ingester.ingest(write(tmp_path, "kept.jpg", image_bytes(scene(100, 80, 1), "JPEG")), cli_provenance())
    files_before = stored_files(data_dir)
    tags_before = db["tags"].count

    def fail(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(tags, "tag_photo", fail)
    path = write(tmp_path, "doomed.jpg", image_bytes(scene(100, 80, 2), "JPEG"))
    with pytest.raises(Exception, match="disk I/O error"):
        ingester.ingest(path, cli_provenance("doomed.jpg", trip="new trip"))
    assert [r["id"] for r in db["photos"].rows] == [kept.photo_id]
    assert db["tags"].count == tags_before  # the trip tag made in the transaction is gone too
    assert db.execute("SELECT count(*) FROM photo_tags").fetchone()[0] == 0
    assert stored_files(data_dir) == files_before
    assert not db.conn.in_transaction


def test_a_failed_row_insert_leaves_no_files(ingester, db, data_dir, tmp_path, monkeypatch):
    def fail(self, *args, **kwargs):
        raise sqlite3.OperationalError("database disk image is malformed")

    monkeypatch.setattr(Ingester, "_insert", fail)
    with pytest.raises(Exception, match="malformed"):
        ingester.ingest(write(tmp_path, "a.jpg", image_bytes(scene(100, 80), "JPEG")), cli_provenance())
    assert db["photos"].count == 0
    assert stored_files(data_dir) == []


def test_a_failed_derivative_write_removes_the_original(ingester, db, data_dir, tmp_path, monkeypatch):
    from archive.ingest import pipeline as ingest

    real = ingest.write_atomically

    def fail_on_thumbnail(target, write, **options):
        if str(target).endswith("fit400.jpg"):
            raise OSError("no space left on device")
        return real(target, write, **options)

    monkeypatch.setattr(ingest, "write_atomically", fail_on_thumbnail)
    with pytest.raises(OSError):
        ingester.ingest(write(tmp_path, "a.jpg", image_bytes(scene(100, 80), "JPEG")), cli_provenance())
    assert db["photos"].count == 0
    assert stored_files(data_dir) == []


# --- walking folders ----------------------------------------------------------------

def test_walk_takes_image_files_recursively_in_a_stable_order(tmp_path):
    root = tmp_path / "trip"
    for name in ["b.jpg", "a.PNG", "sub/c.heic", "sub/deeper/d.tiff", "README.txt", "sub/notes.md",
                 ".DS_Store", "._a.jpg", ".hidden/e.jpg"]:
        write(root, name, b"x")
    single = write(tmp_path, "named.txt", b"x")
    found = walk([root / "in", single])
    base = root / "in"
    assert [p.relative_to(base).as_posix() if base in p.parents else p.name for p in found.files] == [
        "a.PNG", "b.jpg", "sub/c.heic", "sub/deeper/d.tiff", "named.txt"]
    assert sorted(p.name for p in found.skipped) == ["README.txt", "notes.md"]
