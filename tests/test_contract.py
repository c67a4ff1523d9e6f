"""The JSON contract: one set of shapes behind the API, its document and the
command line. The links the command line prints are the routes the web
serves; the command line prints the API's JSON without loading Flask; what
the API sends is what its document says, field for field."""

import json
import re
import subprocess
import sys

import pytest
from PIL import Image
from support import json_lines, logged_in_client, scene

from archive.accounts import auth
from archive.catalogue import photos
from archive.contract import photos as photo_shapes
from archive.contract.links import Links
from archive.dedup import decisions


@pytest.fixture
def pair(tmp_path, run_cli, db):
    """Two copies of one photograph (a suggestion) and an unrelated photo."""
    folder = tmp_path / "trip"
    folder.mkdir()
    big = scene(1200, 900, seed=31)
    big.save(folder / "a_original.jpg", quality=92)
    big.resize((600, 450)).transpose(Image.Transpose.ROTATE_270).save(folder / "b_phone.jpg", quality=70)
    scene(1200, 900, seed=32).save(folder / "c_other.jpg")
    result = run_cli("import", folder, "--json", "--trip", "2019 autumn")
    assert result.exit_code == 0, result.output
    return [line["photo_id"] for line in json_lines(result.output)]


def test_every_link_is_a_route_the_web_serves(app, pair, db):
    photo = photos.get_photo(db, pair[0])
    with app.test_request_context("/", base_url="https://archive.example/mount"):
        from flask import request, url_for

        links = Links(request.url_root)
        assert links.page(5) == url_for("gallery.photo", photo_id=5, _external=True)
        assert links.api_photo(5) == url_for("api.photo_detail", photo_id=5, _external=True)
        assert links.original(5) == url_for("media.original", photo_id=5, _external=True)
        assert links.iiif_image(5) == url_for("iiif.image_base", identifier="5", _external=True)
        assert links.iiif_manifest(5) == url_for("iiif.photo_manifest", photo_id=5, _external=True)
        from archive.web import display_url, thumbnail_url

        assert links.thumbnail(photo) == thumbnail_url(photo, _external=True)
        assert links.display(photo) == display_url(photo, _external=True)
        assert links.page(5).startswith("https://archive.example/mount/")


def test_the_command_line_prints_the_apis_json_without_flask(pair, data_dir, app):
    """`duplicates --json` and `dedup queue --json` say what GET /api/duplicates
    and GET /api/review say, and the command line never imports Flask or spectree."""
    script = f"""
import json, sys
from click.testing import CliRunner
from archive.cli import cli
out = {{}}
for name, args in (("groups", ["duplicates", "--json"]), ("queue", ["dedup", "queue", "--json"]),
                   ("search", ["search", "", "--json", "--base-url", "http://localhost"])):
    result = CliRunner().invoke(cli, ["--data", {str(data_dir)!r}, *args])
    assert result.exit_code == 0, result.output
    out[name] = json.loads(result.output)
out["loaded"] = sorted(m for m in ("flask", "spectree", "werkzeug", "archive.web") if m in sys.modules)
print(json.dumps(out))
"""
    printed = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                        check=True).stdout)
    assert printed["loaded"] == []
    from archive import db as archive_db

    db = archive_db.connect(data_dir)
    archivist = logged_in_client(app, auth.add_user(db, "archie", "correct horse battery staple", "archivist"))
    db.close()
    assert printed["groups"] == archivist.get("/api/duplicates").get_json()
    assert printed["queue"] == archivist.get("/api/review").get_json()
    assert printed["search"] == archivist.get("/api/search").get_json()
    assert printed["groups"]["groups"][0]["photos"][0]["original_filename"] == "a_original.jpg"


def test_the_api_sends_what_its_document_says_field_for_field(client, pair):
    document = client.get("/api/openapi.json").get_json()
    ok = document["paths"]["/api/photos/{photo_id}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Photo"}
    properties = set(document["components"]["schemas"]["Photo"]["properties"])
    served = client.get(f"/api/photos/{pair[0]}").get_json()
    assert set(served) == properties == set(photo_shapes.Photo.model_fields)
    listed = client.get("/api/photos").get_json()
    assert set(listed["results"][0]) == set(document["components"]["schemas"]["ListedPhoto"]["properties"])


def test_a_bad_body_is_a_400_with_the_contracts_error_and_changes_nothing(archivist_client, pair, db):
    photo_id = pair[0]
    for body in ({"add": "subject:statue"}, {"add": [3]}, ["subject:statue"], "subject:statue"):
        response = archivist_client.post(f"/api/photos/{photo_id}/tags", json=body)
        assert response.status_code == 400, body
        assert set(response.get_json()) == {"error"} and response.get_json()["error"]
    assert not [t for t in photos.get_photo(db, photo_id)["tags"] if t["facet"] == "subject"]


def test_the_document_lists_the_csv_and_the_forms_as_they_are(client):
    document = client.get("/api/openapi.json").get_json()
    for path in ("/api/search.csv", "/api/export.csv"):
        assert list(document["paths"][path]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    upload = document["paths"]["/api/uploads"]["post"]["requestBody"]["content"]
    form = document["components"]["schemas"][upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert form["properties"]["photos"]["items"] == {"type": "string", "format": "binary"}
    assert not [path for path in document["paths"] if not path.startswith("/api/")]


def test_the_photo_columns_are_the_tables(db):
    table = {row[1] for row in db.execute("PRAGMA table_info(photos)")}
    assert set(photos.COLUMNS) | set(photos.INTERNAL) == table
    assert not set(photos.COLUMNS) & set(photos.INTERNAL)


def test_the_review_count_in_the_header_follows_the_queue(archivist_client, pair, db, monkeypatch):
    def count_shown():
        found = re.search(r'class="nav-count" aria-label="(\d+) open"', archivist_client.get("/").text)
        return int(found.group(1)) if found else 0

    assert count_shown() == 1
    # Counted once: the next pages take the number as it was while nothing changed.
    monkeypatch.setattr(decisions, "_open_rows", lambda *a, **k: pytest.fail("counted again"))
    assert count_shown() == 1
    monkeypatch.undo()
    [suggestion] = decisions.queue(db)
    decision = decisions.decide(db, suggestion["id"], "related", "kim")
    assert count_shown() == 0
    decisions.undo(db, decision["id"], "kim")
    assert count_shown() == 1
