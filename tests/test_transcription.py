"""Machine transcription drafts without the OCR engines: the queue imports
fill, drafts on record, search over them, the JSON view and the commands'
refusals. (The engines themselves: test_transcription_ocr.py.)"""

import json

import pytest
from photo_helpers import add_photo
from search_oracle import fts_expression

from archive.catalogue import deletion
from archive.search import engine as search
from archive.search.fulltext import korean_pieces
from archive.transcription import choice, drafts, layout, queue, reader
from archive.transcription.choice import RAPIDOCR, TESSERACT, Reading


def line(text, *alternatives, box=((10, 20), (110, 20), (110, 50), (10, 50)), vertical=False):
    readings = [Reading(text, 0.97, RAPIDOCR), *[Reading(t, 0.7, TESSERACT) for t in alternatives]]
    return reader.Line(box=[list(p) for p in box], vertical=vertical, readings=readings)


def draft(*lines):
    return drafts.Draft(engine=reader.ENGINE, version="test", lines=list(lines), cpu_seconds=1.25)


def found(db, query):
    return list(search.search_ids(db, query, include_private=True))


def test_an_import_queues_its_photo_once(db, data_dir):
    first = add_photo(db, data_dir, "a.jpg", seed=1)
    second = add_photo(db, data_dir, "b.jpg", seed=2)
    assert [r[0] for r in db.execute("SELECT photo_id FROM transcription_queue ORDER BY photo_id")] == [first, second]
    queue.enqueue(db, first)  # already waiting: keeps its place
    assert queue.counts(db) == {"waiting": 2, "failed": 0}


def test_search_finds_drafted_words_in_four_scripts(db, data_dir):
    signed = add_photo(db, data_dir, "sign.jpg", seed=1)
    other = add_photo(db, data_dir, "wall.jpg", seed=2)
    drafts.save(db, signed, draft(line("SEVEN YEAR ITCH"), line("中华茶馆欢迎光临"), line("純喫茶ようこそ"),
                                  line("合", "꽃파는처녀 영화관")))
    for word in ("itch", "茶馆", "光临", "喫茶", "ようこそ", "꽃파는", "처녀", "영화"):
        assert found(db, word) == [signed], word
    assert found(db, "has:transcription") == [signed]
    assert found(db, "-has:transcription") == [other]
    # The archivist's own text is another thing, and untouched.
    assert db.execute("SELECT transcription FROM photos WHERE id = ?", [signed]).fetchone()[0] == ""

    # Read again: the new draft replaces the old, in search too.
    drafts.save(db, signed, draft(line("CINEMA")))
    assert found(db, "茶馆") == [] and found(db, "cinema") == [signed]
    assert len(drafts.for_photo(db, signed)) == 1


def test_a_draft_without_lines_is_no_transcription(db, data_dir):
    photo = add_photo(db, data_dir, "blank.jpg", seed=3)
    drafts.save(db, photo, draft())
    assert found(db, "has:transcription") == []
    db.execute("UPDATE photos SET transcription = '영화관' WHERE id = ?", [photo])
    assert found(db, "has:transcription") == [photo]


def test_deleting_a_photo_takes_its_drafts_and_queue_place(db, data_dir):
    photo = add_photo(db, data_dir, "gone.jpg", seed=4)
    drafts.save(db, photo, draft(line("茶馆")))
    deletion.delete_photos(db, data_dir, [photo])
    assert db.execute("SELECT count(*) FROM transcription_drafts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM transcription_lines").fetchone()[0] == 0
    assert queue.counts(db) == {"waiting": 0, "failed": 0}
    assert found(db, "茶馆") == []
    with pytest.raises(LookupError):
        drafts.save(db, photo, draft(line("茶馆")))


def test_pieces_and_expressions_for_chinese_and_japanese():
    assert korean_pieces("中华茶馆 and ようこそ") == ("中华 华茶 茶馆 よう うこ こそ", "馆 そ")
    assert fts_expression("茶馆") == '{ko2 ko2_head} : "茶馆"'
    assert fts_expression("茶") == '({ko2 ko2_head} : "茶" * OR {ko1 ko1_head} : "茶")'


def test_queue_claims_leases_failures_and_release(db, data_dir):
    ids = [add_photo(db, data_dir, f"q{i}.jpg", seed=10 + i) for i in range(3)]
    assert queue.claim(db, "w1", limit=2) == ids[:2]
    assert queue.claim(db, "w2", limit=5) == ids[2:]  # claimed photos are not handed out twice
    assert queue.claim(db, "w3") == []
    queue.release(db, "w1")
    assert queue.claim(db, "w3", limit=5) == ids[:2]
    for _ in range(queue.MAX_ATTEMPTS):
        queue.fail(db, ids[0], "the original file is missing")
    queue.finish(db, ids[1])
    assert queue.counts(db) == {"waiting": 1, "failed": 1}
    # A claim older than the lease is free again.
    db.execute("UPDATE transcription_queue SET claimed_at = '2000-01-01T00:00:00+00:00'")
    assert queue.claim(db, "w4", limit=5) == [ids[2]]


