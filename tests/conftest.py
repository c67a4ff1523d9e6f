"""Fixtures shared by the suite: an archive in a temp folder and images made here."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from object_store import Store, moto_server, new_bucket, use_s3
from support import EXIF_SAMPLES, PASSWORD, image_bytes, logged_in_client, scene

from archive import create_app
from archive import db as archive_db
from archive.cli import cli


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "media"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server for the whole run, started on first use."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket in moto's server."""
    return new_bucket(s3_endpoint)


@pytest.fixture(params=["local", "s3"])
def backend(request, data_dir, monkeypatch):
    """The archive's storage, once the data directory's folders and once an
    S3 bucket in moto's server (a Store to look into it)."""
    if request.param == "local":
        monkeypatch.delenv("ARCHIVE_STORAGE", raising=False)
        return Store("local", data_dir)
    return request.getfixturevalue("s3_store")


@pytest.fixture
def s3_store(s3_endpoint, data_dir, monkeypatch):
    """The archive's storage in a new bucket of moto's server."""
    store = Store("s3", data_dir, s3_endpoint, new_bucket(s3_endpoint), "archive")
    use_s3(monkeypatch, s3_endpoint, store.location)
    return store


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


