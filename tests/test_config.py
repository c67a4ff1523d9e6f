"""Settings: defaults, ARCHIVE_* overrides, and a clear message for a bad value."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import config, create_app
from archive.cli import cli

ENV = ("ARCHIVE_DATA", "ARCHIVE_MAX_FILE_MB", "ARCHIVE_MAX_MEGAPIXELS", "ARCHIVE_PER_PAGE", "ARCHIVE_SECRET_KEY")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env):
    settings = config.defaults()
    assert settings["DATA_DIR"] == Path("media")
    assert settings["MAX_FILE_BYTES"] == 200 * 1024 * 1024
    assert settings["MAX_IMAGE_PIXELS"] == 200_000_000
    assert settings["PER_PAGE"] == 48
    assert settings["SECRET_KEY"] is None
    assert (config.THUMBNAIL_EDGE, config.DISPLAY_EDGE) == (400, 1600)


def test_the_environment_overrides(clean_env, tmp_path):
    clean_env.setenv("ARCHIVE_DATA", str(tmp_path / "data"))
    clean_env.setenv("ARCHIVE_MAX_FILE_MB", "5")
    clean_env.setenv("ARCHIVE_MAX_MEGAPIXELS", " 12 ")
    clean_env.setenv("ARCHIVE_PER_PAGE", "10")
    settings = config.defaults()
    assert settings["DATA_DIR"] == tmp_path / "data"
    assert settings["MAX_FILE_BYTES"] == 5 * 1024 * 1024
    assert settings["MAX_IMAGE_PIXELS"] == 12_000_000
    assert settings["PER_PAGE"] == 10


def test_an_empty_variable_means_the_default(clean_env):
    clean_env.setenv("ARCHIVE_PER_PAGE", "")
    clean_env.setenv("ARCHIVE_DATA", "")
    assert config.defaults()["PER_PAGE"] == 48
    assert config.defaults()["DATA_DIR"] == Path("media")


def test_a_bad_number_is_named_in_the_error(clean_env):
    clean_env.setenv("ARCHIVE_MAX_FILE_MB", "lots")
    with pytest.raises(ValueError, match="ARCHIVE_MAX_FILE_MB must be a whole number, not 'lots'"):
        config.defaults()


def test_the_cli_reports_a_bad_setting_without_a_traceback(clean_env, tmp_path):
    result = CliRunner().invoke(cli, ["--data", str(tmp_path), "info"], env={"ARCHIVE_PER_PAGE": "many"})
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "ARCHIVE_PER_PAGE must be a whole number, not 'many'" in result.output
    assert "Traceback" not in result.output


def test_the_app_takes_the_data_directory_and_keeps_a_secret(clean_env, tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "media"), "TESTING": True})
    assert app.config["DATA_DIR"] == tmp_path / "media"
    assert (tmp_path / "media" / "archive.db").is_file()
    secret = app.config["SECRET_KEY"]
    assert len(secret) == 64
    # The same key after a restart, so sessions survive it.
    assert create_app({"DATA_DIR": tmp_path / "media", "TESTING": True}).config["SECRET_KEY"] == secret
    assert (tmp_path / "media" / "secret_key").stat().st_mode & 0o077 == 0
