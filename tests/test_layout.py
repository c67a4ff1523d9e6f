"""The package keeps the shape DESIGN.md gives it."""

import importlib
import subprocess

import flask
import pytest

from conftest import PROJECT_ROOT

MODULES = ["archive", "archive.config", "archive.db", "archive.ingest.pipeline", "archive.imaging.decoding", "archive.ingest.metadata",
           "archive.storage.local", "archive.catalogue.tags", "archive.catalogue.photos", "archive.cli",
           "archive.web", "archive.web.gallery", "archive.web.upload", "archive.web.api", "archive.web.media",
           "archive.web.errors"]


@pytest.mark.parametrize("name", MODULES)
def test_the_modules_exist_and_have_a_docstring(name):
    module = importlib.import_module(name)
    assert (module.__doc__ or "").strip(), f"{name} says nothing about itself"


def test_there_is_an_app_factory_and_no_module_level_app():
    import archive

    assert callable(archive.create_app)
    assert not any(isinstance(value, flask.Flask) for value in vars(archive).values())


def test_domain_modules_know_nothing_of_flask():
    for name in ("archive.ingest.pipeline", "archive.imaging.decoding", "archive.ingest.metadata", "archive.storage.local", "archive.catalogue.tags",
                 "archive.catalogue.photos", "archive.db", "archive.config"):
        source = (PROJECT_ROOT / (name.replace(".", "/") + ".py")).read_text()
        assert "import flask" not in source.lower() and "from flask" not in source.lower(), name


def test_the_blueprints_are_registered(app):
    assert {"gallery", "upload", "media", "api"} <= set(app.blueprints)


def test_the_data_directory_contents_are_ignored_by_git():
    for path in ("media/archive.db", "media/originals/ab/cd/x.jpg", "media/derivatives/ab/cd/x-fit400.jpg"):
        completed = subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT_ROOT,
                                   capture_output=True)
        if completed.returncode == 128:
            pytest.skip("not inside a git checkout")
        assert completed.returncode == 0, f"{path} is not git-ignored"


def test_the_cli_script_is_the_click_group():
    source = (PROJECT_ROOT / "manage_archive.py").read_text()
    assert "from archive.cli import cli" in source
