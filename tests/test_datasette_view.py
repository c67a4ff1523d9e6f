"""The photos_with_tags view: what a researcher sees opening archive.db in
Datasette (or any SQLite tool), read here with plain sqlite3."""

import sqlite3

from support import json_lines


def test_one_row_per_photo_with_tags_per_facet(run_cli, make_image, data_dir, db):
    tagged = make_image("poster.jpg", seed=1)
    plain = make_image("plain.jpg", seed=2)
    [line] = json_lines(run_cli("import", tagged, "--json", "--trip", "2019 autumn",
                                "--tag", "set:european-street", "--tag", "subject:film-poster",
                                "--tag", "subject:replica-poster", "--tag", "film:the-seven-year-itch",
                                "--tag", "keyword:Marilyn").output)
    [other] = json_lines(run_cli("import", plain, "--json").output)
    db.close()
    conn = sqlite3.connect(f"file:{data_dir / 'archive.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    rows = {row["id"]: row for row in conn.execute("SELECT * FROM photos_with_tags")}
    assert set(rows) == {line["photo_id"], other["photo_id"]}
    row = rows[line["photo_id"]]
    assert row["original_filename"] == "poster.jpg"
    assert row["sets"] == "European street"
    assert sorted(row["subjects"].split("; ")) == ["Film poster", "Replica of a western film poster"]
    assert row["films"] == "The Seven Year Itch"
    assert row["trips"] == "2019 autumn"
    assert row["keywords"] == "Marilyn"
    assert row["places"] is None
    empty = rows[other["photo_id"]]
    assert (empty["sets"], empty["subjects"], empty["films"]) == (None, None, None)
    assert empty["is_public"] == 1
    conn.close()


def test_the_view_is_part_of_the_migrations(run_cli):
    import json

    facts = json.loads(run_cli("info", "--json").output)
    assert "0005_standards" in facts["migrations"]
