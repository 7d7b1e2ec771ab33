"""A local 3-node cluster for the fault tests, and what they check after each fault.

The cluster (es/cluster.py) is started once, by the first fault test that asks for it, and
stopped after the last test of this folder (package scope: the rest of the suite runs without
it): three JVMs of the session's engine, one node each, so one can be killed with SIGKILL alone.
Alerts live in indices of 3 shards and 1 replica (ALERTSTATUS_ALERTS_SHARDS,
ALERTSTATUS_ALERTS_REPLICAS), so every node holds primaries and every shard survives one node.

What every fault test checks (docs/reliability.md): the answer comes within a bound, no alert
outside the selection changes, and every alert inside is either changed with its history entry
and change record, or unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.demo import bulk_lines
from alertstatus.engine.history import RECORDS_INDEX, stored_entries
from alertstatus.engine.indices import AlertIndices, alerts_alias, alerts_index_settings
from alertstatus.es.cluster import LocalCluster, temporary_cluster
from alertstatus.es.gateway import ConnectionSettings, Gateway
from alertstatus.es.runtime import ElasticsearchStartError
from alertstatus.settings import Settings

SHARDS, REPLICAS = 3, 1
HEAP = "512m"
# The fields a status change may write; everything else in an alert must stay as it was.
WORKFLOW_FIELDS = frozenset(
    {
        "kibana.alert.workflow_status",
        "kibana.alert.workflow_user",
        "kibana.alert.workflow_status_updated_at",
        "kibana.alert.workflow_reason",
        "kibana.alert.workflow_tags",
        "alertstatus.history",
    }
)


@pytest.fixture(scope="package")
def cluster() -> Iterator[LocalCluster]:
    """Three nodes of the session's engine; in CI a cluster that cannot start fails the run."""
    settings = Settings()
    if settings.elasticsearch_url:
        pytest.skip("the fault tests run on a local cluster, not on ELASTICSEARCH_URL")
    with contextlib.ExitStack() as stack:
        try:
            started = time.monotonic()
            local = stack.enter_context(temporary_cluster(settings, heap=HEAP))
            print(f"\n3-node cluster formed in {time.monotonic() - started:.1f}s")
        except ElasticsearchStartError as error:
            if os.environ.get("CI"):
                pytest.fail(f"the 3-node cluster could not start in CI: {error}", pytrace=False)
            pytest.skip(f"no 3-node cluster here: {error}")
        yield local


def run_async(url: str, work: Callable[[Gateway], Any]) -> Any:
    """`await work(gateway)` with the service's own gateway on `url`."""

    async def run() -> Any:
        gateway = Gateway(ConnectionSettings(url=url))
        try:
            return await work(gateway)
        finally:
            await gateway.close()

    return asyncio.run(run())


@pytest.fixture(scope="package")
def cluster_authorization(cluster: LocalCluster) -> str:
    """An all-spaces admin key stored in the cluster (so no app bootstraps one)."""
    from alertstatus.auth.api_keys import ApiKeyStore
    from alertstatus.auth.models import Role

    key = run_async(
        cluster.url,
        lambda gateway: ApiKeyStore(gateway, Settings().api_key_index).create(
            role=Role.ADMIN, name="fault tests"
        ),
    )
    return key.header


@pytest.fixture
def service(
    cluster: LocalCluster, cluster_authorization: str
) -> Iterator[Callable[..., TestClient]]:
    """`service(node)`: the app talking to node `node` of the cluster (0-based)."""
    clients: list[TestClient] = []

    def make(node: int = 0, **overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "ELASTICSEARCH_URL": cluster.nodes[node].url,
            "alerts_shards": SHARDS,
            "alerts_replicas": REPLICAS,
            "auth_bootstrap_admin_key": False,
            **overrides,
        }
        client = TestClient(create_app(Settings(**values)))
        client.headers["authorization"] = cluster_authorization
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):
            client.__exit__(None, None, None)


@pytest.fixture
def space() -> str:
    return f"f-{uuid.uuid4().hex[:12]}"