def test_the_hangul_reading_wins_a_korean_line():
    # rapidocr knows no Hangul: a look-alike Chinese character, scored high.
    kept = choice.weigh([Reading("合", 0.95, RAPIDOCR), Reading("승리\n", 0.96, TESSERACT)])
    assert [r.text for r in kept] == ["승리", "合"]
    # Tesseract's Korean model on a Chinese line: Hangul-looking rubbish, unsure.
    kept = choice.weigh([Reading("和平", 0.99, RAPIDOCR), Reading("체포", 0.24, TESSERACT)])
    assert [r.text for r in kept] == ["和平"]
    # Latin rubbish from the Korean model is never kept, however sure.
    assert choice.weigh([Reading("", 0.0, RAPIDOCR), Reading("1020/(", 0.9, TESSERACT)]) == []
    # A column's letters stand one under another: the spaces between them go.
    assert [r.text for r in choice.weigh([Reading("꽃 파 는", 0.9, TESSERACT)], vertical=True)] == ["꽃파는"]


def test_the_json_view(client, archivist_client, db, data_dir):
    public = add_photo(db, data_dir, "public.jpg", seed=5)
    private = add_photo(db, data_dir, "private.jpg", seed=6)
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [private])
    drafts.save(db, public, draft(line("中华茶馆", "중화"), line("백화점", vertical=True,
                                                              box=((50, 60), (80, 60), (80, 160), (50, 160)))))
    body = client.get(f"/api/photos/{public}/transcription").get_json()
    assert body["photo_id"] == public and body["transcription"] == "" and body["queued"] is True
    assert (body["width"], body["height"]) == (240, 180)
    [made] = body["drafts"]
    assert made["engine"] == "rapidocr+tesseract" and made["cpu_seconds"] == 1.25 and made["made_at"]
    assert made["text"] == "中华茶馆\n백화점"
    first, column = made["lines"]
    assert first["reader"] == "rapidocr" and first["confidence"] == 0.97 and first["vertical"] is False
    assert first["alternatives"] == [{"text": "중화", "confidence": 0.7, "reader": "tesseract"}]
    assert (first["x"], first["y"], first["w"], first["h"]) == (10, 20, 100, 30)
    assert column["vertical"] is True and column["box"][2] == [80, 160]

    assert client.get(f"/api/photos/{private}/transcription").status_code == 404
    assert archivist_client.get(f"/api/photos/{private}/transcription").get_json()["drafts"] == []
    missing = client.get("/api/photos/999/transcription")
    assert missing.status_code == 404 and "no photo 999" in missing.get_json()["error"]


def test_transcribe_refuses_unknown_ids_and_a_machine_without_ocr(run_cli, db, data_dir, monkeypatch):
    photo = add_photo(db, data_dir, "a.jpg", seed=7)
    refused = run_cli("transcribe", "--ids", f"{photo},999")
    assert refused.exit_code == 2 and "no photo 999" in refused.output
    assert run_cli("transcribe", "--ids", "3,x").exit_code == 2
    monkeypatch.setattr(reader, "missing", lambda: "Tesseract's Korean data (kor, kor_vert) is not installed")
    for command in (["transcribe"], ["worker", "--until-empty"]):
        result = run_cli(*command)
        assert result.exit_code == 1 and "OCR cannot run here: Tesseract's Korean data" in result.output
    assert db.execute("SELECT count(*) FROM transcription_drafts").fetchone()[0] == 0
    assert queue.counts(db)["waiting"] == 1


def test_drafted_words_reach_the_search_command(run_cli, db, data_dir):
    photo = add_photo(db, data_dir, "sign.jpg", seed=8)
    drafts.save(db, photo, draft(line("喫茶店")))
    printed = json.loads(run_cli("search", "喫茶", "--json").output)
    assert [r["id"] for r in printed["results"]] == [photo]


def test_columns_read_as_rows_are_found_again():
    from PIL import Image, ImageDraw

    # A column tilted a little, whichever corner the detector began at, stays a column.
    tilted = [[110, 0], [130, 100], [100, 106], [80, 6]]
    assert layout.upright(tilted)[0] == [80, 6]
    # Two short rows stacked close (boxes overlapping a little) make a block;
    # a long line of text and a row far below do not join it.
    rows = [[[0, 0], [200, 0], [200, 100], [0, 100]], [[5, 90], [205, 90], [205, 190], [5, 190]],
            [[0, 400], [900, 400], [900, 500], [0, 500]], [[0, 700], [200, 700], [200, 800], [0, 800]]]
    assert layout.blocks(rows) == [[0, 1]]
    assert layout.block_box(rows[:2]) == [[0.0, 0.0], [205.0, 0.0], [205.0, 190.0], [0.0, 190.0]]
    # A board with two columns of strokes splits into them, right one first.
    board = Image.new("L", (220, 300), 230)
    draw = ImageDraw.Draw(board)
    for x in (30, 140):
        for y in range(20, 280, 40):
            draw.rectangle((x, y, x + 50, y + 25), outline=20, width=4)
    spans = layout.column_spans(board)
    assert len(spans) == 2 and spans[0][0] > 120 and spans[1][1] < 100
    # One row of letters is not columns.
    assert layout.column_spans(board.crop((0, 20, 220, 50))) == []
