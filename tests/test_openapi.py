"""The OpenAPI description of /api/: a valid OpenAPI 3 document, generated
from the contract's declarations, naming every /api/ route the app has, and
true of a real server (a bounded schemathesis run)."""

import copy
import http.client
import json
import re
import tempfile
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from iiif_helpers import ingest, live_server
from openapi_spec_validator import validate
from support import PASSWORD

from archive import create_app


def generated_document():
    """The document a fresh archive serves at /api/openapi.json."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder) / "media", "TESTING": True, "SECRET_KEY": "t"})
        return app.test_client().get("/api/openapi.json").get_json()


SPEC = generated_document()
OPERATIONS = [(path, method.upper()) for path, item in SPEC["paths"].items() for method in item]
# Run against a server of their own, so they cannot take away the photos the
# other operations are tried on.
DESTRUCTIVE = {("/api/photos/{photo_id}", "DELETE")}


def test_served_document_is_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on any breach of the OpenAPI 3 schema


def test_an_invalid_document_is_caught():
    """The validator is not a rubber stamp: a response without a description fails."""
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    broken = copy.deepcopy(SPEC)
    del broken["paths"]["/api/photos"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def openapi_path(rule):
    """A Werkzeug rule as an OpenAPI path template: /api/x/<int:y> -> /api/x/{y},
    whatever the converter (<y>, <path:y>, <any(a, b):y>)."""
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule)


def described_operations():
    return {(path, method.upper()) for path, item in SPEC["paths"].items() for method in item}


def routed_operations(app):
    return {(openapi_path(rule.rule), method)
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_described(app):
    assert routed_operations(app) == described_operations()


@pytest.mark.parametrize("rule, expected", [
    ("/api/photos/<int:photo_id>", "/api/photos/{photo_id}"),
    ("/api/tags/<facet>/<path:slug>", "/api/tags/{facet}/{slug}"),
    ("/api/tags/<facet>/<path:slug>/<any(edit, rename, merge):action>", "/api/tags/{facet}/{slug}/{action}"),
    ("/api/x/<string(length=2):code>", "/api/x/{code}"),
])
def test_route_templates_handle_any_converter(rule, expected):
    assert openapi_path(rule) == expected


def test_an_undescribed_route_is_caught(app):
    """The route check is strict: a new /api/ route or method without a description fails it."""
    app.add_url_rule("/api/things/<any(a, b):kind>", "things", lambda kind: "", methods=["GET"])
    app.add_url_rule("/api/search", "search_post", lambda: "", methods=["POST"])
    missing = routed_operations(app) - described_operations()
    assert missing == {("/api/things/{kind}", "GET"), ("/api/search", "POST")}


def test_protected_operations_say_who_may_call_them():
    spec = SPEC
    session = spec["components"]["securitySchemes"]["session"]
    assert (session["type"], session["in"], session["name"]) == ("apiKey", "cookie", "session")
    assert spec["components"]["securitySchemes"]["csrf"]["name"] == "X-CSRFToken"
    delete = spec["paths"]["/api/photos/{photo_id}"]["delete"]
    assert "admin" in delete["description"] and {"401", "403"} <= set(delete["responses"])
    assert spec["paths"]["/api/uploads"]["post"]["security"] == [{"session": [], "csrf": []}]
    assert "X-CSRFToken" in spec["paths"]["/api/uploads"]["post"]["responses"]["400"]["description"]
    assert "security" not in spec["paths"]["/api/photos"]["get"]


def test_upload_api_without_the_optional_fields(client, archivist_client):
    """Found by the schemathesis run: leaving out trip and photographer was a 500.
    Uploading needs an archivist: anonymous is a 401."""
    import io

    from support import image_bytes, scene

    def form():
        return {"photos": (io.BytesIO(image_bytes(scene(80, 60))), "a.jpg")}

    anonymous = client.post("/api/uploads", data=form(), content_type="multipart/form-data")
    assert anonymous.status_code == 401 and "error" in anonymous.get_json()
    response = archivist_client.post("/api/uploads", data=form(), content_type="multipart/form-data")
    assert response.status_code == 200, response.text
    [outcome] = response.get_json()["results"]
    assert outcome["status"] == "imported"


def test_a_photo_id_beyond_sqlite_integers_is_404_not_500(client):
    """Found by the schemathesis run: a 20-digit id overflowed SQLite."""
    response = client.get("/api/photos/28095456175148220416")
    assert response.status_code == 404
    assert "error" in response.get_json()
    assert client.get("/photos/28095456175148220416").status_code == 404


@pytest.mark.parametrize("method, url", [
    ("GET", "/api/review?limit=%C2%B2"),  # "²" passes str.isdigit() but not int()
    ("GET", "/api/review/28095456175148220416"),
    ("POST", "/api/review/28095456175148220416/decision"),
    ("POST", "/api/review/decisions/28095456175148220416/undo"),
])
def test_review_api_bad_numbers_are_not_500(archivist_client, method, url):
    """Found while describing the review API: these were 500s."""
    response = archivist_client.open(url, method=method, json={"decision": "duplicate"})
    assert response.status_code in (200, 404), response.text
    if "limit" in url:
        assert response.get_json()["suggestions"] == []
    else:
        assert "error" in response.get_json()


@contextmanager
def serve(data_dir):
    """A real server on 127.0.0.1 over data_dir, with two photos and a third
    that nearly duplicates the first (so the review queue has a pair), and a
    cookie of its admin "ada" who logged in through the real /login form."""
    from support import image_bytes, scene

    from archive import create_app
    from archive import db as archive_db
    from archive.accounts import auth

    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    db = archive_db.connect(data_dir)
    for seed in (1, 2):
        path = data_dir.parent / f"p{seed}.jpg"
        path.write_bytes(image_bytes(scene(160, 120, seed)))
        ingest(app, db, path, tags=[("set", "railway")])
    near_copy = data_dir.parent / "p1-small.jpg"
    near_copy.write_bytes(image_bytes(scene(160, 120, 1).resize((120, 90))))
    ingest(app, db, near_copy)
    auth.add_user(db, "ada", PASSWORD, "admin")
    db.close()
    with live_server(app) as base:
        yield base, log_in(base, "ada")


def call(base, method, path, cookie=None, form=None):
    """One plain HTTP request, redirects not followed: (status, headers, JSON or None)."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response.status, response.headers, json.loads(data) if is_json else None


