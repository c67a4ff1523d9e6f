"""The package keeps the shape docs/architecture.md gives it: the import rules
are import-linter contracts in pyproject.toml, run here and in .ci/run."""

import importlib
import pkgutil
import shutil
import subprocess

import flask
import pytest
from support import PROJECT_ROOT

import archive

MODULES = sorted(m.name for m in pkgutil.walk_packages(archive.__path__, "archive."))


@pytest.mark.parametrize("name", ["archive", *MODULES])
def test_every_module_says_what_it_holds(name):
    module = importlib.import_module(name)
    assert (module.__doc__ or "").strip(), f"{name} says nothing about itself"


def test_the_import_contracts_hold():
    if shutil.which("lint-imports") is None:
        pytest.skip("import-linter is not installed (it comes with the test extra)")
    completed = subprocess.run(["lint-imports"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_package_is_on_the_architecture_map():
    map_text = (PROJECT_ROOT / "docs" / "architecture.md").read_text()
    packages = sorted({name.split(".")[1] for name in MODULES})
    missing = [p for p in packages if f"`archive/{p}" not in map_text]
    assert not missing, f"docs/architecture.md does not mention {missing}"


def test_there_is_an_app_factory_and_no_module_level_app():
    assert callable(archive.create_app)
    assert not any(isinstance(value, flask.Flask) for value in vars(archive).values())


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
