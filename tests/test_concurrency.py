"""Many people at once against the production server (gunicorn, 4 workers).

8 archivists upload 200 distinct photos and 20 second copies while 4
visitors browse and search. Every upload must be accounted for exactly once,
with no 5xx and no "database is locked" anywhere."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from servers import gunicorn
from support import PASSWORD, files_under, image_bytes, scene

from archive import db as archive_db
from archive.accounts import auth

UPLOADERS = 8
BROWSERS = 4
DISTINCT = 200
AGAIN = 20


def log_in(base, username):
    """The real login form, then the session's CSRF token for API calls."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = session.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token}, timeout=30, allow_redirects=False)
    assert response.status_code == 302, response.text
    session.headers["X-CSRFToken"] = session.get(f"{base}/api/session", timeout=30).json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def photos():
    """200 distinct small camera-like JPEGs, and 20 of them to send twice."""
    distinct = [(f"IMG_{i:04d}.jpg", image_bytes(scene(200, 150, seed=1000 + i), quality=85))
                for i in range(DISTINCT)]
    return distinct + distinct[:AGAIN]


def test_uploads_and_browsing_at_once_under_gunicorn(tmp_path, photos):
    data_dir = tmp_path / "media"
    db = archive_db.connect(data_dir)
    for n in range(UPLOADERS):
        auth.add_user(db, f"archivist{n}", PASSWORD, "archivist")
    db.close()
    problems, outcomes = [], []
    lock = threading.Lock()
    uploads_done = threading.Event()

    with gunicorn(data_dir, workers=4) as base:
        def upload_share(n):
            session = log_in(base, f"archivist{n}")
            # Interleaved shares, so a photo and its second copy go to different clients.
            for name, data in photos[n::UPLOADERS]:
                response = session.post(f"{base}/api/uploads", files={"photos": (name, data, "image/jpeg")},
                                        data={"trip": "Concurrency trip"}, timeout=120)
                with lock:
                    if response.status_code != 200:
                        problems.append(f"upload {name}: {response.status_code} {response.text[:200]}")
                    else:
                        outcomes.extend(response.json()["results"])

        def browse(n):
            session = requests.Session()
            paths = ["/", "/search?q=set%3Aeuropean-street", "/api/search?q=trip%3Aconcurrency-trip",
                     "/api/photos", "/sets", "/search?q=poster"]
            rounds = 0
            while not uploads_done.is_set() or rounds < 3:
                for path in paths:
                    response = session.get(base + path, timeout=60)
                    if response.status_code >= 500 or "database is locked" in response.text:
                        with lock:
                            problems.append(f"GET {path}: {response.status_code}")
                rounds += 1
                if rounds > 500:
                    break  # bounded, whatever happens

        with ThreadPoolExecutor(UPLOADERS + BROWSERS) as pool:
            browsers = [pool.submit(browse, n) for n in range(BROWSERS)]
            uploaders = [pool.submit(upload_share, n) for n in range(UPLOADERS)]
            for future in uploaders:
                future.result()
            uploads_done.set()
            for future in browsers:
                future.result()

        total = requests.get(f"{base}/api/search", params={"q": "trip:concurrency-trip"}, timeout=30).json()

    assert problems == []
    assert len(outcomes) == DISTINCT + AGAIN
    by_status = {}
    for outcome in outcomes:
        by_status.setdefault(outcome["status"], []).append(outcome)
    assert sorted(by_status) == ["duplicate", "imported"], [o for o in outcomes if o["status"] == "rejected"]
    assert len(by_status["imported"]) == DISTINCT and len(by_status["duplicate"]) == AGAIN
    imported_ids = {o["photo_id"] for o in by_status["imported"]}
    assert len(imported_ids) == DISTINCT
    assert {o["duplicate_of"] for o in by_status["duplicate"]} <= imported_ids
    assert total["total"] == DISTINCT
    db = archive_db.connect(data_dir)
    assert db.execute("SELECT count(*), count(DISTINCT sha256) FROM photos").fetchone() == (DISTINCT, DISTINCT)
    assert {r[0] for r in db.execute("SELECT DISTINCT uploaded_by FROM photos")} == \
        {f"archivist{n}" for n in range(UPLOADERS)}
    db.close()
    assert len(files_under(data_dir / "originals")) == DISTINCT
    assert files_under(data_dir / "tmp") == []
