"""The OCR engines for real, on a sign photo made here: `transcribe` and the
queue's `worker` read Korean, Chinese, Japanese and English, and search
finds the painted words. Skipped, saying why, where the engines, Debian's
Korean data or the CJK fonts are not installed (.ci/run installs them)."""

import shutil
import subprocess

import pytest
from support import json_lines

from archive.search import engine as search
from archive.transcription import queue, reader


def _font_files():
    """Noto Sans CJK (regular, bold), found through fontconfig, or a reason."""
    if shutil.which("fc-match") is None:
        return "fontconfig's fc-match is not installed"
    paths = [subprocess.run(["fc-match", "-f", "%{file}", f"Noto Sans CJK JP:style={style}"],
                            capture_output=True, text=True).stdout for style in ("Regular", "Bold")]
    if not all("NotoSansCJK" in p for p in paths):
        return "the Noto Sans CJK fonts (Debian: fonts-noto-cjk) are not installed"
    return paths


FONTS = _font_files()
MISSING = reader.missing() or (FONTS if isinstance(FONTS, str) else None)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"OCR cannot run here: {MISSING}")

# Which face of the Noto CJK collection draws each script as its readers expect.
JAPANESE, KOREAN, SIMPLIFIED = 0, 1, 2
SIGNS = [  # text, face, board, paint, where, turned (degrees), vertical
    ("영화관", KOREAN, (245, 242, 230), (20, 20, 20), (60, 60), 0, False),
    ("中华茶馆", SIMPLIFIED, (200, 30, 35), (250, 245, 230), (620, 70), -4, False),
    ("ようこそ", JAPANESE, (30, 60, 140), (245, 245, 245), (60, 330), 3, False),
    ("CINEMA", KOREAN, (250, 210, 40), (20, 20, 20), (620, 360), 0, False),
    ("백화점", KOREAN, (240, 236, 220), (180, 30, 30), (1020, 430), 0, True),
]


def sign_photo(path):
    """A 1200 x 800 photo of five painted signs on a plaster wall, as JPEG."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(16)
    wall = np.clip(rng.normal(170, 12, (800, 1200, 3)), 0, 255).astype(np.uint8)
    photo = Image.fromarray(wall)
    for text, face, board, paint, where, turned, vertical in SIGNS:
        font = ImageFont.truetype(FONTS[1], 84, index=face)
        if vertical:
            sign = Image.new("RGB", (130, 100 * len(text) + 40), board)
            draw = ImageDraw.Draw(sign)
            for i, letter in enumerate(text):
                draw.text((65, 70 + 100 * i), letter, font=font, fill=paint, anchor="mm")
        else:
            sign = Image.new("RGB", (int(font.getlength(text)) + 60, 130), board)
            ImageDraw.Draw(sign).text((30, 65), text, font=font, fill=paint, anchor="lm")
        sign = sign.convert("RGBA").rotate(turned, expand=True, resample=Image.Resampling.BICUBIC)
        photo.paste(sign, where, sign)
    photo.save(path, "JPEG", quality=85)
    return path


def found(db, word):
    return list(search.search_ids(db, word, include_private=True))


def test_transcribe_reads_four_scripts_and_search_finds_the_words(run_cli, db, tmp_path, client):
    imported = json_lines(run_cli("import", sign_photo(tmp_path / "signs.jpg"), "--json").output)
    photo_id = imported[0]["photo_id"]
    assert queue.is_queued(db, photo_id)

    result = run_cli("transcribe", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    [outcome] = json_lines(result.output)
    assert outcome["photo_id"] == photo_id and outcome["status"] == "transcribed", outcome
    assert outcome["lines"] >= 5 and outcome["cpu_seconds"] > 0
    assert not queue.is_queued(db, photo_id)

    for word in ("영화관", "中华茶馆", "茶馆", "ようこそ", "cinema", "백화점", "화점"):
        assert found(db, word) == [photo_id], (word, outcome["text"])
    assert found(db, "has:transcription") == [photo_id]

    body = client.get(f"/api/photos/{photo_id}/transcription").get_json()
    [draft] = body["drafts"]
    assert draft["engine"] == "rapidocr+tesseract" and "rapidocr" in draft["version"]
    lines = {line["text"]: line for line in draft["lines"]}
    korean = lines["영화관"]
    assert korean["reader"] == "tesseract" and korean["confidence"] > 0.6
    # Its box is where the sign was painted (at 60, 60; about 320 x 130).
    assert 40 <= korean["x"] <= 120 and 40 <= korean["y"] <= 110 and korean["x"] + korean["w"] <= 420
    assert lines["中华茶馆"]["reader"] == "rapidocr"
    assert lines["백화점"]["vertical"] is True and lines["백화점"]["h"] > 2 * lines["백화점"]["w"]

    # Nothing left to read: a second run reads nothing; --ids reads again.
    assert "0 photos transcribed" in run_cli("transcribe", "--workers", "1").output
    assert "1 photos transcribed" in run_cli("transcribe", "--ids", str(photo_id), "--workers", "1").output
    assert len(client.get(f"/api/photos/{photo_id}/transcription").get_json()["drafts"]) == 1


def test_the_worker_drains_the_queue_and_reports_a_missing_original(run_cli, db, data_dir, tmp_path):
    good = json_lines(run_cli("import", sign_photo(tmp_path / "signs.jpg"), "--json").output)[0]["photo_id"]
    other = tmp_path / "other.jpg"
    other.write_bytes((tmp_path / "signs.jpg").read_bytes()[:-2] + b"\xff\xd9\x00")  # other bytes, same picture
    broken = json_lines(run_cli("import", other, "--json").output)[0]["photo_id"]
    sha256, ext = db.execute("SELECT sha256, ext FROM photos WHERE id = ?", [broken]).fetchone()
    (data_dir / "originals" / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}").unlink()

    result = run_cli("worker", "--until-empty", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    outcomes = {o["photo_id"]: o for o in json_lines(result.output)}
    assert outcomes[good]["status"] == "transcribed" and outcomes[good]["lines"] >= 5
    assert outcomes[broken]["status"] == "failed" and "original file is missing" in outcomes[broken]["reason"]
    assert found(db, "ようこそ") == [good]
    # The broken photo waits for another try; the good one is done.
    assert not queue.is_queued(db, good)
    assert db.execute("SELECT attempts, last_error FROM transcription_queue WHERE photo_id = ?",
                      [broken]).fetchone() == (1, "the original file is missing (see `verify`)")