class Data:
    """Direct access to the cluster's data, through whichever node answers."""

    def __init__(self, cluster: LocalCluster) -> None:
        self.cluster = cluster

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.cluster.url_of_any(), timeout=120)

    def seed(self, space_id: str, count: int, *, first: int = 0) -> None:
        """`count` open alerts in a space whose index has SHARDS shards and REPLICAS replicas."""
        alias = run_async(
            self.cluster.url_of_any(),
            lambda gateway: AlertIndices(
                gateway, index_settings=alerts_index_settings(SHARDS, REPLICAS)
            ).ensure_space(space_id),
        )
        lines = bulk_lines(
            alias,
            space_id,
            range(first, first + count),
            start=datetime(2024, 11, 1, tzinfo=UTC),
            end=datetime(2024, 12, 1, tzinfo=UTC),
            seed=first,
        )
        batch: list[bytes] = []
        with self.http() as http:
            for line in lines:
                if "kibana.alert.uuid" in line:  # a UUID, as UTMStack names alerts
                    line["kibana.alert.uuid"] = str(uuid.UUID(line["kibana.alert.uuid"][:32]))
                batch.append(orjson.dumps(line))
                if len(batch) == 10_000:
                    self._bulk(http, batch)
                    batch = []
            if batch:
                self._bulk(http, batch)
            http.post(f"/{alias}/_refresh").raise_for_status()
        self.wait_for_green()

    def wait_for_green(self) -> None:
        """Every shard copy assigned: a node killed before is back and has recovered."""
        with self.http() as http:
            health = http.get(
                "/_cluster/health", params={"wait_for_status": "green", "timeout": "60s"}
            )
            assert health.json()["status"] == "green", health.text

    @staticmethod
    def _bulk(http: httpx.Client, lines: list[bytes]) -> None:
        response = http.post(
            "/_bulk",
            content=b"\n".join(lines) + b"\n",
            headers={"content-type": "application/x-ndjson"},
        )
        response.raise_for_status()
        assert not response.json()["errors"], response.text[:2000]

    def alerts(self, space_id: str) -> dict[str, dict[str, Any]]:
        """Every alert of a space, `_id` to `_source` (scrolled: tens of thousands)."""
        alias = alerts_alias(space_id)
        found: dict[str, dict[str, Any]] = {}
        with self.http() as http:
            http.post(f"/{alias}/_refresh").raise_for_status()
            page = http.post(
                f"/{alias}/_search",
                params={"scroll": "1m"},
                json={"size": 5_000, "sort": ["_doc"]},
            ).json()
            while page["hits"]["hits"]:
                found.update({hit["_id"]: hit["_source"] for hit in page["hits"]["hits"]})
                page = http.post(
                    "/_search/scroll", json={"scroll": "1m", "scroll_id": page["_scroll_id"]}
                ).json()
            http.request("DELETE", "/_search/scroll", json={"scroll_id": page["_scroll_id"]})
        return found

    def records(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """The change records of these ids that exist."""
        if not ids:
            return {}
        with self.http() as http:
            docs = http.post(f"/{RECORDS_INDEX}/_mget", json={"ids": sorted(ids)}).json()["docs"]
        return {doc["_id"]: doc["_source"] for doc in docs if doc.get("found")}

    def running_updates(self) -> list[dict[str, Any]]:
        """The `_update_by_query` tasks running now, with their status."""
        with self.http() as http:
            body = http.get(
                "/_tasks",
                params={"actions": "indices:data/write/update/byquery", "detailed": "true"},
            ).json()
        return [
            task
            for node in (body.get("nodes") or {}).values()
            for task in (node.get("tasks") or {}).values()
            if not task.get("parent_task_id")
        ]


@pytest.fixture(scope="package")
def data(cluster: LocalCluster) -> Data:
    return Data(cluster)


@dataclass
class Verdict:
    """What a fault did to a space's alerts."""

    changed: set[str]  # moved to the target, each with one new entry pointing at a record
    unchanged: set[str]  # byte for byte as before


def judge(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    selected: set[str],
    target: str,
    *,
    records: Callable[[set[str]], dict[str, dict[str, Any]]],
) -> Verdict:
    """Every alert outside `selected` unchanged; inside, changed with its history entry and
    change record, or unchanged. Fails with the first alert that is neither."""
    assert set(after) == set(before), "alerts appeared or disappeared"
    changed: set[str] = set()
    unchanged: set[str] = set()
    new_entries: dict[str, str] = {}
    for alert_id, source in after.items():
        old = before[alert_id]
        if source == old:
            unchanged.add(alert_id)
            continue
        assert alert_id in selected, f"alert {alert_id} outside the selection changed"
        assert source["kibana.alert.workflow_status"] == target, (alert_id, source)
        kept = {key: value for key, value in source.items() if key not in WORKFLOW_FIELDS}
        was = {key: value for key, value in old.items() if key not in WORKFLOW_FIELDS}
        assert kept == was, f"alert {alert_id}: a field beyond the workflow changed"
        entries, old_entries = stored_entries(source), stored_entries(old)
        assert (
            entries[: len(old_entries)] == old_entries and len(entries) == len(old_entries) + 1
        ), f"alert {alert_id}: not exactly one new history entry: {entries}"
        new_entries[alert_id] = entries[-1][0]
        changed.add(alert_id)
    found = records(set(new_entries.values()))
    for alert_id, record_id in new_entries.items():
        assert record_id in found, f"alert {alert_id}: its entry's change record is missing"
        assert found[record_id]["target"]["status"] == target
    return Verdict(changed, unchanged)


class Background:
    """One call run in a thread, so the test can strike while it is in flight."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1)

    def run(self, call: Callable[[], Any]) -> Future[Any]:
        return self._pool.submit(call)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def background() -> Iterator[Background]:
    runner = Background()
    yield runner
    runner.close()


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; its value. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout}s: {what}")


@pytest.fixture
def restore(cluster: LocalCluster) -> Iterator[list[int]]:
    """Nodes a test killed: running again (and the cluster green) afterwards, even when the
    test failed."""
    killed: list[int] = []
    yield killed
    for index in killed:
        node = cluster.nodes[index]
        if node.process is None or node.process.poll() is not None:
            node.launch()
    if killed:
        cluster.wait_until_formed(180, status="green")
