"""Elasticsearch down or hanging: a documented 5xx in Kibana's siem shape, never a hang."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.settings import Settings
from tests.conftest import status_path

BODY = {"query": {"match_all": {}}, "status": "closed"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung Elasticsearch)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def make(url: str, timeout: float = 2.0) -> TestClient:
    settings = Settings(
        ELASTICSEARCH_URL=url, ELASTICSEARCH_REQUEST_TIMEOUT=timeout, ELASTICSEARCH_MAX_RETRIES=0
    )
    # A well-formed key: with Elasticsearch gone it cannot even be checked, so 503/504, not 401.
    return TestClient(create_app(settings), headers={"authorization": "ApiKey aWQ6c2VjcmV0"})


def test_stopped_elasticsearch_gives_503() -> None:
    with make(f"http://127.0.0.1:{closed_port()}") as client:
        started = time.monotonic()
        response = client.post(status_path("default"), json=BODY)
        assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"message", "status_code"} and body["status_code"] == 503
    assert body["message"].startswith("Elasticsearch is unavailable")


def test_hung_elasticsearch_gives_504_within_the_timeout(black_hole: int) -> None:
    with make(f"http://127.0.0.1:{black_hole}", timeout=1.0) as client:
        started = time.monotonic()
        response = client.post(status_path("default"), json=BODY)
        elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["status_code"] == 504
    assert response.json()["message"].startswith("Elasticsearch did not answer in time")
    assert elapsed < 10  # start-up template check + the request: each bounded by the timeout


def test_health_says_unavailable_without_leaking_the_url() -> None:
    port = closed_port()
    secret_url = f"http://elastic:s3cret-pass@127.0.0.1:{port}"
    with make(secret_url) as client:  # its key cannot be checked: the anonymous view
        anonymous = client.get("/api/status")
    settings = Settings(
        ELASTICSEARCH_URL=secret_url, ELASTICSEARCH_MAX_RETRIES=0, auth_enabled=False
    )
    with TestClient(create_app(settings)) as client:  # everyone is an admin: the detailed view
        detailed = client.get("/api/status")
    assert (anonymous.status_code, anonymous.json()) == (
        503,
        {"status": {"overall": {"level": "unavailable"}}},
    )
    assert detailed.status_code == 503
    body = detailed.json()
    assert body["status"]["overall"]["level"] == "unavailable"
    assert body["elasticsearch"]["reachable"] is False
    assert "s3cret-pass" not in detailed.text