def log_in(base, username):
    """The session cookie the real /login form gives username."""
    status, headers, _ = call(base, "POST", "/login", form={"username": username, "password": PASSWORD})
    assert status == 302, status
    cookies = SimpleCookie()
    for line in headers.get_all("Set-Cookie"):
        cookies.load(line)
    return cookies["session"].value


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("openapi") / "media") as running:
        yield running


@pytest.fixture(scope="module")
def scratch_server(tmp_path_factory):
    """For destructive operations: its photos may be deleted."""
    with serve(tmp_path_factory.mktemp("openapi-scratch") / "media") as running:
        yield running


# A schema-valid request these operations may still refuse with a 400 by
# design, as no schema can say it: a tag outside the controlled vocabulary
# (uploads, tag changes), a primary_id outside the pair's group (decisions),
# a query that is not in the search language, e.g. "(" (searches), a date
# that is not a date ("2019-13") or a title past its length (photo edits), a
# name that makes no slug ("!") or one that is taken (new tags).
REFUSES_VALID_LOOKING = {("/api/uploads", "POST"), ("/api/photos/{photo_id}/tags", "POST"),
                         ("/api/photos/{photo_id}", "PATCH"), ("/api/tags", "POST"),
                         ("/api/review/{suggestion_id}/decision", "POST"),
                         # photo ids outside the cluster; suggestions that are not plain copies.
                         ("/api/review/clusters/{key}/decision", "POST"), ("/api/review/plain/accept", "POST"),
                         ("/api/search", "GET"), ("/api/search.csv", "GET"),
                         # ids and q together, or a q that does not parse.
                         ("/api/export.json", "GET"), ("/api/export.csv", "GET")}


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_server_keeps_to_its_description(request, path, method):
    base, cookie = request.getfixturevalue("scratch_server" if (path, method) in DESTRUCTIVE else "server")
    operation = schemathesis.openapi.from_dict(copy.deepcopy(SPEC))[path][method]
    refuses = (path, method) in REFUSES_VALID_LOOKING
    excluded = [schemathesis.checks.positive_data_acceptance] if refuses else []

    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        # Status codes, content types and bodies must be what the document
        # says; no 5xx. As the admin, so protected operations are exercised
        # past their 401 (schemathesis also retries them without the cookie).
        # The server checks no CSRF token (test_csrf.py does): one is sent so
        # that the run's credentials are all its own, none made up by it.
        response = case.call_and_validate(base_url=base, timeout=30, excluded_checks=excluded,
                                          headers={"Cookie": f"session={cookie}", "X-CSRFToken": "unchecked"})
        statuses.append(response.status_code)

    statuses = []
    run()
    # The cookie really logged the run in: not every answer was "log in first".
    assert set(statuses) - {401}, statuses


