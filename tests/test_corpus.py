"""The real camera files in the shared exif-samples corpus, imported once for this module."""

import io
import json
import subprocess
import sys
from pathlib import Path

import imagehash
import pytest
from click.testing import CliRunner
from PIL import Image
from support import EXIF_SAMPLES, PROJECT_ROOT, files_under, json_lines

from archive import create_app
from archive import db as archive_db
from archive.cli import cli

CORPUS_SIZE = 70


def corpus_files():
    return sorted(p for p in EXIF_SAMPLES.rglob("*.jpg"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The corpus imported once: (data dir, {relative path: --json line})."""
    if not EXIF_SAMPLES.is_dir():
        pytest.skip("../shared/corpus/exif-samples is not beside this clone (it ships only with CI)")
    data_dir = tmp_path_factory.mktemp("corpus") / "media"
    result = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(EXIF_SAMPLES), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = {
        Path(line["path"]).relative_to(EXIF_SAMPLES).as_posix(): line
        for line in json_lines(result.stdout)
    }
    return data_dir, lines


@pytest.fixture(scope="module")
def corpus_db(imported):
    database = archive_db.connect(imported[0])
    yield database
    database.close()


@pytest.fixture(scope="module")
def corpus_client(imported):
    app = create_app({"DATA_DIR": imported[0], "TESTING": True, "SECRET_KEY": "test"})
    return app.test_client()


def row_for(corpus_db, imported, name):
    return corpus_db["photos"].get(imported[1][name]["photo_id"])


def served(client, url):
    response = client.get(url)
    data = response.get_data()
    response.close()
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(data))


def test_the_corpus_is_what_its_readme_says(exif_samples, expected_exif):
    assert len(expected_exif) == CORPUS_SIZE
    assert sorted(p.relative_to(exif_samples).as_posix() for p in corpus_files()) == sorted(expected_exif)


def test_every_file_imports(imported, expected_exif, corpus_db):
    _, lines = imported
    assert sorted(lines) == sorted(expected_exif)
    assert {name: line["status"] for name, line in lines.items() if line["status"] != "imported"} == {}
    assert corpus_db["photos"].count == CORPUS_SIZE


def test_invalid_exif_files_import_with_empty_metadata_and_a_warning(imported, expected_exif, corpus_db):
    invalid = [name for name in expected_exif if name.startswith("invalid/")]
    assert len(invalid) == 7
    for name in invalid:
        line = imported[1][name]
        assert line["status"] == "imported"
        assert line["warnings"], name
        row = row_for(corpus_db, imported, name)
        for column in ("taken_at", "camera_make", "camera_model", "lens", "exposure_time", "f_number", "iso",
                       "focal_length", "gps_lat", "gps_lon"):
            assert row[column] is None, (name, column)
        assert [row["width"], row["height"]] == expected_exif[name]["upright_size"]


def test_make_model_and_date_agree_with_exiftool(imported, expected_exif, corpus_db):
    wrong = {}
    for name, expected in expected_exif.items():
        row = row_for(corpus_db, imported, name)
        ours = (row["camera_make"], row["camera_model"], row["taken_at"])
        theirs = (expected.get("make"), expected.get("model"), expected.get("taken"))
        if ours != theirs:
            wrong[name] = (ours, theirs)
    assert wrong == {}


def test_gps_agrees_with_exiftool(imported, expected_exif, corpus_db):
    with_gps = 0
    for name, expected in expected_exif.items():
        row = row_for(corpus_db, imported, name)
        if "gps" not in expected:
            assert (row["gps_lat"], row["gps_lon"]) == (None, None), name
            continue
        with_gps += 1
        lat, lon = expected["gps"]
        assert row["gps_lat"] == pytest.approx(lat, abs=1e-5), name
        assert row["gps_lon"] == pytest.approx(lon, abs=1e-5), name
    assert with_gps == 10  # the nine gps/ files and one camera


def test_sizes_and_orientation_agree(imported, expected_exif, corpus_db):
    for name, expected in expected_exif.items():
        row = row_for(corpus_db, imported, name)
        assert [row["width"], row["height"]] == expected["upright_size"], name
        if "orientation" in expected:
            assert row["orientation"] == expected["orientation"], name


def test_every_orientation_file_is_served_upright(imported, expected_exif, corpus_db, corpus_client):
    names = [name for name in expected_exif if name.startswith("orientation/")]
    assert len(names) == 16
    hashes = {}
    for name in names:
        sha = row_for(corpus_db, imported, name)["sha256"]
        with served(corpus_client, f"/media/{sha}/fit1600.jpg") as display:
            width, height = expected_exif[name]["upright_size"]
            scale = min(1.0, 1600 / max(width, height))
            assert display.size == (round(width * scale), round(height * scale)), name
            hashes[name] = imagehash.phash(display)
    for name in names:
        like = expected_exif[name]["upright_like"]
        assert hashes[name] - hashes[like] <= 4, (name, hashes[name] - hashes[like])
    # Not trivially so: the landscape and portrait scenes are told apart.
    assert hashes["orientation/landscape_1.jpg"] - hashes["orientation/portrait_1.jpg"] > 10


def test_a_second_import_stores_nothing_and_reports_duplicates(imported, corpus_db):
    data_dir, first = imported
    files_before = files_under(data_dir)
    rows_before = corpus_db["photos"].count
    result = CliRunner().invoke(cli, ["--data", str(data_dir), "import", str(EXIF_SAMPLES), "--json"])
    assert result.exit_code == 0
    lines = json_lines(result.stdout)
    assert len(lines) == CORPUS_SIZE
    assert {line["status"] for line in lines} == {"duplicate"}
    for line in lines:
        name = Path(line["path"]).relative_to(EXIF_SAMPLES).as_posix()
        assert line["duplicate_of"] == first[name]["photo_id"]
    assert files_under(data_dir) == files_before
    assert corpus_db["photos"].count == rows_before


def test_the_import_command_as_a_real_process(exif_samples, tmp_path):
    completed = subprocess.run(
        [sys.executable, "manage_archive.py", "--data", str(tmp_path / "media"), "import", str(exif_samples), "--json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == CORPUS_SIZE
    assert [json.loads(line)["status"] for line in lines] == ["imported"] * CORPUS_SIZE
    assert completed.stderr == ""
