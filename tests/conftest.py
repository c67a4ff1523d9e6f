"""Fixtures shared by the suite: an archive in a temp folder and images made here."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from archive import create_app
from archive import db as archive_db
from archive.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
EXIF_SAMPLES = SHARED / "corpus" / "exif-samples"


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def app(data_dir):
    return create_app(
        {
            "DATA_DIR": data_dir,
            "TESTING": True,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app, data_dir):
    database = archive_db.connect(data_dir)
    yield database
    database.close()


@pytest.fixture
def exif_samples():
    if not EXIF_SAMPLES.is_dir():
        pytest.skip("../shared/corpus/exif-samples is not beside this clone (it ships only with CI)")
    return EXIF_SAMPLES


@pytest.fixture
def expected_exif(exif_samples):
    return json.loads((exif_samples / "expected.json").read_text())


def scene(width=640, height=480, seed=0):
    """A photo-like RGB image: smooth shapes plus a little noise, different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6.3)
        image[..., channel] = 127 + 100 * np.sin(x / width * fx * 3.1 + phase) * np.cos(y / height * fy * 3.1)
    for _ in range(6):  # a few blocks, like posters on a wall
        x0, y0 = rng.integers(0, width - width // 4), rng.integers(0, height - height // 4)
        image[y0 : y0 + height // 5, x0 : x0 + width // 6] = rng.uniform(0, 255, 3)
    image += rng.normal(0, 6, image.shape)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def image_bytes(image, fmt="JPEG", **save_args):
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


@pytest.fixture
def make_image(tmp_path):
    """Write an image file made here; returns its path."""
    folder = tmp_path / "made"
    folder.mkdir(exist_ok=True)

    def make(name="photo.jpg", width=640, height=480, seed=0, fmt=None, **save_args):
        fmt = fmt or {".png": "PNG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}.get(
            Path(name).suffix.lower(), "JPEG"
        )
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes(scene(width, height, seed), fmt, **save_args))
        return path

    return make


@pytest.fixture
def run_cli(data_dir):
    """Run manage_archive.py's commands in-process against the test data directory."""

    def run(*args):
        result = CliRunner().invoke(cli, ["--data", str(data_dir), *map(str, args)], catch_exceptions=False)
        return result

    return run


def json_lines(output):
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def files_under(folder):
    folder = Path(folder)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- accounts (issue 5) ---------------------------------------------------------

PASSWORD = "correct horse battery staple"


def logged_in_client(app, user):
    """A test client holding the session Flask-Login gives `user` at login,
    without paying for a scrypt check per client."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_token}"
        session["_fresh"] = True
    return client


@pytest.fixture
def make_user(db):
    from archive.accounts import auth

    def make(username="kim", role="archivist", password=PASSWORD):
        return auth.add_user(db, username, password, role)

    return make


@pytest.fixture
def archivist_client(app, make_user):
    return logged_in_client(app, make_user("archie", "archivist"))


@pytest.fixture
def admin_client(app, make_user):
    return logged_in_client(app, make_user("ada", "admin"))


@pytest.fixture
def csrf_app(data_dir):
    """The app as it runs for real: CSRF protection on."""
    return create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "test"})


def media_state(data_dir, db):
    """What a bad upload must leave unchanged: files under the data directory's
    media folders and the rows of every photo table."""
    files = [f for f in files_under(data_dir) if f.split("/")[0] in ("originals", "derivatives", "tmp")]
    rows = {table: db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            for table in ("photos", "photo_tags", "tags")}
    return files, rows