def test_deleting_a_photo_through_the_api(tmp_path):
    """DELETE /api/photos/{id}: admins only; the row and its files go, nothing else."""
    from archive import db as archive_db
    from archive.accounts import auth

    data_dir = tmp_path / "media"
    with serve(data_dir) as (base, admin):
        db = archive_db.connect(data_dir)
        auth.add_user(db, "archie", PASSWORD, "archivist")
        db.close()
        archivist = log_in(base, "archie")
        files_before = sorted(p for p in data_dir.rglob("*") if p.is_file())
        sha = call(base, "GET", "/api/photos/2")[2]["sha256"]
        assert [p for p in files_before if sha in str(p)]

        status, _, body = call(base, "DELETE", "/api/photos/2")
        assert status == 401 and "error" in body
        status, _, body = call(base, "DELETE", "/api/photos/2", cookie=archivist)
        assert status == 403 and "error" in body
        assert call(base, "GET", "/api/photos/2")[0] == 200

        assert call(base, "DELETE", "/api/photos/2", cookie=admin)[::2] == (200, {"deleted": [2]})
        assert call(base, "GET", "/api/photos/2")[0] == 404
        status, _, body = call(base, "DELETE", "/api/photos/2", cookie=admin)
        assert status == 404 and "error" in body
        files_after = sorted(p for p in data_dir.rglob("*") if p.is_file())
        assert len(files_after) < len(files_before)
        # Served from nowhere; the original waits in the trash until purged.
        assert [p.relative_to(data_dir).parts[0] for p in files_after if sha in str(p)] == ["trash"]
        assert call(base, "GET", "/api/photos/1")[0] == 200


def test_versions_never_name_a_photo_the_visitor_may_not_see(app, db, client, tmp_path):
    """Found while describing /versions: with a private primary, a visitor was
    told its id as "primary" though "versions" (rightly) left it out."""
    from support import image_bytes, scene

    from archive.catalogue import settings
    from archive.dedup import decisions as duplicates

    small, large = tmp_path / "small.jpg", tmp_path / "large.jpg"
    small.write_bytes(image_bytes(scene(160, 120, 1).resize((120, 90))))
    large.write_bytes(image_bytes(scene(160, 120, 1)))
    small_id, large_id = ingest(app, db, small), ingest(app, db, large)
    [suggestion] = duplicates.queue(db)
    duplicates.decide(db, suggestion["id"], "duplicate", "ada", primary_id=large_id)
    settings.set_visibility(db, [large_id], False)

    body = client.get(f"/api/photos/{small_id}/versions").get_json()
    assert [v["id"] for v in body["versions"]] == [small_id]
    assert body["primary"] == small_id
    assert large_id not in [p["id"] for p in body["provenance"]]
