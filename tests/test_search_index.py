"""The shared search index: its files in the data directory, the same
matches as FTS5 itself, recovery from a deleted file or another database,
catching up and rebuilding, `search reindex`, and backups and fixity
leaving it alone."""

import shutil
import subprocess
import sys

import pytest
import requests
import search_oracle
from search_archive import build
from servers import gunicorn
from support import PROJECT_ROOT

from archive.catalogue import editing, tagging
from archive.preservation import backup, fixity
from archive.search import engine as search
from archive.search import index as search_index
from archive.search import order


@pytest.fixture
def built(tmp_path, data_dir):
    db = build(data_dir, tmp_path / "made")
    yield db
    db.close()


def found(db, query, **kwargs):
    result = search.search(db, query, per_page=100, include_private=True, **kwargs)
    return [row["id"] for row in result.page.items]


def forget_the_index():
    """As a new process starts: nothing of the index in memory."""
    search_index._cache.clear()


WORDS = ["poster", "posters", "POSTER", "flower girl", "flower-girl.jpg", "flower-girl", "seven year", "itch", "seven year itch", "year itch", "itch seven",
         "seven", "european", "european street", "street european", "café", "cafe", "statue", "gate",
         "workers", "work", "façade", "soap", "2016", "img", "jpg", "sign shop", "the", "a", "x-t2",
         "포스터", "영화포스터", "영화", "화포", "꽃", "꽃파는", "처녀", "꽃파는 처녀", "동상", "광장", "광장의", "정문",
         "터", "상", "카페", "유럽 거리", "거리", "영화 포스터", "poster 포스터", "...", "-", "q"]


@pytest.mark.parametrize("phrase", [False, True])
def test_words_and_phrases_match_what_fts5_matches(built, phrase):
    db = built
    search.search(db, "")  # the full-text rows are current now
    for word in WORDS:
        query = f'"{word}"' if phrase else word
        if query.strip('"') in ("-",) or (not phrase and " " in word):
            continue
        expression = search_oracle.fts_expression(word, phrase)
        expected = {row[0] for row in db.execute(
            "SELECT rowid FROM photos_fts WHERE photos_fts MATCH ?", [expression])} if expression else \
            {row[0] for row in db.execute("SELECT id FROM photos")}
        assert set(found(db, query)) == expected, (query, expression)


def test_relevance_counts_title_and_tags_as_fts5_columns_do(built):
    db = built
    # "poster": in a tag label of 1 and 2 (3 each), only in 7's caption (1);
    # equal scores newest upload first.
    assert found(db, "poster") == [2, 1, 7]
    assert found(db, "poster", sort="oldest") == [1, 2, 7]


