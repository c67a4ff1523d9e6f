"""CSRF protection on every form and every state-changing API call."""

import io
import re

import pytest
from support import PASSWORD, image_bytes, logged_in_client, scene

from archive.accounts import auth


def token_in(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                     page).group(0).rsplit('"', 2)[1]


@pytest.fixture
def admin(csrf_app, db):
    return logged_in_client(csrf_app, auth.add_user(db, "ada", PASSWORD, "admin"))


def state_changing_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def test_every_state_changing_route_refuses_a_request_without_a_token(csrf_app, admin, db):
    """Enumerated from the app, so a new POST route is covered the day it appears."""
    routes = list(state_changing_routes(csrf_app))
    assert len(routes) >= 10
    args = {"photo_id": 1, "user_id": 1, "token": "x", "sha256": "0" * 64, "name": "fit400.jpg",
            "facet": "set", "slug": "railway", "action": "edit", "suggestion_id": 1, "decision_id": 1,
            "key": 1, "batch_id": 1, "change_id": 1}
    for rule, method in routes:
        url = rule.build({k: v for k, v in args.items() if k in rule.arguments})[1]
        response = admin.open(url, method=method, data={"public": "0", "action": "disable"})
        assert response.status_code == 400, (method, url, response.status_code)
        if url.startswith("/api/"):
            assert response.json == {"error": "The CSRF token is missing."}
        else:
            assert "The CSRF token is missing." in response.text
    # Nothing changed: the admin is still enabled and logged in.
    assert not auth.find_user(db, "ada").disabled
    assert admin.get("/admin/users").status_code == 200


def test_logging_in_through_the_page_needs_the_pages_token(csrf_app, db):
    auth.add_user(db, "kim", PASSWORD)
    client = csrf_app.test_client()
    refused = client.post("/login", data={"username": "kim", "password": PASSWORD})
    assert refused.status_code == 400
    token = token_in(client.get("/login").text)
    response = client.post("/login", data={"username": "kim", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/upload").status_code == 200


def test_a_token_from_another_session_is_refused(csrf_app, db, admin):
    other = csrf_app.test_client()
    token = token_in(other.get("/login").text)
    response = admin.post("/admin/settings", data={"csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF session token is missing." in response.text or "do not match" in response.text


def test_api_upload_with_the_session_token_in_a_header(csrf_app, db):
    client = logged_in_client(csrf_app, auth.add_user(db, "kim", PASSWORD))
    photo = (io.BytesIO(image_bytes(scene(200, 150))), "p.jpg")
    refused = client.post("/api/uploads", data={"photos": [photo]}, content_type="multipart/form-data")
    assert refused.status_code == 400 and refused.json == {"error": "The CSRF token is missing."}
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
    token = client.get("/api/session").json["csrf_token"]
    photo = (io.BytesIO(image_bytes(scene(200, 150))), "p.jpg")
    response = client.post("/api/uploads", data={"photos": [photo]}, content_type="multipart/form-data",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "imported"


def test_api_visibility_with_the_token_from_the_pages_meta_tag(csrf_app, db, run_cli, make_image):
    run_cli("import", make_image())
    client = logged_in_client(csrf_app, auth.add_user(db, "kim", PASSWORD))
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/photos/1").text).group(1)
    response = client.post("/api/photos/1/visibility", json={"public": False}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and not db["photos"].get(1)["is_public"]


def test_every_form_on_the_pages_carries_a_token(csrf_app, admin, run_cli, make_image):
    run_cli("import", make_image(), "--trip", "t1")
    for url in ("/", "/photos/1", "/upload", "/admin/users", "/admin/settings"):
        page = admin.get(url).text
        forms = re.findall(r"<form\b.*?</form>", page, re.S)
        post_forms = [f for f in forms if 'method="post"' in f]
        assert post_forms or url == "/", url
        for form in post_forms:
            assert re.search(r'name="([a-z]+-)?csrf_token"', form), (url, form[:200])


def test_the_admins_add_user_form_works_with_its_token(admin, db):
    page = admin.get("/admin/users").text
    token = re.search(r'name="add-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin.post("/admin/users", data={"add-csrf_token": token, "add-username": "lee",
                                                 "add-password": PASSWORD, "add-role": "archivist"})
    assert response.status_code == 302
    assert auth.find_user(db, "lee").role == "archivist"


def test_an_anonymous_request_is_refused_before_its_body_is_read(csrf_app, data_dir):
    """Visitors get 401/redirect (not a CSRF error) and their upload is never parsed."""
    client = csrf_app.test_client()
    photo = (io.BytesIO(image_bytes(scene(200, 150))), "p.jpg")
    response = client.post("/api/uploads", data={"photos": [photo]}, content_type="multipart/form-data")
    assert response.status_code == 401
    assert response.json == {"error": "log in as an archivist first"}
    photo = (io.BytesIO(image_bytes(scene(200, 150))), "p.jpg")
    response = client.post("/upload", data={"photos": [photo]}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/upload"
    assert not (data_dir / "tmp").exists() or not list((data_dir / "tmp").iterdir())


def test_an_archivist_is_refused_admin_routes_before_csrf(csrf_app, db):
    client = logged_in_client(csrf_app, auth.add_user(db, "kim", PASSWORD))
    assert client.post("/admin/settings", data={}).status_code == 403
    assert client.delete("/api/photos/1").status_code == 403
