"""The upload path against hostile and odd files (OWASP file upload guidance).

Every bad file is made here, sent through the web (JSON and HTML) and the CLI,
and must get a clear message while media/ and the database stay as they were.
"""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from support import image_bytes, json_lines, media_state, scene

from archive.web.upload import display_filename

# -- files made in the test ------------------------------------------------------


def jpeg(width=320, height=240, seed=1, **save):
    return image_bytes(scene(width, height, seed), "JPEG", **save)


def png_with_header(width, height):
    """A tiny PNG whose header claims width × height: a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def frames(n=3):
    return [scene(80, 60, seed=i) for i in range(n)]


def animated(fmt):
    first, *rest = frames()
    if fmt == "GIF":
        first, rest = first.convert("P"), [f.convert("P") for f in rest]
    out = io.BytesIO()
    first.save(out, fmt, save_all=True, append_images=rest, duration=100, loop=0)
    return out.getvalue()


def corrupt_png():
    """A PNG whose compressed pixel data is scrambled (checksums fixed up)."""
    data = bytearray(image_bytes(scene(320, 240, seed=7), "PNG"))
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8:start - 4])[0]
    data[start + 10:start + length - 10] = bytes(range(256)) * ((length - 20) // 256) + bytes((length - 20) % 256)
    data[start + length:start + length + 4] = struct.pack(">I", zlib.crc32(data[start - 4:start + length]))
    return bytes(data)


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML_AS_JPG = b"<!doctype html><script>alert(document.cookie)</script>"

# name sent, the bytes, a phrase the person must be told.
BAD_FILES = {
    "zero-byte": ("empty.jpg", lambda: b"", "the file is empty"),
    "text named .jpg": ("notes.jpg", lambda: b"Trip notes, day 3\n" * 20,
                        "not an image the archive can read"),
    "html named .jpg": ("page.jpg", lambda: HTML_AS_JPG, "not an image the archive can read"),
    "svg with script": ("poster.svg", lambda: SVG_WITH_SCRIPT, "not an image the archive can read"),
    "truncated jpeg": ("cut.jpg", lambda: jpeg()[:3000], "truncated or corrupt"),
    "truncated png": ("cut.png", lambda: image_bytes(scene(320, 240), "PNG")[:5000],
                      "truncated or corrupt"),
    "corrupt png": ("noise.png", corrupt_png, "truncated or corrupt"),
    "jpeg header only": ("head.jpg", lambda: jpeg()[:40], "the image header is broken"),
    "gigantic dimensions, tiny file": ("bomb.png", lambda: png_with_header(100_000, 100_000),
                                       "decompression bomb"),
    "over the archive's pixel limit": ("wide.png", lambda: png_with_header(30_000, 20_000),
                                       "the limit is 200 megapixels"),
    "animated gif": ("dance.gif", lambda: animated("GIF"), "animated GIF images are not accepted"),
    "still gif": ("still.gif", lambda: image_bytes(scene(60, 40).convert("P"), "GIF"),
                  "GIF images are not accepted"),
    "animated webp": ("dance.webp", lambda: animated("WEBP"), "animated images are not accepted"),
    "animated png": ("dance.png", lambda: animated("PNG"), "animated images are not accepted"),
    "bmp": ("old.bmp", lambda: image_bytes(scene(60, 40), "BMP"), "BMP images are not accepted"),
}


def upload(client, *files, url="/api/uploads"):
    data = {"photos": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(url, data=data, content_type="multipart/form-data")


# -- every bad file, three ways in ------------------------------------------------


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_rejected_over_json_with_nothing_left_behind(case, archivist_client, data_dir, db):
    name, make, message = BAD_FILES[case]
    before = media_state(data_dir, db)
    response = upload(archivist_client, (name, make()))
    assert response.status_code == 200, response.text
    [result] = response.json["results"]
    assert result["status"] == "rejected"
    assert result["path"] == name
    assert message in result["reason"], result["reason"]
    assert media_state(data_dir, db) == before


def test_bad_files_rejected_on_the_html_page_with_one_message_each(archivist_client, data_dir, db):
    before = media_state(data_dir, db)
    files = [(name, make()) for name, make, _ in BAD_FILES.values()]
    response = upload(archivist_client, *files, url="/upload")
    assert response.status_code == 200
    assert f"0 imported, 0 duplicates, {len(files)} rejected" in " ".join(response.text.split())
    for name, _, message in BAD_FILES.values():
        assert f'<span class="filename">{name}</span>' in response.text
        assert message in response.text
    assert media_state(data_dir, db) == before


def test_bad_files_rejected_by_the_cli_with_one_message_each(run_cli, tmp_path, data_dir, db):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, make, _ in BAD_FILES.values():
        (folder / name).write_bytes(make())
    before = media_state(data_dir, db)
    result = run_cli("import", *sorted(folder.iterdir()), "--json")
    assert result.exit_code == 0, result.output
    reasons = {line["path"].rsplit("/", 1)[-1]: line for line in json_lines(result.output)}
    for name, _, message in BAD_FILES.values():
        assert reasons[name]["status"] == "rejected"
        assert message in reasons[name]["reason"]
    assert media_state(data_dir, db) == before


def test_a_batch_with_one_bad_file_still_imports_the_good_ones(archivist_client, db):
    response = upload(archivist_client, ("a.jpg", jpeg(seed=1)), ("bad.jpg", b"GIF89a nope"),
                      ("b.jpg", jpeg(seed=2)))
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["imported", "rejected", "imported"]
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 2


# -- odd but good images --------------------------------------------------------


def sixteen_bit_grey():
    values = np.asarray(scene(200, 150).convert("L"), dtype=np.uint16) * 257
    return image_bytes(Image.fromarray(values), "PNG")


def mpo():
    first, *rest = frames(2)
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=rest)
    return out.getvalue()


GOOD_ODD_FILES = {
    "cmyk jpeg": ("cmyk.jpg", lambda: image_bytes(scene(200, 150).convert("CMYK"), "JPEG")),
    "cmyk tiff": ("cmyk.tif", lambda: image_bytes(scene(200, 150).convert("CMYK"), "TIFF")),
    "16-bit grey png": ("deep.png", sixteen_bit_grey),
    "16-bit grey tiff": ("deep.tif", lambda: image_bytes(
        Image.fromarray(np.asarray(scene(200, 150).convert("L"), dtype=np.uint16) * 257), "TIFF")),
    "palette with transparency": ("pal.png", lambda: image_bytes(
        scene(200, 150).convert("P"), "PNG", transparency=0)),
    "grey with alpha (LA)": ("la.png", lambda: image_bytes(scene(200, 150).convert("LA"), "PNG")),
    "rgba webp": ("alpha.webp", lambda: image_bytes(scene(200, 150).convert("RGBA"), "WEBP")),
    "1-bit png": ("bits.png", lambda: image_bytes(scene(200, 150).convert("1"), "PNG")),
    "multi-picture jpeg (MPO) from a phone": ("phone.jpg", mpo),
}


@pytest.mark.parametrize("case", list(GOOD_ODD_FILES), ids=list(GOOD_ODD_FILES))
def test_odd_but_valid_images_import_with_rgb_jpeg_derivatives(case, archivist_client, client, db):
    name, make = GOOD_ODD_FILES[case]
    response = upload(archivist_client, (name, make()))
    [result] = response.json["results"]
    assert result["status"] == "imported", result
    detail = archivist_client.get(f"/api/photos/{result['photo_id']}").json
    assert (detail["width"], detail["height"]) == ((80, 60) if "MPO" in case else (200, 150))
    with client.get(detail["thumbnail_url"]) as served:
        assert served.status_code == 200
        with Image.open(io.BytesIO(served.data)) as image:
            assert (image.format, image.mode) == ("JPEG", "RGB")


def test_mpo_is_stored_as_a_jpeg(archivist_client, db):
    [result] = upload(archivist_client, ("phone.jpg", mpo())).json["results"]
    row = db["photos"].get(result["photo_id"])
    assert (row["ext"], row["mime_type"]) == ("jpg", "image/jpeg")


# -- polyglots --------------------------------------------------------------------

SCRIPT = b"<script>fetch('/api/session').then(r=>r.text()).then(alert)</script>"


def test_a_script_appended_to_a_jpeg_never_reaches_a_visitor(archivist_client, client, db):
    polyglot = jpeg(seed=3) + SCRIPT
    [result] = upload(archivist_client, ("poly.jpg", polyglot)).json["results"]
    assert result["status"] == "imported"
    detail = archivist_client.get(f"/api/photos/{result['photo_id']}").json
    for url in (detail["thumbnail_url"], detail["display_url"]):
        with client.get(url) as served:
            assert served.status_code == 200
            assert served.mimetype == "image/jpeg"
            assert b"<script" not in served.data
    # The original is kept byte for byte, but only as a download that no
    # browser will render or sniff as a page.
    with archivist_client.get(detail["original_url"]) as original:
        assert original.data == polyglot
        assert original.headers["Content-Disposition"].startswith("attachment")
        assert original.headers["X-Content-Type-Options"] == "nosniff"
        assert original.mimetype == "image/jpeg"


def test_a_script_in_a_jpeg_comment_is_not_in_the_derivatives(archivist_client, client):
    polyglot = jpeg(seed=4, comment=SCRIPT)
    assert SCRIPT in polyglot
    [result] = upload(archivist_client, ("comment.jpg", polyglot)).json["results"]
    assert result["status"] == "imported"
    detail = archivist_client.get(f"/api/photos/{result['photo_id']}").json
    for url in (detail["thumbnail_url"], detail["display_url"]):
        with client.get(url) as served:
            assert b"<script" not in served.data


def test_a_png_with_a_script_chunk_is_re_encoded(archivist_client, client):
    data = image_bytes(scene(200, 150, seed=5), "PNG")
    # A private chunk after IEND-less data: still a valid PNG to decoders.
    chunk = struct.pack(">I", len(SCRIPT)) + b"scRp" + SCRIPT + struct.pack(">I", zlib.crc32(b"scRp" + SCRIPT))
    polyglot = data[:-12] + chunk + data[-12:]
    [result] = upload(archivist_client, ("chunk.png", polyglot)).json["results"]
    assert result["status"] == "imported", result
    detail = archivist_client.get(f"/api/photos/{result['photo_id']}").json
    with client.get(detail["thumbnail_url"]) as served:
        assert served.mimetype == "image/jpeg" and b"<script" not in served.data


# -- file names ------------------------------------------------------------------


@pytest.mark.parametrize("sent, kept", [
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("/abs/olute.jpg", "olute.jpg"),
    ("포스터 사진.jpg", "포스터 사진.jpg"),
    ("cafe\u0301.jpg", "caf\u00e9.jpg"),  # decomposed é is kept composed (NFC)
    ("bell\x07\x00name.jpg", "bellname.jpg"),
    ("..", "upload"),
])
def test_file_names_are_kept_as_text_only(sent, kept, archivist_client, data_dir, db):
    [result] = upload(archivist_client, (sent, jpeg(seed=11))).json["results"]
    assert result["status"] == "imported"
    assert result["path"] == kept
    assert db["photos"].get(result["photo_id"])["original_filename"] == kept
    # Whatever the name, the file lands at its content address and nowhere else.
    stored = [p for p in data_dir.rglob("*") if p.is_file() and p.suffix == ".jpg"]
    assert stored and all(p.is_relative_to(data_dir) for p in stored)
    sha = db["photos"].get(result["photo_id"])["sha256"]
    assert (data_dir / "originals" / sha[:2] / sha[2:4] / f"{sha}.jpg").is_file()
    assert not (data_dir.parent / "etc").exists()


def test_a_windows_path_keeps_only_its_last_part():
    # Over HTTP the multipart layer decides what a backslash means (Werkzeug
    # 3.1.9 reads it as an escape inside the quoted file name), so the rule
    # is checked where the archive applies it.
    assert display_filename("..\\..\\windows\\win.jpg") == "win.jpg"
    assert display_filename("C:\\Users\\kim\\포스터.jpg") == "포스터.jpg"


def test_a_name_with_backslashes_never_becomes_a_path(archivist_client, data_dir, db):
    [result] = upload(archivist_client, ("..\\..\\windows\\win.jpg", jpeg(seed=12))).json["results"]
    assert result["status"] == "imported"
    kept = db["photos"].get(result["photo_id"])["original_filename"]
    assert kept.endswith("win.jpg") and "/" not in kept and "\\" not in kept
    assert not (data_dir.parent / "windows").exists()


# -- request size ------------------------------------------------------------------


@pytest.fixture
def small_limit_client(data_dir, make_user):
    from support import logged_in_client

    from archive import create_app

    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": 50_000})
    return logged_in_client(app, make_user("small", "archivist"))


def oversized_post(client, url):
    # A hand-made multipart body: the test client's own encoder spools large
    # bodies to a temp file it never closes when the server refuses early.
    boundary = "archive-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"big.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + jpeg(1200, 900, quality=95) + f"\r\n--{boundary}--\r\n".encode()
    assert len(body) > 50_000
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_request_over_max_content_length_is_a_clear_json_413(small_limit_client, data_dir, db):
    before = media_state(data_dir, db)
    response = oversized_post(small_limit_client, "/api/uploads")
    assert response.status_code == 413
    assert response.json["error"] == (
        "The upload is larger than 50 KB, the most one request may carry. Send fewer photos at a time.")
    assert media_state(data_dir, db) == before


def test_a_request_over_max_content_length_is_a_clear_html_413(small_limit_client, data_dir, db):
    response = oversized_post(small_limit_client, "/upload")
    assert response.status_code == 413
    assert "Send fewer photos at a time" in response.text
    assert response.mimetype == "text/html"


def test_the_request_limit_is_set_by_default(app):
    # Flask's own default is no limit at all.
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_FILE_BYTES"] * 8


def test_a_photos_field_sent_as_text_is_a_clear_400(archivist_client, data_dir, db):
    before = media_state(data_dir, db)
    response = archivist_client.post("/api/uploads", data={"photos": "not a file"})
    assert response.status_code == 400
    assert response.json["error"] == "photos: Choose at least one photo."
    assert media_state(data_dir, db) == before


def test_a_broken_image_warning_is_a_rejection_not_a_500(archivist_client, data_dir, db):
    # A TIFF whose strip runs past the end of the file: Pillow warns
    # "Truncated File Read" while reading the header.
    data = image_bytes(scene(120, 90), "TIFF")
    before = media_state(data_dir, db)
    [result] = upload(archivist_client, ("cut.tif", data[: len(data) // 3])).json["results"]
    assert result["status"] == "rejected" and result["reason"]
    assert media_state(data_dir, db) == before


@pytest.mark.parametrize("name, fmt, ext, mime", [
    ("photo.jpg", "PNG", "png", "image/png"),
    ("scan.png", "JPEG", "jpg", "image/jpeg"),
    ("no-extension", "WEBP", "webp", "image/webp"),
    ("shell.php", "JPEG", "jpg", "image/jpeg"),
])
def test_the_decoded_content_decides_not_the_name(name, fmt, ext, mime, archivist_client, data_dir, db):
    [result] = upload(archivist_client, (name, image_bytes(scene(120, 90), fmt))).json["results"]
    row = db["photos"].get(result["photo_id"])
    assert (row["ext"], row["mime_type"], row["original_filename"]) == (ext, mime, name)
    assert (data_dir / "originals" / row["sha256"][:2] / row["sha256"][2:4] / f"{row['sha256']}.{ext}").is_file()
    with archivist_client.get(f"/photos/{row['id']}/original") as response:
        assert response.mimetype == mime
        assert response.headers["Content-Disposition"] == f"attachment; filename=photo-{row['id']}.{ext}"


def test_pillows_bomb_warning_is_an_error_outside_the_test_suite_too(tmp_path):
    """Between 1x and 2x its limit Pillow only warns; the archive makes that an
    error itself, not just under pytest's warnings-as-errors."""
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "bomb.png"
    path.write_bytes(png_with_header(50_000, 30_000))  # 1.5 gigapixels
    code = ("import sys; from archive.imaging import decoding as imaging\n"
            "try:\n    imaging.analyse(sys.argv[1], 10**12)\n"
            "except imaging.RejectedImage as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent, check=True)
    assert "refused as a decompression bomb" in result.stdout, result.stdout + result.stderr