def test_the_index_lives_in_the_data_directory_and_is_shared(built, data_dir):
    db = built
    search.search(db, "")
    folder = data_dir / "search-index"
    assert (folder / "current.json").is_file()
    generation = next(p for p in folder.iterdir() if p.is_dir())
    assert {p.name for p in generation.iterdir()} >= {"meta.json", "tag_slots.npy", "token_slots.npy"}
    # A new process answers from the same files without building anything.
    code = ("import sys, time; from pathlib import Path; from archive import db; "
            "from archive.search import builder, engine; "
            "built = []; builder.build = lambda *a, **k: built.append(1); "
            "d = db.connect(Path(sys.argv[1])); r = engine.search(d, 'set:european-street', include_private=True); "
            "print(sorted(x['id'] for x in r.page.items), len(built))")
    result = subprocess.run([sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[1,", "2,", "7]", "0"]


@pytest.mark.parametrize("sort", list(search.SORTS))
def test_walking_an_order_gives_the_pages_that_sorting_the_hits_gives(built, monkeypatch, sort):
    db = built
    queries = ["", "poster", "set:european-street", "is:untagged", "poster OR statue", "-subject:advert"]

    def pages(walk_from):
        monkeypatch.setattr(order, "_WALK_FROM", walk_from)
        out = []
        for query in queries:
            for page in (1, 2, 3):
                result = search.search(db, query, page=page, per_page=2, sort=sort, include_private=True)
                out.append([row["id"] for row in result.page.items])
            out.append([int(i) for i in search.search_ids(db, query, sort=sort, include_private=True)])
        return out

    walked = pages(10**9)
    assert walked == pages(0)
    if sort == "oldest":
        assert walked[3] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_deleted_or_damaged_file_is_rebuilt(built, data_dir):
    db = built
    before = found(db, "poster OR set:entrance-plaza")
    folder = data_dir / "search-index"
    generation = next(p for p in folder.iterdir() if p.is_dir())
    (generation / "token_positions.npy").unlink()
    forget_the_index()
    assert found(db, "poster OR set:entrance-plaza") == before
    generation = next(p for p in folder.iterdir() if p.is_dir())
    (generation / "tag_offsets.npy").write_bytes(b"not an array")
    forget_the_index()
    assert found(db, "poster OR set:entrance-plaza") == before
    shutil.rmtree(folder)
    forget_the_index()
    assert found(db, "poster OR set:entrance-plaza") == before
    assert (folder / "current.json").is_file()


def test_another_database_at_the_same_path_is_not_answered_from_the_old_index(tmp_path, data_dir):
    db = build(data_dir, tmp_path / "made")
    assert found(db, "wall") == [6]
    db.close()
    for path in data_dir.glob("archive.db*"):
        path.unlink()
    shutil.rmtree(data_dir / "originals")
    forget_the_index()
    db = build(data_dir, tmp_path / "again")
    db.execute("UPDATE photos SET caption = 'A tram' WHERE id = 6")
    assert found(db, "wall") == []
    assert found(db, "tram") == [6]
    db.close()


def test_changes_are_caught_up_then_folded_into_a_new_base(built, data_dir, monkeypatch):
    db = built
    search.search(db, "")
    generation = (data_dir / "search-index" / "current.json").read_text()
    for photo_id in (3, 4, 5):
        tagging.change_tags(db, [photo_id], add=["keyword:gate-lamp"], username="kim")
        assert set(found(db, "keyword:gate-lamp")) == set(range(3, photo_id + 1))
    assert (data_dir / "search-index" / "current.json").read_text() == generation  # small segments only
    facets = search.search(db, "lamp", include_private=True).facets
    assert {e["value"]: e["count"] for e in facets["set"]} == {"entrance-plaza": 2, "japanese-street": 1}
    monkeypatch.setattr(search_index, "REBUILD_AFTER", 0)
    db["photos"].update(6, {"caption": "A lamp by the wall"})
    assert found(db, "lamp", sort="oldest") == [3, 4, 5, 6]
    search_index.settle()  # the new base is written in the background
    assert (data_dir / "search-index" / "current.json").read_text() != generation
    assert found(db, "lamp", sort="oldest") == [3, 4, 5, 6]
    assert search_index.snapshot(db).small == []


def test_workers_forked_from_the_warmed_master_see_what_changed_after_it(built, data_dir):
    """The production server's master opens the index and answers a search
    before it forks (web/gunicorn_config.py); its workers start from that,
    and still find an edit made later, and a new base written by another
    process, whichever worker answers."""
    db = built

    def visitors_find(word):
        answers = {tuple(r["id"] for r in requests.get(f"{base}/api/search", params={"q": word}, timeout=60)
                         .json()["results"]) for _ in range(8)}
        assert len(answers) == 1, answers
        return list(answers.pop())

    with gunicorn(data_dir, workers=2) as base:
        assert visitors_find("quetzalcoatl") == []
        editing.edit_photo(db, 4, {"caption": "Mosaic of a quetzalcoatl"}, "kim")
        assert visitors_find("quetzalcoatl") == [4]
        search_index.reindex(db)
        editing.edit_photo(db, 8, {"caption": "Hand-painted quetzalcoatl soap"}, "kim")
        assert visitors_find("quetzalcoatl") == [8, 4]
        assert visitors_find("workers") == []  # what photo 4 said before


def test_reindex_command_rebuilds_with_a_progress_bar(built, run_cli, data_dir):
    before = found(built, "poster")
    old = (data_dir / "search-index" / "current.json").read_text()
    result = run_cli("search", "reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 8 photos" in result.output and "Indexing photos" in result.output
    assert (data_dir / "search-index" / "current.json").read_text() != old
    assert len([p for p in (data_dir / "search-index").iterdir() if p.is_dir()]) == 1
    assert found(built, "poster") == before
    # A query that happens to be the word still searches after `--`.
    assert run_cli("search", "--", "reindex").output.startswith("0 photos")


def test_fixity_and_backups_leave_the_index_alone(built, data_dir, tmp_path):
    search.search(built, "poster")
    report = fixity.verify(built, data_dir)
    assert report.ok and not report.problems
    backup.backup(data_dir, tmp_path / "backup")
    assert not (tmp_path / "backup" / "search-index").exists()
    backup.restore(tmp_path / "backup", tmp_path / "restored")
    from archive import db as archive_db

    restored = archive_db.connect(tmp_path / "restored")
    assert found(restored, "poster") == found(built, "poster")
    restored.close()
