"""Test session fixtures: one real Elasticsearch for the whole run, a fresh space per test.

`make test` runs each engine's session on two pytest-xdist workers (docs/elasticsearch.md,
"Tests"): each worker is a session of its own with its own node, and every test works in a fresh
space of its own, so the two never meet.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.engine.indices import alerts_alias
from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.runtime import ElasticsearchStartError
from alertstatus.settings import Settings
from tests.nodes import elasticsearch_for_tests


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """ELASTICSEARCH_URL, else testcontainers, else a local node; in CI a failure fails the run."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(elasticsearch_for_tests(Settings()))
        except ElasticsearchStartError as error:
            if os.environ.get("CI"):
                pytest.fail(f"Elasticsearch could not start in CI: {error}", pytrace=False)
            pytest.skip(f"no Elasticsearch here: {error}")
        yield url


class Es:
    """Direct, synchronous access to the test cluster, to seed and inspect alerts."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=120)

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        content = None
        headers = {"content-type": "application/json"}
        if isinstance(body, list):
            content = b"".join(orjson.dumps(line) + b"\n" for line in body)
            headers["content-type"] = "application/x-ndjson"
        elif body is not None:
            content = orjson.dumps(body)
        response = self.http.request(method, path, content=content, headers=headers, params=params)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def bulk(self, lines: list[dict[str, Any]]) -> None:
        result = self.call("POST", "/_bulk", lines, refresh="true")
        assert not result["errors"], result

    def sources(self, index: str) -> dict[str, dict[str, Any]]:
        """Every document of an index or alias, `_id` to `_source`."""
        self.call("POST", f"/{index}/_refresh")
        hits = self.call("POST", f"/{index}/_search", {"size": 10_000, "query": {"match_all": {}}})[
            "hits"
        ]["hits"]
        return {hit["_id"]: hit["_source"] for hit in hits}

    def history(self, source: dict[str, Any]) -> list[dict[str, Any]]:
        """An alert's status history joined with its change records, by the service's reader."""
        from alertstatus.engine.history import StatusHistory

        return run_with_gateway(self.url, lambda gateway: StatusHistory(gateway).entries(source))


@pytest.fixture(scope="session")
def es(es_url: str) -> Es:
    return Es(es_url)


@pytest.fixture(scope="session")
def cluster_version(es_url: str) -> ClusterVersion:
    """What the session's cluster runs (`Elasticsearch 7.10.2`, `OpenSearch 3.8.0`, ...)."""
    return ClusterVersion.from_info(httpx.get(es_url).json())


@pytest.fixture
def space() -> str:
    """A space of this test's own, so tests never see each other's alerts."""
    return f"t-{uuid.uuid4().hex[:12]}"


def run_with_gateway(es_url: str, work: Callable[[Any], Any]) -> Any:
    """Run `await work(gateway)` against the test cluster, through the service's own gateway."""
    import asyncio

    from alertstatus.es.gateway import ConnectionSettings, Gateway

    async def run() -> Any:
        gateway = Gateway(ConnectionSettings(url=es_url))
        try:
            return await work(gateway)
        finally:
            await gateway.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # A loop already runs in this thread (Playwright's sync API, tests/browser/): use another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, run()).result()


def run_with_key_store(es_url: str, work: Callable[[Any], Any]) -> Any:
    """Run `work(store)` against the test cluster's API key store, through the service's code."""
    from alertstatus.auth.api_keys import ApiKeyStore

    return run_with_gateway(
        es_url, lambda gateway: work(ApiKeyStore(gateway, Settings().api_key_index))
    )


@pytest.fixture(scope="session")
def make_key(es_url: str) -> Callable[..., str]:
    """Create an API key; returns its `Authorization` header value."""
    from alertstatus.auth.models import Role

    def make(role: str = "admin", spaces: tuple[str, ...] | None = None, **options: Any) -> str:
        key = run_with_key_store(
            es_url, lambda store: store.create(role=Role(role), spaces=spaces, **options)
        )
        return key.header

    return make


@pytest.fixture(scope="session")
def admin_authorization(make_key: Callable[..., str]) -> str:
    """An all-spaces admin key: what `client` and `make_client` send unless told otherwise."""
    return make_key("admin", None, name="test admin")


@pytest.fixture
def make_client(es_url: str, admin_authorization: str) -> Iterator[Callable[..., TestClient]]:
    """Build an API client on the real node; keyword arguments override settings.

    The client authenticates as an all-spaces admin; `authorization=None` gives an anonymous
    client and `authorization="ApiKey ..."` another caller (see `make_key`).
    """
    clients: list[TestClient] = []

    def make(*, authorization: str | None = admin_authorization, **overrides: Any) -> TestClient:
        values: dict[str, Any] = {"ELASTICSEARCH_URL": es_url, **overrides}
        client = TestClient(create_app(Settings(**values)))
        if authorization:
            client.headers["authorization"] = authorization
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def status_path(space_id: str | None) -> str:
    prefix = f"/s/{space_id}" if space_id else ""
    return f"{prefix}/api/detection_engine/signals/status"


@pytest.fixture
def alias(space: str) -> str:
    return alerts_alias(space)


def create_space(es_url: str, space_id: str) -> str:
    """Create a space's alerts index the way the service does, through its own code."""
    from alertstatus.engine.indices import AlertIndices

    return run_with_gateway(es_url, lambda gateway: AlertIndices(gateway).ensure_space(space_id))


@pytest.fixture
def seed(es: Es, es_url: str) -> Callable[..., dict[str, dict[str, Any]]]:
    """Write alerts into a space (through its alias) and return `_id` to `_source`."""
    from datetime import UTC, datetime

    from alertstatus.demo import bulk_lines

    def write(
        space_id: str,
        count: int,
        *,
        start: datetime = datetime(2024, 11, 1, tzinfo=UTC),
        end: datetime = datetime(2024, 12, 1, tzinfo=UTC),
        first: int = 0,
        **options: Any,
    ) -> dict[str, dict[str, Any]]:
        alias = create_space(es_url, space_id)
        lines = list(
            bulk_lines(
                alias,
                space_id,
                range(first, first + count),
                start=start,
                end=end,
                seed=first,
                **options,
            )
        )
        es.bulk(lines)
        return es.sources(alias)

    return write
