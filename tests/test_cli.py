"""The command line: import, info, serve, the data directory, and help on every command."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import click
import pytest
from click.testing import CliRunner
from support import PROJECT_ROOT, files_under, image_bytes, json_lines, scene

from archive.cli import cli

JSON_KEYS = {"path", "status", "photo_id", "duplicate_of", "reason", "warnings", "matches"}


def all_commands(group=cli, path=()):
    """Every command under the group, subgroups included, as (path, command)."""
    yield path, group
    if isinstance(group, click.Group):
        for name in group.list_commands(None):
            yield from all_commands(group.get_command(None, name), path + (name,))


def test_the_walk_finds_the_backbone_commands():
    names = {" ".join(path) for path, _ in all_commands()}
    assert {"", "import", "serve", "info"} <= names


def test_every_command_module_is_listed_and_loaded_only_when_its_command_runs():
    """The root lists every command that the modules of archive/cli define,
    and running one loads only its own module: `users` starts without the
    image stack or the JSON contract's models."""
    import importlib
    import pkgutil

    import archive.cli as package

    defined = set()
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"archive.cli.{module.name}")
        commands = [v for v in vars(loaded).values() if isinstance(v, click.Command)]
        inside = {id(sub) for group in commands if isinstance(group, click.Group) for sub in group.commands.values()}
        defined |= {command.name for command in commands if id(command) not in inside}
    assert defined == set(cli.list_commands(None))
    for command, absent in (("users", "PIL"), ("users", "archive.contract"), ("settings", "faiss")):
        probe = (f"import sys; from archive.cli import cli; cli.get_command(None, {command!r}); "
                 f"print({absent!r} in sys.modules)")
        completed = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                   env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        assert completed.stdout.strip() == "False", (command, completed.stderr)


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=lambda p: " ".join(p) or "cli")
def test_every_command_has_help_with_an_example(path):
    command = dict(all_commands())[path]
    assert (command.help or "").strip(), f"{' '.join(path) or 'cli'} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"{' '.join(path) or 'cli'} --help shows no example"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"option {param.opts} of {' '.join(path) or 'cli'} has no help"


