"""verify: fixity of originals, derivatives, orphans, and --repair."""

import json
import os

from support import files_under, json_lines


def _import(run_cli, make_image, count=3):
    paths = [make_image(f"v/{i}.jpg", width=300, height=200, seed=i) for i in range(count)]
    lines = json_lines(run_cli("import", paths[0].parent, "--json").output)
    assert all(line["status"] == "imported" for line in lines)
    return paths


def _verify(run_cli, *args):
    result = run_cli("verify", "--json", *args)
    return result.exit_code, json.loads(result.output)


def test_a_sound_archive_verifies_clean(run_cli, make_image):
    _import(run_cli, make_image)
    code, report = _verify(run_cli)
    assert code == 0
    assert report == {"ok": True, "photos": 3, "originals_checked": 3, "problems": [], "swept_temp_files": 0, "trash_purged": 0}


def test_a_changed_original_is_reported_and_never_touched(run_cli, make_image, data_dir):
    _import(run_cli, make_image)
    original = data_dir / "originals" / files_under(data_dir / "originals")[0]
    original.write_bytes(original.read_bytes()[:-10] + b"0123456789")  # bit rot
    damaged = original.read_bytes()
    code, report = _verify(run_cli, "--repair")
    assert code == 1
    [problem] = report["problems"]
    assert problem["kind"] == "changed-original" and not problem["repaired"]
    assert original.read_bytes() == damaged


def test_missing_and_broken_derivatives_are_rebuilt(run_cli, make_image, data_dir):
    _import(run_cli, make_image)
    derivatives = [data_dir / "derivatives" / p for p in files_under(data_dir / "derivatives")]
    thumb = next(p for p in derivatives if p.name.endswith("fit400.jpg"))
    display = next(p for p in derivatives if p.name.endswith("fit1600.jpg") and p.name[:64] != thumb.name[:64])
    good_thumb = thumb.read_bytes()
    thumb.unlink()
    display.write_bytes(b"garbage")
    code, report = _verify(run_cli)
    assert code == 1
    assert sorted(p["kind"] for p in report["problems"]) == ["broken-derivative", "missing-derivative"]
    code, report = _verify(run_cli, "--repair")
    assert code == 0 and all(p["repaired"] for p in report["problems"])
    assert thumb.read_bytes() == good_thumb  # rebuilt the same from the original
    assert display.read_bytes()[:2] == b"\xff\xd8"
    assert _verify(run_cli) == (0, {"ok": True, "photos": 3, "originals_checked": 3, "problems": [],
                                  "swept_temp_files": 0, "trash_purged": 0})


def test_orphans_and_missing_originals(run_cli, make_image, data_dir, db):
    _import(run_cli, make_image)
    stray = data_dir / "originals" / "ab" / "cd" / ("ab" * 32 + ".jpg")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a killed import")
    old = 1_000_000_000
    os.utime(stray, (old, old))
    gone_sha = db.execute("SELECT sha256, ext FROM photos WHERE id = 2").fetchone()
    (data_dir / "originals" / gone_sha[0][:2] / gone_sha[0][2:4] / f"{gone_sha[0]}.{gone_sha[1]}").unlink()
    code, report = _verify(run_cli, "--repair")
    kinds = {p["kind"]: p for p in report["problems"]}
    assert code == 1  # a missing original cannot be mended
    assert kinds["missing-original"]["photo_id"] == 2 and not kinds["missing-original"]["repaired"]
    assert kinds["orphan-file"]["repaired"]
    assert not stray.exists()
    assert (data_dir / "quarantine" / "originals" / "ab" / "cd" / stray.name).read_bytes() == b"left by a killed import"


def test_a_young_orphan_may_belong_to_a_running_import(run_cli, make_image, data_dir):
    _import(run_cli, make_image, count=1)
    young = data_dir / "originals" / "cd" / "ef" / ("cd" * 32 + ".png")
    young.parent.mkdir(parents=True)
    young.write_bytes(b"being imported")
    code, report = _verify(run_cli, "--repair")
    assert code == 1
    assert young.exists()
    assert "import still running" in report["problems"][0]["detail"]


def test_human_readable_report(run_cli, make_image):
    _import(run_cli, make_image, count=2)
    result = run_cli("verify")
    assert result.exit_code == 0
    assert "2 photos, 2 originals re-hashed, 0 problems, 0 left" in result.output


def test_a_missing_original_gives_a_clear_message_where_an_image_is_asked_for(run_cli, make_image, data_dir,
                                                                                client, db):
    _import(run_cli, make_image, count=1)
    sha, ext = db.execute("SELECT sha256, ext FROM photos").fetchone()
    (data_dir / "originals" / sha[:2] / sha[2:4] / f"{sha}.{ext}").unlink()
    with client.get(f"/media/{sha}/fit800.jpg") as page:
        assert page.status_code == 500
        assert "missing or damaged" in page.text and "verify" in page.text
    with client.get("/iiif/3/1/full/90,/0/default.jpg") as image:
        assert image.status_code == 500 and "missing or damaged" in image.text
    assert not [p for p in files_under(data_dir / "derivatives") if "fit800" in p or "iiif" in p]
