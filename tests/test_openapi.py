"""The OpenAPI description of /api/: a valid OpenAPI 3 document, naming every
/api/ route the app has, and true of a real server (a bounded schemathesis run)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate

from archive import openapi
from iiif_helpers import ingest, live_server

OPERATIONS = [(path, method.upper()) for path, item in openapi.SPEC["paths"].items() for method in item]


def test_served_document_is_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on any breach of the OpenAPI 3 schema


def test_an_invalid_document_is_caught():
    """The validator is not a rubber stamp: a response without a description fails."""
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    broken = openapi.spec()
    del broken["paths"]["/api/photos"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_api_route_is_described(app):
    described = {path.replace("{photo_id}", "<int:photo_id>") for path in openapi.SPEC["paths"]}
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == described


def test_upload_api_without_the_optional_fields(client):
    """Found by the schemathesis run: leaving out trip and photographer was a 500."""
    import io

    from conftest import image_bytes, scene

    response = client.post("/api/uploads", data={"photos": (io.BytesIO(image_bytes(scene(80, 60))), "a.jpg")},
                           content_type="multipart/form-data")
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server on 127.0.0.1 with two photos, for the whole module."""
    from archive import create_app
    from archive import db as archive_db
    from conftest import image_bytes, scene

    data_dir = tmp_path_factory.mktemp("openapi") / "media"
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    db = archive_db.connect(data_dir)
    for seed in (1, 2):
        path = data_dir.parent / f"p{seed}.jpg"
        path.write_bytes(image_bytes(scene(160, 120, seed)))
        ingest(app, db, path, tags=[("set", "railway")])
    db.close()
    with live_server(app) as base:
        yield base


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_server_keeps_to_its_description(server, path, method):
    operation = schemathesis.openapi.from_dict(openapi.spec())[path][method]

    # A well-formed upload can still name a tag outside the controlled
    # vocabulary, which is a 400 by design: no schema can list every tag.
    excluded = [schemathesis.checks.positive_data_acceptance] if path == "/api/uploads" else []

    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        # Status codes, content types and bodies must be what the document says; no 5xx.
        case.call_and_validate(base_url=server, timeout=30, excluded_checks=excluded)

    run()
