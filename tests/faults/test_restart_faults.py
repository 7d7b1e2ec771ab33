"""The whole cluster restarted under a running service, and the service killed during a task
(docs/reliability.md).

- Every node stopped while the service runs: each dialect answers in its own shape with its
  status for "Elasticsearch is unavailable" (Kibana and CHAD 503, UTMStack 503 in Spring's
  shape), within DOWN_BOUND seconds, never a hang; `GET /api/status` says unavailable. Once the
  nodes are back, the same app serves again: no restart of the service.
- `alertstatus serve` killed with SIGKILL while an asynchronous closure runs: the closure is an
  Elasticsearch task, so it goes on; a new `serve` reads it, cancels it and reports its result
  through the API, and the alerts say what the report says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from alertstatus.es.cluster import LocalCluster
from alertstatus.es.runtime import free_port
from tests.conftest import status_path
from tests.faults.conftest import SHARDS, Data, judge, wait_for

pytestmark = [pytest.mark.storage, pytest.mark.multinode]

DOWN_BOUND = 15.0  # seconds for any answer while Elasticsearch is down (each call: refused)
BACK_BOUND = 60.0  # seconds, after the cluster is yellow again, until every dialect serves


def dialect_calls(
    client, space: str, ids: list[str], uuids: list[str]
) -> dict[str, httpx.Response]:
    """One status change per dialect (and the health route), as a client sends them."""
    return {
        "kibana": client.post(status_path(space), json={"signal_ids": ids, "status": "closed"}),
        "utmstack": client.post("/api/utm-alerts/status", json={"alertIds": uuids, "status": 3}),
        "chad": client.post("/api/alerts/bulk/status", json={"ids": ids, "status": "acknowledged"}),
        "status": client.get("/api/status"),
    }


def test_elasticsearch_restarted_while_the_service_runs(cluster, service, data, space) -> None:
    data.seed(space, 20)
    alerts = data.alerts(space)
    ids = sorted(alerts)
    uuids = [alerts[alert_id]["kibana.alert.uuid"] for alert_id in ids]
    client = service(0, utmstack_space_id=space, chad_space_id=space)
    before = dialect_calls(client, space, ids[:5], uuids[5:10])
    assert {name: response.status_code for name, response in before.items()} == dict.fromkeys(
        before, 200
    ), {name: response.text for name, response in before.items()}
    written = data.alerts(space)

    cluster.stop()
    try:
        started = time.monotonic()
        down = dialect_calls(client, space, ids[10:15], uuids[15:20])
        down_seconds = time.monotonic() - started
    finally:
        restarted = time.monotonic()
        cluster.start()
        formed_seconds = time.monotonic() - restarted

    assert down_seconds < DOWN_BOUND
    assert {name: response.status_code for name, response in down.items()} == dict.fromkeys(
        down, 503
    ), {name: response.text for name, response in down.items()}
    assert down["kibana"].json() == {"message": "Elasticsearch is unavailable", "status_code": 503}
    assert down["chad"].json() == {"detail": "Elasticsearch is unavailable"}
    spring = down["utmstack"].json()
    assert (spring["status"], spring["error"], spring["message"], spring["path"]) == (
        503,
        "Service Unavailable",
        "Elasticsearch is unavailable",
        "/api/utm-alerts/status",
    )
    assert down["status"].json()["status"]["overall"]["level"] == "unavailable"
    assert data.alerts(space) == written  # nothing was written while it was down

    started = time.monotonic()
    back = wait_for(
        lambda: (
            (calls := dialect_calls(client, space, ids[10:15], uuids[15:20]))
            and all(response.status_code == 200 for response in calls.values())
            and calls
        ),
        BACK_BOUND,
        "every dialect serving again",
        step=1.0,
    )
    print(
        f"\nrestart: answers while down in {down_seconds:.1f}s, cluster back in "
        f"{formed_seconds:.1f}s, the first calls after it took {time.monotonic() - started:.1f}s"
    )
    assert back["kibana"].json()["updated"] == 5
    after = data.alerts(space)
    assert {after[alert_id]["kibana.alert.workflow_status"] for alert_id in ids[10:15]} == {
        "closed"
    }


@pytest.fixture
def serve_process(
    cluster: LocalCluster, cluster_authorization: str, tmp_path: Path
) -> Iterator[Callable[[], tuple[subprocess.Popen[str], httpx.Client]]]:
    """`start()`: a real `alertstatus serve` on the cluster, throttled so a closure lasts; every
    process started is killed afterwards."""
    processes: list[subprocess.Popen[str]] = []
    port = free_port(20000, 29999)

    def start() -> tuple[subprocess.Popen[str], httpx.Client]:
        env = {
            **os.environ,
            "ELASTICSEARCH_URL": cluster.nodes[0].url,
            "ALERTSTATUS_HOME": str(tmp_path / "home"),
            "ALERTSTATUS_ALERTS_SHARDS": str(SHARDS),
            "ALERTSTATUS_AUTH_BOOTSTRAP_ADMIN_KEY": "false",
            # 200 alerts a second: a batch of 1 000 every 5 s, so the closure outlives a restart
            "ALERTSTATUS_UPDATE_REQUESTS_PER_SECOND": "200",
            "ALERTSTATUS_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "alertstatus", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        processes.append(process)
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=60,
            headers={"authorization": cluster_authorization},
        )

        def answers() -> bool:
            assert process.poll() is None, "serve exited"
            try:
                return http.get("/api/status").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, 60, "serve answering", step=0.2)
        return process, http

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_the_service_killed_during_an_asynchronous_closure(
    serve_process, data: Data, space
) -> None:
    data.seed(space, 6_000)
    before = data.alerts(space)
    first, http = serve_process()
    started = http.post(
        status_path(space) + "?wait_for_completion=false",
        json={"query": {"match_all": {}}, "status": "closed"},
    )
    assert started.status_code == 200, started.text
    task_id = started.json()["task"]
    task_path = f"/s/{space}/api/alertstatus/tasks/{task_id}"
    wait_for(
        lambda: http.get(task_path).json()["updated"] >= 1_000, 60, "the first batch", step=0.2
    )

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    _, http = serve_process()  # a new process: nothing of the old one survives in memory

    running = http.get(task_path)
    assert running.status_code == 200, running.text
    assert running.json()["done"] is False  # Elasticsearch kept running it
    canceled = http.post(task_path + "/_cancel")
    assert canceled.status_code == 200, canceled.text
    report = wait_for(
        lambda: (body := http.get(task_path).json())["done"] and body,
        60,
        "the canceled task's result",
        step=0.2,
    )
    assert report["canceled"] is True
    assert 1_000 <= report["updated"] < len(before), report
    verdict = judge(before, data.alerts(space), set(before), "closed", records=data.records)
    assert len(verdict.changed) == report["updated"]
