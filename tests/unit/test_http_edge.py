"""The HTTP edge as a whole: every Kibana route under `/s/{space_id}` too, and an OpenAPI document
that lists each route once, with stable operation ids and the statuses it really answers.

Built from the app itself (no cluster needed: nothing here reaches Elasticsearch).
"""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from alertstatus.api.app import api_routes, create_app
from alertstatus.api.spaces import IN_SPACE_SUFFIX, SPACE_PREFIX
from alertstatus.settings import Settings

# Not Kibana's: these products know no spaces (their space is a setting), and Prometheus scrapes
# one fixed path.
UNSPACED = {
    ("PATCH", "/api/alerts/{alert_id}"),
    ("GET", "/api/alerts/{alert_id}"),
    ("POST", "/api/alerts/bulk/status"),
    ("POST", "/api/alerts/{alert_id}/comments"),
    ("GET", "/api/alerts/{alert_id}/comments"),
    ("POST", "/api/utm-alerts/status"),
    ("GET", "/api/utm-alerts/{alert_id}"),
    ("GET", "/metrics"),
}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(ELASTICSEARCH_URL="http://127.0.0.1:9"))


def routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every API route; `app` is built from exactly these routers."""
    assert app.openapi()["paths"]  # the app answers for the routes listed here
    return [
        (method, route.path, route) for route in api_routes() for method in sorted(route.methods)
    ]


def test_every_kibana_route_is_served_under_a_space_too(app: FastAPI) -> None:
    served = {(method, path) for method, path, _ in routes(app)}
    plain = {(method, path) for method, path in served if not path.startswith(SPACE_PREFIX)}
    twins = {(method, SPACE_PREFIX + path) for method, path in plain - UNSPACED}
    assert twins <= served
    assert plain >= UNSPACED
    assert served == plain | twins  # nothing under a space that does not exist without one
    assert ("GET", "/s/{space_id}/api/status") in served


def test_operation_ids_are_unique_and_name_the_route(app: FastAPI) -> None:
    operations = [
        (path, method, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]
    ids = Counter(operation["operationId"] for _, _, operation in operations)
    assert [name for name, count in ids.items() if count > 1] == []
    by_path = {(path, method): operation["operationId"] for path, method, operation in operations}
    assert by_path[("/api/detection_engine/signals/status", "post")] == "set_alerts_status"
    assert by_path[("/s/{space_id}/api/detection_engine/signals/status", "post")] == (
        "set_alerts_status" + IN_SPACE_SUFFIX
    )
    assert len(operations) == len(routes(app))  # each route once, no path listed twice


def test_space_routes_document_their_space_parameter(app: FastAPI) -> None:
    for path, methods in app.openapi()["paths"].items():
        for operation in methods.values():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            assert ("space_id" in names) == path.startswith(SPACE_PREFIX), path


def test_documented_statuses_are_the_ones_answered(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for method, path, route in routes(app):
        responses = paths[path][method.lower()]["responses"]
        dialect = route.error_dialect.name  # type: ignore[attr-defined]
        if dialect != "chad":
            assert "422" not in responses, (method, path)
        if path.endswith("/api/status"):
            assert "503" in responses
            continue
        assert {"401", "403"} <= responses.keys(), (method, path)
        if route.body_field is not None:
            assert {"400", "413"} <= responses.keys(), (method, path)
    chad_bulk = paths["/api/alerts/bulk/status"]["post"]["responses"]
    assert {"400", "409", "422"} <= chad_bulk.keys()  # CHAD is FastAPI: 422 stays its answer
