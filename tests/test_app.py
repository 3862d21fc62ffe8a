"""The app factory, the error handler's problem+json shapes, the OpenAPI document."""

from flask.testing import FlaskClient
from openapi_spec_validator import validate

from kb import create_app
from kb.settings import load_settings


def test_factory_builds_independent_apps_without_touching_the_database() -> None:
    # port 1 has nothing listening: building the app must not connect
    settings = load_settings({"NEO4J_URI": "bolt://127.0.0.1:1"})
    a, b = create_app(settings), create_app(settings)
    assert a is not b
    assert a.extensions["kb.db"] is not b.extensions["kb.db"]
    assert a.extensions["kb.db"]._driver is None
    assert a.test_client().get("/healthz").status_code == 200


def test_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.content_type == "application/problem+json"
    assert r.json is not None
    assert r.json["status"] == 404 and r.json["title"] == "Not Found"
    assert {"type", "title", "status", "detail"} <= set(r.json)


def test_wrong_method_is_a_405_problem_with_allow(client: FlaskClient) -> None:
    r = client.delete("/healthz")
    assert r.status_code == 405
    assert r.content_type == "application/problem+json"
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert r.json is not None and r.json["status"] == 405


def test_openapi_document_is_valid_openapi_3(client: FlaskClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200, r.data
    spec = r.json
    assert spec is not None and spec["openapi"].startswith("3.")
    validate(spec)
    assert "/readyz" in spec["paths"] and "/healthz" in spec["paths"]
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert "application/problem+json" in error


def test_docs_page_renders_with_local_assets(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in html and "openapi.json" in html
    assets = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert assets.status_code == 200 and len(assets.data) > 100_000


def test_cors_headers_are_sent(client: FlaskClient) -> None:
    r = client.get("/healthz", headers={"Origin": "https://dashboard.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
