"""The Hamming index: exact against a plain loop, and kept current from SQLite."""

import numpy as np
from PIL import Image
from support import json_lines, scene

from archive import db as archive_db
from archive.dedup import generation
from archive.dedup import lookup as dedup
from archive.dedup.hamming import HammingIndex, pairs_after


def popcount(x):
    return bin(x & ((1 << 64) - 1)).count("1")


def test_search_finds_exactly_what_a_plain_loop_finds():
    rng = np.random.default_rng(3)
    codes = rng.integers(-(2**63), 2**63 - 1, (5000, 2), dtype=np.int64)
    queries = codes[:3, 0] ^ np.array([0b1011, 1 << 40, 0], np.int64)  # planted near matches
    index = HammingIndex(2)
    index.add(np.arange(100, 2100), codes[:2000])
    index.add(np.arange(2100, 5100), codes[2000:])  # grows past its first capacity
    positions, distances = index.search(0, queries, 24)
    got = dict(zip(positions.tolist(), distances.tolist()))
    expected = {}
    for i, code in enumerate(codes[:, 0].tolist()):
        d = min(popcount(code ^ int(q)) for q in queries)
        if d <= 24:
            expected[i] = d
    assert got == expected
    assert {0, 1, 2} <= set(got)
    assert index.owners[0] == 100 and index.size == 5000
    limited, _ = index.search(0, queries, 24, limit=1)
    assert limited.tolist() == [0]


def test_a_large_search_in_parts_on_every_cpu_finds_what_a_plain_loop_finds(monkeypatch):
    from archive.dedup import hamming

    monkeypatch.setattr(hamming, "PARALLEL_FROM", 1000)  # parts without a million hashes
    rng = np.random.default_rng(5)
    codes = rng.integers(-(2**63), 2**63 - 1, (9001, 3), dtype=np.int64)
    requests = [(0, codes[[5, 4000, 8999], 0] ^ 0b111), (2, codes[[7, 4500], 2] ^ np.int64(-(2**63))), (1, [codes[0, 1]])]
    index = HammingIndex(3)
    index.add(np.arange(9001), codes)
    for limit in (None, 4600):
        positions, distances = index.search_many(requests, 24, limit=limit)
        expected = {}
        for slot, queries in requests:
            for i, code in enumerate(codes[: limit or len(codes), slot].tolist()):
                d = min(popcount(code ^ int(q)) for q in queries)
                if d <= 24:
                    expected[i] = min(d, expected.get(i, 99))
        assert dict(zip(positions.tolist(), distances.tolist())) == expected
        assert {0, 5, 7, 4000, 4500} <= set(expected) and (limit is not None) != (8999 in expected)


def test_a_copy_with_its_caption_band_cropped_off_is_found_either_way_round():
    from PIL import ImageDraw

    from archive.imaging import decoding as imaging
    from archive.imaging import fingerprint

    found = []
    for seed in range(8):
        captioned = scene(960, 720, seed=40 + seed)
        ImageDraw.Draw(captioned).rectangle((0, 630, 960, 720), fill="white")
        cropped = captioned.crop((0, 0, 960, 630))
        prints = [fingerprint.fingerprint(imaging.fit(image, 400)) for image in (captioned, cropped)]
        for stored, new in ((0, 1), (1, 0)):
            index = dedup.NearDuplicateIndex()
            index.hashes.add([seed], [dedup.index_row(prints[stored])])
            found.append(index.candidates(prints[new]) == [seed])
    assert all(found), found


def test_all_pairs_join_finds_exactly_what_a_plain_loop_finds():
    rng = np.random.default_rng(4)
    queries = rng.integers(-(2**63), 2**63 - 1, (3, 400), dtype=np.int64)
    targets = rng.integers(-(2**63), 2**63 - 1, (2, 400), dtype=np.int64)
    got_i, got_j = pairs_after(queries, targets, 24, rows=32, cols=64)
    expected = {
        (i, j)
        for i in range(400)
        for j in range(i + 1, 400)
        if min(popcount(int(q) ^ int(t)) for q in queries[:, i] for t in targets[:, j]) <= 24
    }
    assert expected and set(zip(got_i.tolist(), got_j.tolist())) == expected


def test_index_tops_up_from_sqlite_and_reloads_on_a_new_generation(run_cli, make_image, data_dir, tmp_path):
    first = make_image("first.jpg", seed=21)
    run_cli("import", first, "--json")
    db = archive_db.connect(data_dir)
    index = dedup.index_for(db)
    index.refresh(db)
    assert index.hashes.size == 1 and index.last_id == 1
    # Another process (here: the CLI's own connection) imports a copy.
    copy = tmp_path / "copy.png"
    Image.open(first).transpose(Image.Transpose.ROTATE_90).save(copy)
    [line] = json_lines(run_cli("import", copy, "--json").output)
    assert [(m["photo_id"], m["kind"]) for m in line["matches"]] == [(1, "duplicate")]
    assert "turned 90°" in line["matches"][0]["reason"]
    index.refresh(db)
    assert index.hashes.size == 2 and index.last_id == 2
    # A merge bumps the generation: the next look reloads from scratch.
    before = index.generation
    with archive_db.write_transaction(db):
        generation.bump_generation(db)
    index.hashes.add([999], np.zeros((1, dedup.SLOTS), np.int64))  # a stale entry of ours
    index.refresh(db)
    assert index.generation == before + 1
    assert index.hashes.owners.tolist() == [1, 2]
    db.close()


def test_candidates_come_nearest_first(db):
    index = dedup.NearDuplicateIndex()
    base = dedup.fp.fingerprint(scene(400, 300, seed=2))
    far = base.phashes[0] ^ 0b111111
    codes = np.zeros((2, dedup.SLOTS), np.int64)
    codes[:, :] = 12345  # windows that match nothing near
    codes[0, 0], codes[1, 0] = far, base.phashes[0]
    index.hashes.add([7, 8], codes)
    assert index.candidates(base)[:2] == [8, 7]


def test_deleting_a_photo_makes_every_index_reload(run_cli, make_image, data_dir):
    run_cli("import", make_image("one.jpg", seed=41), make_image("two.jpg", seed=42))
    db = archive_db.connect(data_dir)
    index = dedup.index_for(db)
    index.refresh(db)
    assert index.hashes.owners.tolist() == [1, 2]
    with archive_db.write_transaction(db):
        db.execute("DELETE FROM photos WHERE id = 1")
    index.refresh(db)
    assert index.hashes.owners.tolist() == [2]
    db.close()