def make_trip(tmp_path):
    """A trip folder as a camera card might leave it."""
    root = tmp_path / "trip"
    files = {
        "day1/IMG_0001.jpg": image_bytes(scene(200, 150, 1), "JPEG"),
        "day1/IMG_0002.png": image_bytes(scene(200, 150, 2), "PNG"),
        "day2/deeper/IMG_0003.webp": image_bytes(scene(200, 150, 3), "WEBP"),
        "day2/broken.jpg": b"not really a jpeg" * 10,
        "day2/README.txt": b"notes about the trip",
        ".DS_Store": b"\0\0\0",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_import_a_folder_recursively_prints_a_summary(run_cli, tmp_path, db, data_dir):
    result = run_cli("import", make_trip(tmp_path))
    assert result.exit_code == 0, result.output
    assert "3 imported, 0 duplicates, 1 rejected (4 files)" in result.stdout
    assert "broken.jpg" in result.stderr and "not an image" in result.stderr
    assert db["photos"].count == 3
    assert sorted(r["original_filename"] for r in db["photos"].rows) == ["IMG_0001.jpg", "IMG_0002.png", "IMG_0003.webp"]
    assert {r["source"] for r in db["photos"].rows} == {"cli"}
    assert len(files_under(data_dir / "originals")) == 3
    assert len(files_under(data_dir / "derivatives")) == 6


def test_import_json_one_object_a_line(run_cli, tmp_path, db):
    root = make_trip(tmp_path)
    result = run_cli("import", root, "--json")
    assert result.exit_code == 0
    lines = json_lines(result.stdout)
    assert len(lines) == 4 == len(result.stdout.strip().splitlines())
    assert all(set(line) == JSON_KEYS for line in lines)
    by_name = {os.path.basename(line["path"]): line for line in lines}
    assert sorted(by_name) == ["IMG_0001.jpg", "IMG_0002.png", "IMG_0003.webp", "broken.jpg"]
    good = by_name["IMG_0001.jpg"]
    assert good["status"] == "imported"
    assert db["photos"].get(good["photo_id"])["original_filename"] == "IMG_0001.jpg"
    assert good["duplicate_of"] is None and good["reason"] is None
    assert good["warnings"] == ["no EXIF metadata"] and good["matches"] == []
    bad = by_name["broken.jpg"]
    assert bad["status"] == "rejected" and bad["photo_id"] is None
    assert "not an image" in bad["reason"]
    assert bad["path"] == str(root / "day2" / "broken.jpg")

    again = json_lines(run_cli("import", root, "--json").stdout)
    assert [line["status"] for line in again if line["path"].endswith("IMG_0001.jpg")] == ["duplicate"]
    assert {line["duplicate_of"] for line in again if line["status"] == "duplicate"} == {
        by_name[n]["photo_id"] for n in ("IMG_0001.jpg", "IMG_0002.png", "IMG_0003.webp")}
    assert db["photos"].count == 3


def test_import_exits_zero_when_every_file_is_rejected(run_cli, tmp_path, db):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    result = run_cli("import", bad)
    assert result.exit_code == 0
    assert "0 imported, 0 duplicates, 1 rejected (1 files)" in result.stdout
    assert db["photos"].count == 0


def test_a_named_file_is_tried_whatever_its_name(run_cli, tmp_path, db):
    odd = tmp_path / "scan.dat"
    odd.write_bytes(image_bytes(scene(120, 90), "PNG"))
    [line] = json_lines(run_cli("import", odd, "--json").stdout)
    assert line["status"] == "imported"
    assert db["photos"].get(line["photo_id"])["ext"] == "png"


def test_import_with_trip_photographer_and_tags(run_cli, tmp_path, db):
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(image_bytes(scene(120, 90), "JPEG"))
    result = run_cli("import", photo, "--trip", " 2019 autumn ", "--photographer", "Kim",
                     "--tag", "set:european-street", "--tag", "subject:Film poster", "--tag", "keyword:rain", "--json")
    assert result.exit_code == 0, result.output
    [line] = json_lines(result.stdout)
    row = db["photos"].get(line["photo_id"])
    assert (row["trip"], row["photographer"], row["source"]) == ("2019 autumn", "Kim", "cli")
    slugs = {(r[0], r[1]) for r in db.execute(
        "SELECT facet, slug FROM photo_tags JOIN tags ON tags.id = tag_id WHERE photo_id = ?", [row["id"]])}
    assert slugs == {("set", "european-street"), ("subject", "film-poster"), ("keyword", "rain"), ("trip", "2019-autumn")}


@pytest.mark.parametrize("spec, message", [("set:nowhere", "no set tag called 'nowhere'"),
                                           ("colour:red", "unknown facet"),
                                           ("european-street", "FACET:VALUE")])
def test_a_bad_tag_is_a_usage_error_that_imports_nothing(run_cli, tmp_path, db, data_dir, spec, message):
    root = make_trip(tmp_path)
    result = run_cli("import", root, "--tag", spec)
    assert result.exit_code == 2
    assert message in result.output
    assert "--tag" in result.output
    assert db["photos"].count == 0
    assert files_under(data_dir / "originals") == [] and files_under(data_dir / "derivatives") == []


def test_import_of_a_missing_path_is_a_usage_error(run_cli, tmp_path, db):
    result = run_cli("import", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert db["photos"].count == 0


def test_import_needs_a_path(run_cli):
    result = run_cli("import")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_info(run_cli, tmp_path, data_dir):
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(image_bytes(scene(120, 90), "JPEG"))
    run_cli("import", photo)
    facts = json.loads(run_cli("info", "--json").stdout)
    assert facts["photos"] == 1
    assert facts["originals_bytes"] == photo.stat().st_size
    assert facts["data_dir"] == str(data_dir.resolve())
    assert facts["database"] == str((data_dir / "archive.db").resolve())
    assert facts["migrations"][0] == "0001_initial"
    assert facts["tags"] == 26
    text = run_cli("info").stdout
    assert "photos: 1" in text and f"data dir: {data_dir.resolve()}" in text


def test_the_data_directory_comes_from_archive_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(image_bytes(scene(120, 90), "JPEG"))
    result = CliRunner().invoke(cli, ["import", str(photo)], env={"ARCHIVE_DATA": str(tmp_path / "elsewhere")})
    assert result.exit_code == 0, result.output
    assert len(files_under(tmp_path / "elsewhere" / "originals")) == 1
    assert not (tmp_path / "media").exists()
    # --data wins over the environment.
    result = CliRunner().invoke(cli, ["--data", str(tmp_path / "flag"), "info", "--json"],
                                env={"ARCHIVE_DATA": str(tmp_path / "elsewhere")})
    assert json.loads(result.stdout)["data_dir"] == str((tmp_path / "flag").resolve())


def test_the_default_data_directory_is_media_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVE_DATA", raising=False)
    result = CliRunner().invoke(cli, ["info", "--json"], env={"ARCHIVE_DATA": None})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data_dir"] == str((tmp_path / "media").resolve())
    assert (tmp_path / "media" / "archive.db").is_file()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_real_http(tmp_path, run_cli, data_dir):
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(image_bytes(scene(120, 90), "JPEG"))
    run_cli("import", photo)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage_archive.py", "--data", str(data_dir), "serve", "--port", str(port)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _ in range(100):  # wait for it to listen
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/photos", timeout=5) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert body is not None, "the server never answered"
        assert body["total"] == 1
        assert body["results"][0]["original_filename"] == "wall.jpg"
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
