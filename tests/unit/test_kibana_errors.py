"""Anything unexpected on a Kibana route is Kibana's 500, with no detail of what went wrong."""

from __future__ import annotations

import socket

from fastapi import APIRouter
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.api.errors import KIBANA, dialect_route
from alertstatus.settings import Settings


def test_unexpected_error_is_500_internal_server_error_in_siem_shape() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(
        Settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{port}", ELASTICSEARCH_MAX_RETRIES=0)
    )
    router = APIRouter(route_class=dialect_route(KIBANA))

    @router.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail: password=hunter2")

    app.include_router(router)
    with TestClient(app) as client:
        response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error", "status_code": 500}
    assert "hunter2" not in response.text
