"""Each dialect renders auth errors (alertstatus.auth.models) in its own shape."""

from __future__ import annotations

import orjson
import pytest
from starlette.requests import Request

from alertstatus.api.errors import CHAD, UTMSTACK
from alertstatus.errors import Forbidden, Unauthenticated
from alertstatus.settings import Settings

BAD_TOKEN = {"authorization": "Bearer not-a-valid-token"}


def request(path: str) -> Request:
    return Request(
        {"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""}
    )


def test_chad_403_and_401_bodies() -> None:
    forbidden = CHAD.render(request("/api/alerts/x"), Forbidden("Not enough permissions"))
    assert forbidden.status_code == 403
    assert orjson.loads(forbidden.body) == {"detail": "Not enough permissions"}
    unauthenticated = CHAD.render(request("/api/alerts/x"), Unauthenticated("Not authenticated"))
    assert (unauthenticated.status_code, orjson.loads(unauthenticated.body)) == (
        401,
        {"detail": "Not authenticated"},
    )


def test_utmstack_401_is_springs_shape() -> None:
    response = UTMSTACK.render(request("/api/utm-alerts/status"), Unauthenticated("Bad token"))
    body = orjson.loads(response.body)
    assert response.status_code == 401
    assert list(body) == ["timestamp", "status", "error", "message", "path"]
    assert (body["status"], body["error"], body["path"]) == (
        401,
        "Unauthorized",
        "/api/utm-alerts/status",
    )


def test_invalid_token_is_refused_in_each_dialects_shape(make_client) -> None:
    client = make_client(auth_enabled=True)
    chad = client.patch("/api/alerts/x", json={"status": "new"}, headers=BAD_TOKEN)
    assert chad.status_code == 401 and set(chad.json()) == {"detail"}
    utm = client.post(
        "/api/utm-alerts/status",
        headers=BAD_TOKEN,
        json={"alertIds": ["c1c4e32c-dd9f-4a15-98c4-0dac2af40740"], "status": 3},
    )
    assert utm.status_code == 401 and utm.json()["error"] == "Unauthorized"


def test_dialect_spaces_are_validated() -> None:
    with pytest.raises(ValueError, match="space_id"):
        Settings(chad_space_id="_all")
