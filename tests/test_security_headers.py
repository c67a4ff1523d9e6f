"""HTTP hardening: headers on every response, no inline script, no path traversal."""

import re
from pathlib import Path

import pytest
from support import json_lines

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def photo(run_cli, make_image, db):
    [line] = json_lines(run_cli("import", make_image(), "--json").output)
    return db["photos"].get(line["photo_id"])


def test_every_kind_of_response_carries_the_security_headers(client, archivist_client, photo):
    urls = ["/", f"/photos/{photo['id']}", "/api/photos", f"/api/photos/{photo['id']}",
            f"/media/{photo['sha256']}/fit400.jpg", "/static/archive.css", "/login",
            "/no-such-page", "/api/no-such-thing"]
    for c, url in [(client, u) for u in urls] + [(archivist_client, f"/photos/{photo['id']}/original")]:
        with c.get(url) as response:
            csp = response.headers.get("Content-Security-Policy", "")
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, url
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
            assert "default-src 'self'" in csp and "base-uri 'self'" in csp, url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            assert response.headers["X-Frame-Options"] == "DENY", url


def test_originals_are_attachments_with_a_safe_type(archivist_client, photo):
    with archivist_client.get(f"/photos/{photo['id']}/original") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["Content-Disposition"] == f"attachment; filename=photo-{photo['id']}.jpg"


def test_templates_have_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            assert "src=" in match.group(0), f"inline script in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path.name}"
        assert not re.search(r"\sstyle\s*=", text), f"inline style in {path.name}"
        assert "<style" not in text, f"style element in {path.name}"


@pytest.mark.parametrize("url", [
    "/media/../archive.db",
    "/media/%2e%2e/%2e%2e/archive.db",
    "/media/{sha}/..%2F..%2F..%2Farchive.db",
    "/media/{sha}/../../secret_key",
    "/media/{sha}/%2e%2e%2fsecret_key",
    "/media/..%2F{sha}/fit400.jpg",
    "/media/{sha}/fit400.jpg%00.png",
    "/media/{SHA}/fit400.jpg",
    "/media/{sha}/fit999.jpg",
    "/static/../archive.db",
    "/static/..%2f..%2farchive.db",
    "/static/%2e%2e/%2e%2e/media/archive.db",
    "/photos/..%2F..%2Farchive.db/original",
    "/photos/1/../../archive.db",
])
def test_no_path_traversal_through_media_or_static_routes(url, archivist_client, photo, data_dir):
    (data_dir / "secret_key").write_text("do not serve me")
    url = url.format(sha=photo["sha256"], SHA=photo["sha256"].upper())
    with archivist_client.get(url) as response:
        assert response.status_code in (404, 400), (url, response.status_code)
        assert b"SQLite format" not in response.data and b"do not serve me" not in response.data


def test_public_pages_set_no_cookie_for_visitors(client, photo):
    # So shared caches can keep them, and nobody gets a session just by looking.
    for url in ("/", f"/photos/{photo['id']}", "/api/photos"):
        assert "Set-Cookie" not in client.get(url).headers, url
