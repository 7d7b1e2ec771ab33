"""Asynchronous status changes: Elasticsearch tasks, progress, restart, cancel."""

from __future__ import annotations

import time
import uuid

from alertstatus.demo import alert_id
from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path


def task_path(space: str | None, task_id: str, suffix: str = "") -> str:
    prefix = f"/s/{space}" if space else ""
    return f"{prefix}/api/alertstatus/tasks/{task_id}{suffix}"


def wait_done(client, space: str, task_id: str) -> dict:
    """Poll until Elasticsearch reports the task finished (bounded, not a timing assertion)."""
    for _ in range(600):
        report = client.get(task_path(space, task_id))
        assert report.status_code == 200, report.text
        if report.json()["done"]:
            return report.json()
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish")


def test_async_closure_reports_progress_and_survives_a_restart(make_client, es, seed, space):
    before = seed(space, 120, closed_ratio=0.25)
    closed = sum(s["kibana.alert.workflow_status"] == "closed" for s in before.values())
    assert 0 < closed < 120  # some already closed: rewritten and counted all the same
    first = make_client()

    started = first.post(
        status_path(space) + "?wait_for_completion=false",
        json={"query": {"match_all": {}}, "status": "closed"},
    )

    assert started.status_code == 200, started.text
    assert list(started.json()) == ["task"]
    task_id = started.json()["task"]
    first.__exit__(None, None, None)  # the service goes away; the task lives in Elasticsearch

    report = wait_done(make_client(), space, task_id)

    assert report["failed"] is False and report["canceled"] is False
    # Kibana's counting (the default): the already-closed alerts are rewritten too
    assert (report["total"], report["updated"], report["noops"]) == (120, 120, 0)
    assert report["batches"] >= 1 and report["elapsed_seconds"] >= 0
    assert report["response"]["updated"] == 120
    assert report["response"]["failures"] == []
    assert all(
        s["kibana.alert.workflow_status"] == "closed"
        for s in es.sources(alerts_alias(space)).values()
    )


def test_async_on_the_default_space_route(client, seed) -> None:
    first = uuid.uuid4().int % 10**9  # the default space is shared by the session: fresh ids
    ids = sorted(
        set(seed("default", 3, first=first)) & {alert_id("default", first + n) for n in range(3)}
    )
    assert len(ids) == 3
    started = client.post(
        status_path(None),
        params={"wait_for_completion": "false"},
        json={"signal_ids": ids, "status": "acknowledged"},
    )
    task_id = started.json()["task"]
    for _ in range(600):
        report = client.get(task_path(None, task_id)).json()
        if report["done"]:
            break
        time.sleep(0.1)
    assert report["response"]["total"] == 3
    assert report["failed"] is False


def start_throttled_closure(make_client, seed, space: str, count: int = 1500):
    """A closure of `count` alerts at 1 alert/s: still running when the test looks at it."""
    seed(space, count)
    client = make_client(update_requests_per_second=1)
    task_id = client.post(
        status_path(space) + "?wait_for_completion=false",
        json={"query": {"match_all": {}}, "status": "closed"},
    ).json()["task"]
    return client, task_id


def test_cancel_stops_a_throttled_task(make_client, es, seed, space) -> None:
    client, task_id = start_throttled_closure(make_client, seed, space)

    canceled = client.post(task_path(space, task_id, "/_cancel"))

    assert canceled.status_code == 200, canceled.text
    report = wait_done(client, space, task_id)
    assert report["canceled"] is True
    assert report["updated"] < 1500
    still_open = [
        s
        for s in es.sources(alerts_alias(space)).values()
        if s["kibana.alert.workflow_status"] == "open"
    ]
    assert still_open


def test_task_ids_are_validated_and_other_spaces_tasks_are_hidden(client, seed, space) -> None:
    bad = client.get(task_path(space, "../_cluster:1"))
    assert bad.status_code in (400, 404)
    bad = client.get(task_path(space, "node:12x"))
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("[request params].task_id:")

    ids = sorted(seed(space, 2))
    task_id = client.post(
        status_path(space) + "?wait_for_completion=false",
        json={"signal_ids": ids, "status": "closed"},
    ).json()["task"]
    wait_done(client, space, task_id)
    elsewhere = client.get(task_path("another-space", task_id))
    assert elsewhere.status_code == 404
    assert elsewhere.json()["statusCode"] == 404
    unknown = client.get(task_path(space, "abcdef:123456789"))
    assert unknown.status_code == 404


def test_without_the_parameter_the_answer_is_the_raw_update_by_query(client, seed, space):
    ids = sorted(seed(space, 2))
    body = client.post(status_path(space), json={"signal_ids": ids, "status": "closed"}).json()
    assert "task" not in body and body["updated"] == 2
