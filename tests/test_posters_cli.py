"""`manage_archive.py posters ...`: add, edit, link, unlink, list, show,
history and revert, with --json printing what the API returns."""

import json

from support import json_lines


def _photos(run_cli, make_image, count=3):
    lines = json_lines(run_cli("import", *[make_image(f"c{n}.jpg", seed=40 + n) for n in range(count)],
                               "--json", "--trip", "2019 autumn").output)
    return [line["photo_id"] for line in lines]


def test_add_link_show_and_list(run_cli, make_image, db):
    ids = _photos(run_cli, make_image)
    made = run_cli("posters", "add", "--title", "Beer advert", "--title-ko", "맥주", "--kind", "advert",
                   "--set", "european-street", "--place", "bar door", "--text", "BEER", "--photo", ids[0], "--json",
                   "--base-url", "https://archive.example")
    assert made.exit_code == 0, made.output
    poster = json.loads(made.output)
    assert (poster["slug"], poster["kind"], poster["set"], poster["painted_text"]) == (
        "beer-advert", "advert", "european-street", "BEER")
    assert [p["id"] for p in poster["photos"]] == [ids[0]]
    assert poster["url"] == f"https://archive.example/posters/{poster['id']}"
    linked = json.loads(run_cli("posters", "link", "beer-advert", ids[1], "--region", "10,20,100,50", "--json").output)
    assert [p["region"] for p in linked["photos"] if p["id"] == ids[1]] == [{"x": 10, "y": 20, "w": 100, "h": 50}]
    assert "linked" in run_cli("posters", "link", poster["id"], ids[2]).output
    assert "unlinked" in run_cli("posters", "unlink", poster["id"], ids[2]).output
    shown = json.loads(run_cli("posters", "show", "beer-advert", "--json").output)
    assert sorted(p["id"] for p in shown["photos"]) == ids[:2]
    listed = json.loads(run_cli("posters", "list", "--kind", "advert", "--json").output)
    assert [r["slug"] for r in listed["results"]] == ["beer-advert"] and listed["facets"]["kind"][0]["count"] == 1
    assert "beer-advert" in run_cli("posters", "list").output
    assert "2019 autumn" in run_cli("posters", "show", "beer-advert").output


def test_edit_history_and_revert(run_cli, make_image, db):
    ids = _photos(run_cli, make_image, 1)
    run_cli("posters", "add", "--title", "Tea house", "--photo", ids[0])
    changed = run_cli("posters", "edit", "tea-house", "--status", "repainted", "--by", "lee")
    assert changed.output.startswith("change ")
    change_id = int(changed.output.split()[1])
    history = json.loads(run_cli("posters", "history", "tea-house", "--json").output)
    assert [c["action"] for c in history["changes"]] == ["edit", "create"]
    assert history["changes"][0]["entries"][0] == {"field": "status", "before": "unknown", "after": "repainted",
                                                   "reverted_by": None}
    assert "reverted change" in run_cli("posters", "revert", change_id).output
    assert db["posters"].get(1)["status"] == "unknown"


def test_bad_input_is_a_message_and_changes_nothing(run_cli, make_image, db):
    ids = _photos(run_cli, make_image, 1)
    result = run_cli("posters", "add", "--title", "x", "--set", "moon base", "--photo", ids[0])
    assert result.exit_code == 1 and "no set tag called 'moon base'" in result.output
    assert run_cli("posters", "show", "nothing").exit_code == 1
    run_cli("posters", "add", "--title", "Real")
    bad = run_cli("posters", "link", "real", ids[0], "--region", "1,2,3")
    assert bad.exit_code == 2 and "X,Y,W,H" in bad.output
    outside = run_cli("posters", "link", "real", ids[0], "--region", "0,0,9999,10")
    assert outside.exit_code == 1 and "inside the photo" in outside.output
    assert db["posters"].count == 1 and db["poster_photos"].count == 0


def test_exports_carry_posters_and_their_links(run_cli, make_image, db, tmp_path):
    ids = _photos(run_cli, make_image, 2)
    run_cli("posters", "add", "--title", "Beer advert", "--text", "BEER", "--photo", ids[0])
    run_cli("posters", "link", "beer-advert", ids[1], "--region", "1,2,30,40")
    records = json.loads(run_cli("export", "--format", "json", "-").output)["photos"]
    assert [r["posters"] for r in records] == [[{"id": 1, "slug": "beer-advert", "title": "Beer advert", "region": None}],
                                              [{"id": 1, "slug": "beer-advert", "title": "Beer advert",
                                                "region": {"x": 1, "y": 2, "w": 30, "h": 40}}]]
    csv_text = run_cli("export", "--format", "csv", "-").output
    assert csv_text.splitlines()[0].endswith(",posters") and csv_text.splitlines()[1].endswith(",beer-advert")
    bag = tmp_path / "bag"
    run_cli("export", "--format", "bagit", bag)
    posters_json = json.loads((bag / "data" / "posters.json").read_text())
    assert [(p["slug"], p["painted_text"], len(p["photos"])) for p in posters_json["posters"]] == [
        ("beer-advert", "BEER", 2)]
    assert "posters.json" in (bag / "manifest-sha256.txt").read_text()
