"""The command line: search (--json is what the API returns, --csv), tags ..."""

import csv
import io
import json

import pytest
from search_archive import build

from archive import create_app
from archive.catalogue import tags


@pytest.fixture
def built(tmp_path, data_dir):
    db = build(data_dir, tmp_path / "made")
    yield db
    db.close()


def test_search_json_is_what_the_api_returns(built, run_cli, data_dir, monkeypatch):
    monkeypatch.setattr("archive.web.search.can_see_private", lambda: True)
    query = 'set:european-street OR "꽃파는"'
    result = run_cli("search", query, "--json", "--sort", "oldest", "--base-url", "http://localhost")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t"})
    served = app.test_client().get("/api/search", query_string={"q": query, "sort": "oldest"}).get_json()
    assert printed == served
    assert printed["total"] == 3 and [r["id"] for r in printed["results"]] == [1, 2, 7]


def test_search_text_csv_and_public_only(built, run_cli):
    result = run_cli("search", "advert")
    assert result.exit_code == 0 and result.output.startswith("2 photos")
    public = run_cli("search", "advert", "--public-only")
    assert public.output.startswith("1 photo\n") and "advert.jpg" not in public.output
    exported = run_cli("search", "camera:nikon", "--csv", "--sort", "taken")
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert [r["id"] for r in rows] == ["3", "4"] and rows[0]["subject"] == "statue"


def test_bad_query_is_a_usage_error(built, run_cli):
    result = run_cli("search", "colour:red")
    assert result.exit_code == 2 and 'unknown field "colour:"' in result.output


def test_tag_commands(built, run_cli, tmp_path):
    db = built
    assert run_cli("tags", "add", "set:japanese-street/bookshop", "--label-ko", "서점", "--by", "kim").exit_code == 0
    assert tags.find_tag(db, "set", "japanese-street/bookshop")["label_ko"] == "서점"
    listed = run_cli("tags", "list", "--facet", "set", "--json")
    entry = next(json.loads(line) for line in listed.output.splitlines() if "bookshop" in line)
    assert entry["slug"] == "japanese-street/bookshop" and entry["photos"] == 0
    assert run_cli("tags", "rename", "subject:advert", "painted-advert").exit_code == 0
    assert json.loads(run_cli("search", "subject:advert", "--json").output)["total"] == 2
    merged = run_cli("tags", "merge", "subject:statue", "subject:mosaic", "--by", "kim")
    assert merged.exit_code == 0 and "1 photos newly tagged" in merged.output
    assert json.loads(run_cli("search", "subject:statue", "--json").output)["total"] == 2
    refused = run_cli("tags", "delete", "keyword:soap")
    assert refused.exit_code == 1 and "confirm" in refused.output
    assert run_cli("tags", "delete", "keyword:soap", "--yes").exit_code == 0
    applied = run_cli("tags", "apply", "--query", "set:entrance-plaza", "--add", "keyword:gate")
    assert applied.output.strip() == "2 added, 0 removed on 2 photos"
    assert db.execute("SELECT username FROM tag_history WHERE slug = 'mosaic' AND action = 'added'"
                      " ORDER BY id DESC").fetchone()[0] == "kim"
    vocabulary_csv = tmp_path / "vocabulary.csv"
    vocabulary_csv.write_text("facet,slug,label,label_ko,aliases\nfilm,pulgasari,Pulgasari,불가사리,\n", "utf-8")
    assert run_cli("tags", "import", vocabulary_csv, "--dry-run").output.strip() == "would create 1, would update 0"
    assert tags.find_tag(db, "film", "pulgasari") is None
    assert run_cli("tags", "import", vocabulary_csv).exit_code == 0
    assert tags.find_tag(db, "film", "불가사리")["slug"] == "pulgasari"


def test_import_tags_with_a_child_set(run_cli, make_image, db):
    run_cli("tags", "add", "set:european-street/cafe")
    result = run_cli("import", make_image("cafe.jpg"), "--tag", "set:european-street/cafe", "--json")
    photo_id = json.loads(result.output)["photo_id"]
    assert json.loads(run_cli("search", "set:european-street", "--json").output)["results"][0]["id"] == photo_id
    assert db.execute("SELECT action FROM tag_history WHERE photo_id = ?", [photo_id]).fetchone()[0] == "added"
