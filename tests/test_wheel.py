"""The archive as a user installs it: a wheel built from the checkout,
installed into a fresh virtualenv outside it, imports a photo and serves the
gallery and the photo's page, templates and static files included."""

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from support import image_bytes, scene

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_archive_is_in_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "archive").rglob("__init__.py")}
    assert found | {"archive.templates"} == listed


def run(*args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.wheel
def test_a_built_wheel_serves_pages_from_a_fresh_virtualenv(tmp_path):
    # Built from a copy, so the checkout gets no build/ or .egg-info; without
    # build isolation, from the setuptools the test extra installs, so the
    # test needs no network.
    source = tmp_path / "source"
    for name in ("archive", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path / "dist", source,
        cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("*.whl")

    # Outside the checkout: a PYTHONPATH naming it would show pip the
    # checkout's .egg-info as the package already installed.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    # This interpreter's pip installs into the venv: no second pip to set up.
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel,
        cwd=tmp_path, env=env)
    # The dependencies are this interpreter's (a second download of Flask,
    # numpy and faiss would make the suite slow and need the network): its
    # site-packages joins the venv's path after the venv's own, without its
    # .pth files, so an editable install of the checkout stays out of it.
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    home = tmp_path / "elsewhere"
    home.mkdir()
    (home / "poster.jpg").write_bytes(image_bytes(scene(320, 240, 3)))
    run(venv / "bin" / "manage-archive", "--data", "media", "import", "poster.jpg", cwd=home, env=env)
    served = run(python, "-c", """
import os

import archive
from archive import create_app

assert archive.__file__.startswith(os.environ["VENV"]), archive.__file__
client = create_app({"DATA_DIR": "media"}).test_client()
gallery = client.get("/")
assert gallery.status_code == 200, gallery.status_code
assert "Backlot poster archive" in gallery.text and 'href="/photos/1?in=/"' in gallery.text
page = client.get("/photos/1")
assert page.status_code == 200 and "poster.jpg" in page.text
assert client.get("/static/archive.css").status_code == 200
assert client.get("/api/openapi.json").get_json()["paths"]["/api/photos"]
print("served")
""", cwd=home, env={**env, "VENV": str(venv)})
    assert served.strip() == "served"
