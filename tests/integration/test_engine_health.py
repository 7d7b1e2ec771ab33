"""`GET /api/status` tells a usable cluster from one that only answers `GET /` (es/health.py), and
a local node never outlives the process that started it (es/runtime.py: `end_with_parent`).

Each runs on the session's engine (`ALERTSTATUS_ENGINE`); the nodes without a master are real
nodes of that engine that were told to wait for a master that never comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.es.engines import local_engine
from alertstatus.es.runtime import LocalNode, free_port
from alertstatus.settings import Settings

RED_INDEX = "alertstatus-test-red"


@pytest.fixture
def red_cluster(es) -> Iterator[None]:
    """An index whose only shard may live on a node that does not exist: the cluster is red."""
    created = httpx.put(
        f"{es.url}/{RED_INDEX}",
        params={"wait_for_active_shards": 0},
        json={
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "index.routing.allocation.require._name": "no-such-node",
            }
        },
    )
    assert created.status_code == 200, created.text
    try:
        yield
    finally:
        httpx.delete(f"{es.url}/{RED_INDEX}")


def test_a_red_cluster_is_degraded_not_available(make_client, red_cluster) -> None:
    detailed = make_client().get("/api/status")  # an admin: the detailed view
    anonymous = make_client(authorization=None).get("/api/status")

    assert (anonymous.status_code, anonymous.json()) == (
        200,
        {"status": {"overall": {"level": "degraded"}}},
    )
    assert detailed.status_code == 200
    body = detailed.json()
    assert body["status"]["overall"] == {
        "level": "degraded",
        "summary": "the cluster's health is red",
    }
    assert (body["elasticsearch"]["health"], body["elasticsearch"]["elected_master"]) == (
        "red",
        True,
    )


def test_a_healthy_cluster_is_available_with_its_engine(make_client, es) -> None:
    body = make_client().get("/api/status").json()
    version = httpx.get(es.url).json()["version"]

    assert body["status"]["overall"]["level"] == "available"
    assert body["elasticsearch"]["health"] in ("green", "yellow")
    assert body["elasticsearch"]["version"] == version["number"]
    assert body["elasticsearch"]["distribution"] == version.get("distribution", "elasticsearch")


def test_a_node_without_a_master_is_unavailable_within_seconds(tmp_path: Path) -> None:
    settings = Settings()
    engine = local_engine(settings.engine)
    node = LocalNode(
        home=settings.home,
        http_port=free_port(),
        data_dir=tmp_path / "no-master",
        heap="512m",
        engine=engine,
        node_settings={
            engine.bootstrap_setting: ["a-node-that-never-comes"],
            "discovery.initial_state_timeout": "1s",  # serve HTTP without waiting 30 s for one
        },
        # OpenSearch 3.8's runner forces single-node discovery on a lone node, which refuses the
        # bootstrap setting; ClusterNode.java (es/cluster.py) starts it with zen discovery
        forced_settings={"discovery.type": "zen"},
    )
    node.start(settings.es_start_timeout, wait_for_yellow=False)
    try:
        # no templates at start-up: each would wait out the master timeout (30 s) for nothing
        app_settings = Settings(
            ELASTICSEARCH_URL=node.url, auth_enabled=False, install_templates=False
        )
        with TestClient(create_app(app_settings)) as client:
            started = time.monotonic()
            response = client.get("/api/status")
            elapsed = time.monotonic() - started
    finally:
        node.kill()  # a throwaway node; without a master its orderly shutdown can take 30 s

    assert response.status_code == 503
    body = response.json()
    assert body["status"]["overall"] == {
        "level": "unavailable",
        "summary": "the cluster has no elected master",
    }
    assert body["elasticsearch"]["reachable"] is True
    assert body["elasticsearch"]["elected_master"] is False
    assert elapsed < 10  # each call is bounded by the route's 3 s timeout


STARTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from alertstatus.es.runtime import LocalNode, free_port
    from alertstatus.es.engines import local_engine
    from alertstatus.settings import Settings

    settings = Settings()
    node = LocalNode(
        home=settings.home,
        http_port=free_port(),
        data_dir=Path(sys.argv[1]),
        heap="512m",
        engine=local_engine(settings.engine),
    )
    node.start(settings.es_start_timeout)
    print(node.process.pid, node.url, flush=True)
    sys.stdin.read()  # until killed
    """
)


def alive(pid: int) -> bool:
    """Running, and not a zombie (its parent, the killed starter, is gone: init reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_node_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no `finally` to run: the kernel's parent-death signal stops the node."""
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path / "orphan")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert starter.stdout is not None
        pid_text, url = starter.stdout.readline().split()
        pid = int(pid_text)
        assert httpx.get(url).status_code == 200
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
        deadline = time.monotonic() + 60
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        still_alive = alive(pid)
    finally:
        if starter.poll() is None:
            starter.kill()
    if still_alive:  # leave nothing behind, then fail
        os.killpg(pid, signal.SIGKILL)
    assert not still_alive
