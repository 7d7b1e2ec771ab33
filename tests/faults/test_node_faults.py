"""A node killed with SIGKILL in the middle of a status change (docs/reliability.md).

Each test starts a change of tens of thousands of alerts (3 shards, 1 replica) through the
service, kills one node once Elasticsearch has done part of the work, and then checks:

- the answer comes within ANSWER_BOUND seconds, and is 200 with Elasticsearch's counts and
  `failures`, or the dialect's documented error;
- no alert outside the selection changed; every alert inside is either changed with exactly one
  history entry whose change record exists, or unchanged (`judge`);
- once the node is back, the same request again converges: every selected alert reaches the
  target, and the counts say which ones the first request had already changed.

The service talks to a node that is not killed (a client of a dead coordinating node gets a 503:
tests/faults/test_restart_faults.py). Every node holds two of the six shard copies, so the change
always writes to the victim; whether the victim also served the change's search decides whether
Elasticsearch stops the change (an error with `failures`) or finishes it (200): both are checked.

Seeding tens of thousands of alerts and recovering them after each kill is most of these tests'
time, so the three Kibana closures share one space of SEEDED alerts and the two dialect bulks
another. No test depends on another's outcome: each takes its own snapshot first, waits for a
green cluster, and moves its selection to a status none of the selected alerts has (`away_from`).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from alertstatus.engine.history import RECORDS_INDEX
from alertstatus.es.cluster import LocalCluster
from tests.conftest import status_path
from tests.faults.conftest import Background, Data, judge, wait_for

pytestmark = [pytest.mark.storage, pytest.mark.multinode]

SEEDED = 20_000
# The selection: alerts before Nov 24 (~23/30 of the space: ~15 000); the rest must not move.
CUTOFF = "2024-11-24T00:00:00.000Z"
QUERY = {"range": {"@timestamp": {"lt": CUTOFF}}}
# Seconds within which every answer comes: Elasticsearch's replication timeout (1 min, the wait
# for a new primary) plus an election and the answer, with room for a loaded machine.
ANSWER_BOUND = 120.0
UPDATED_BEFORE_KILL = 1_000  # one `_update_by_query` batch done: the change is under way
DIALECT_IDS = 5_000  # ids per UTMStack and CHAD request (at most 10 000)
TIMINGS: list[dict[str, Any]] = []  # printed after the module (docs/reliability.md)


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    """The timings of this run, printed after the module (shown with -s), for
    docs/reliability.md."""
    yield
    for timing in TIMINGS:
        print(json.dumps(timing))


def selected(alerts: dict[str, dict[str, Any]]) -> set[str]:
    return {alert_id for alert_id, source in alerts.items() if source["@timestamp"] < CUTOFF}


def away_from(alerts: dict[str, dict[str, Any]], chosen: set[str], *preferred: str) -> str:
    """The first of `preferred` that no chosen alert has: the target that changes every one."""
    present = {alerts[alert_id]["kibana.alert.workflow_status"] for alert_id in chosen}
    for status in preferred:
        if status not in present:
            return status
    raise AssertionError(f"the selection holds every status ({present}): seed a new space")


def kibana_body(target: str, reason: str) -> dict[str, Any]:
    """Kibana's status change by QUERY; a reason goes only with a closure."""
    return {"query": QUERY, "status": target, **({"reason": reason} if target == "closed" else {})}


@pytest.fixture(scope="module")
def kibana_space(data: Data) -> str:
    """SEEDED alerts shared by the three Kibana closures."""
    space_id = f"f-{uuid.uuid4().hex[:12]}"
    data.seed(space_id, SEEDED)
    return space_id


@pytest.fixture(scope="module")
def dialect_space(data: Data) -> str:
    """Twice DIALECT_IDS alerts: UTMStack's bulk takes the first half, CHAD's the second."""
    space_id = f"f-{uuid.uuid4().hex[:12]}"
    data.seed(space_id, DIALECT_IDS * 2)
    return space_id


def roles(cluster: LocalCluster, *, kill_master: bool) -> tuple[int, int]:
    """`(coordinator, victim)`: the service's node and the node to kill, never the same."""
    master = cluster.elected_master()
    others = [index for index in range(len(cluster.nodes)) if index != master]
    if kill_master:
        return others[0], master
    return others[0], others[1]


def wait_for_updates(data: Data, at_least: int) -> dict[str, Any]:
    """The running `_update_by_query` once it has updated `at_least` alerts."""
    return wait_for(
        lambda: next(
            (
                task
                for task in data.running_updates()
                if task["status"]["updated"] + task["status"]["noops"] >= at_least
            ),
            None,
        ),
        60,
        f"an _update_by_query past {at_least} alerts",
    )


def strike(
    cluster: LocalCluster,
    background: Background,
    restore: list[int],
    victim: int,
    request: Callable[[], httpx.Response],
    when: Callable[[], Any],
    label: str,
) -> httpx.Response:
    """Send `request`, kill `victim` once `when()` is true, and return the answer (within the
    bound); the victim starts again at once, in the background of the checks."""
    started = time.monotonic()
    future = background.run(request)
    when()
    killed_at = time.monotonic()
    cluster.kill(victim)
    restore.append(victim)
    response = future.result(timeout=ANSWER_BOUND)
    answered_at = time.monotonic()
    cluster.nodes[victim].launch()  # rejoins while the test reads the data
    TIMINGS.append(
        {
            "fault": label,
            "killed_after_s": round(killed_at - started, 1),
            "answer_after_kill_s": round(answered_at - killed_at, 1),
            "status": response.status_code,
        }
    )
    assert answered_at - started < ANSWER_BOUND
    return response


def note(selected: int, changed: int) -> None:
    """How much of the selection the first request changed, for the figures."""
    TIMINGS[-1].update(selected=selected, changed_by_first=changed)


def rejoined(cluster: LocalCluster) -> None:
    """Until the victim is back in the cluster (its copies recover meanwhile; the next seeding
    waits for green before anything is killed again)."""
    started = time.monotonic()
    cluster.wait_until_formed(180, status="yellow")
    TIMINGS[-1]["rejoined_s"] = round(time.monotonic() - started, 1)


def update_by_query_counts(response: httpx.Response) -> dict[str, Any] | None:
    """Elasticsearch's `_update_by_query` body: the 200 itself, or inside Kibana's error shape
    (`{"message": "<the body as JSON text>", "status_code": ...}`), as Kibana answers it. None
    when Elasticsearch gave up with an error instead of counts: the message is `type: reason`."""
    body = response.json()
    if response.status_code == 200:
        return body
    assert set(body) == {"message", "status_code"}, body
    assert body["status_code"] == response.status_code
    if not body["message"].startswith("{"):
        return None
    return json.loads(body["message"])


def check_kibana_answer(response: httpx.Response, changed: int) -> None:
    """200 or Kibana's error, with Elasticsearch's counts: `updated` is what it changed.

    The error's status is the engine's, passed on as Kibana does (docs/reliability.md): 500 or
    503 for a shard lost under the search; OpenSearch 3 answers 400 when the killed node held the
    closure's scroll (`scroll_id references node [...] which was not found in the cluster`), and
    409 when a write replayed on a promoted primary met its own first attempt (Kibana's
    `conflicts: abort`): those alerts are changed but counted as conflicts, not `updated`.
    Elasticsearch 7.10 may also give up on the search as a whole (500
    `search_phase_execution_exception: Phase failed`): an error, with no counts to check.
    """
    assert response.status_code in (200, 400, 409, 500, 503), response.text
    counts = update_by_query_counts(response)
    if counts is None:  # the search failed as a whole: Elasticsearch's error, no counts
        assert response.status_code in (500, 503), response.text
        assert re.fullmatch(r"\w+_exception: .+", response.json()["message"]), response.text
        return
    if response.status_code == 409:
        conflicts = counts["version_conflicts"]
        assert conflicts > 0, counts
        assert counts["updated"] <= changed <= counts["updated"] + conflicts, (counts, changed)
    else:
        assert counts["updated"] == changed, (counts, changed)
    if response.status_code != 200:
        assert counts["failures"], counts  # a failed answer says why
    if response.status_code == 400:
        reasons = [json.dumps(failure.get("reason")) for failure in counts["failures"]]
        assert all("scroll" in reason for reason in reasons), counts


def test_a_data_node_killed_during_a_synchronous_closure(
    cluster, service, data, kibana_space, background, restore
) -> None:
    space = kibana_space
    data.wait_for_green()
    before = data.alerts(space)
    target = away_from(before, selected(before), "closed", "acknowledged", "open")
    coordinator, victim = roles(cluster, kill_master=False)
    client = service(coordinator)
    path = status_path(space) + "?skip_unchanged=true"
    body = kibana_body(target, "false_positive")

    response = strike(
        cluster,
        background,
        restore,
        victim,
        lambda: client.post(path, json=body),
        lambda: wait_for_updates(data, UPDATED_BEFORE_KILL),
        "data node, synchronous Kibana closure",
    )

    verdict = judge(before, data.alerts(space), selected(before), target, records=data.records)
    note(len(selected(before)), len(verdict.changed))
    check_kibana_answer(response, len(verdict.changed))
    rejoined(cluster)
    again = client.post(path, json=body)
    assert again.status_code == 200, again.text
    counts = again.json()
    assert counts["failures"] == []
    assert (counts["total"], counts["noops"], counts["updated"]) == (
        len(selected(before)),
        len(verdict.changed),
        len(selected(before)) - len(verdict.changed),
    )
    final = judge(before, data.alerts(space), selected(before), target, records=data.records)
    assert final.changed == selected(before)


def test_a_data_node_killed_during_an_asynchronous_closure(
    cluster, service, data, kibana_space, background, restore
) -> None:
    space = kibana_space
    data.wait_for_green()
    before = data.alerts(space)
    target = away_from(before, selected(before), "acknowledged", "closed", "open")
    coordinator, victim = roles(cluster, kill_master=False)
    client = service(coordinator)
    path = status_path(space) + "?skip_unchanged=true&wait_for_completion=false"
    body = kibana_body(target, "duplicate")
    task_path = f"/s/{space}/api/alertstatus/tasks/"

    started = client.post(path, json=body)
    assert started.status_code == 200, started.text
    task_id = started.json()["task"]

    def report_when_done() -> httpx.Response:
        """The task's report through the API, polled until done (the request that answers)."""
        while True:
            report = client.get(task_path + task_id)
            if report.status_code != 200 or report.json()["done"]:
                return report
            time.sleep(0.2)

    report = strike(
        cluster,
        background,
        restore,
        victim,
        report_when_done,
        lambda: wait_for_updates(data, UPDATED_BEFORE_KILL),
        "data node, asynchronous Kibana closure (task report)",
    )

    verdict = judge(before, data.alerts(space), selected(before), target, records=data.records)
    note(len(selected(before)), len(verdict.changed))
    assert report.status_code == 200, report.text
    progress = report.json()
    assert progress["done"] and progress["updated"] == len(verdict.changed), progress
    if len(verdict.changed) < len(selected(before)):  # the task stopped short: it says why,
        # in the response's `failures` or, when a search of the task failed, in its `error`
        assert progress["failed"], progress
        assert progress["error"] or (progress["response"] or {}).get("failures"), progress
    rejoined(cluster)
    again = client.post(path, json=body)
    assert again.status_code == 200, again.text
    final_report = wait_for(
        lambda: (got := client.get(task_path + again.json()["task"]).json())["done"] and got,
        ANSWER_BOUND,
        "the second task",
        step=0.2,
    )
    assert not final_report["failed"], final_report
    assert (final_report["noops"], final_report["updated"]) == (
        len(verdict.changed),
        len(selected(before)) - len(verdict.changed),
    )
    final = judge(before, data.alerts(space), selected(before), target, records=data.records)
    assert final.changed == selected(before)


def test_the_elected_master_killed_during_a_closure(
    cluster, service, data, kibana_space, background, restore
) -> None:
    """Kibana's own counting this time: every matched alert is rewritten and counted `updated`;
    each alert's history still gets exactly one entry, from whichever request changed it."""
    space = kibana_space
    data.wait_for_green()
    before = data.alerts(space)
    target = away_from(before, selected(before), "open", "closed", "acknowledged")
    coordinator, victim = roles(cluster, kill_master=True)
    client = service(coordinator)
    path = status_path(space)
    body = kibana_body(target, "false_positive")

    response = strike(
        cluster,
        background,
        restore,
        victim,
        lambda: client.post(path, json=body),
        lambda: wait_for_updates(data, UPDATED_BEFORE_KILL),
        "elected master, synchronous Kibana closure",
    )

    verdict = judge(before, data.alerts(space), selected(before), target, records=data.records)
    note(len(selected(before)), len(verdict.changed))
    check_kibana_answer(response, len(verdict.changed))
    assert cluster.elected_master() != victim  # another node took over
    rejoined(cluster)
    again = client.post(path, json=body)
    assert again.status_code == 200, again.text
    counts = again.json()
    assert counts["failures"] == []
    assert (counts["total"], counts["updated"]) == (len(selected(before)),) * 2
    final = judge(before, data.alerts(space), selected(before), target, records=data.records)
    assert final.changed == selected(before)


def bulk_running(data: Data) -> Any:
    """A shard-level `_bulk` is running: the dialect's scripted updates are being written."""
    with data.http() as http:
        body = http.get("/_tasks", params={"actions": "indices:data/write/bulk*"}).json()
    return any((node.get("tasks") or {}) for node in (body.get("nodes") or {}).values())


def annotated_results(data: Data, request_id: str) -> dict[str, list[str]]:
    """What the change record of one request says happened to each id."""
    with data.http() as http:
        http.post(f"/{RECORDS_INDEX}/_refresh")
        hits = http.post(
            f"/{RECORDS_INDEX}/_search",
            json={"query": {"term": {"request_id": request_id}}},
        ).json()["hits"]["hits"]
    assert len(hits) == 1, hits
    return hits[0]["_source"]["results"]


DIALECTS = {
    # dialect: (space setting, path, body for the ids, target workflow status)
    "utmstack": (
        "utmstack_space_id",
        "/api/utm-alerts/status",
        lambda ids: {"alertIds": ids, "status": 3, "statusObservation": "triage"},
        "in-progress",
    ),
    "chad": (
        "chad_space_id",
        "/api/alerts/bulk/status",
        lambda ids: {"ids": ids, "status": "acknowledged", "comment": "triage"},
        "acknowledged",
    ),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_data_node_killed_during_a_dialect_bulk(
    dialect, cluster, service, data, dialect_space, background, restore
) -> None:
    space_setting, path, make_body, target = DIALECTS[dialect]
    space = dialect_space
    data.wait_for_green()
    before = data.alerts(space)
    half = list(DIALECTS).index(dialect)
    ids = sorted(before)[half * DIALECT_IDS : (half + 1) * DIALECT_IDS]
    keys = [before[alert_id]["kibana.alert.uuid"] for alert_id in ids]
    coordinator, victim = roles(cluster, kill_master=False)
    client = service(coordinator, **{space_setting: space})
    request_id = f"{space}-{dialect}"  # the two dialects share the space

    response = strike(
        cluster,
        background,
        restore,
        victim,
        lambda: client.post(
            path, json=make_body(keys), headers={"x-request-id": f"{request_id}-first"}
        ),
        lambda: wait_for(lambda: bulk_running(data), 60, "a _bulk", step=0.02),
        f"data node, {dialect} bulk of {DIALECT_IDS}",
    )

    verdict = judge(before, data.alerts(space), set(ids), target, records=data.records)
    note(len(ids), len(verdict.changed))
    first = annotated_results(data, f"{request_id}-first")
    changed_keys = {before[alert_id]["kibana.alert.uuid"] for alert_id in verdict.changed}
    if dialect == "utmstack":  # an empty 200 only when every alert was reached
        assert response.status_code in (200, 500, 503), response.text
        if response.status_code == 200:
            assert response.content == b""
            assert not first["failed"] and not first["not_found"], first
        else:
            assert set(response.json()) == {"timestamp", "status", "error", "message", "path"}
    else:  # CHAD's bulk lists the alerts it could not change, with Elasticsearch's reason
        assert response.status_code == 200, response.text
        answer = response.json()
        failed = {item["id"] for item in answer["failed"]}
        assert answer["updated"] + len(failed) == DIALECT_IDS
        assert changed_keys.isdisjoint(failed)
    assert set(first["updated"]) <= changed_keys  # what the record says was done, was done
    assert set(first["unchanged"]) <= changed_keys  # a retried item finds its own write

    rejoined(cluster)
    again = client.post(path, json=make_body(keys), headers={"x-request-id": f"{request_id}-again"})
    assert again.status_code == 200, again.text
    second = annotated_results(data, f"{request_id}-again")
    assert set(second["unchanged"]) == changed_keys
    assert set(second["updated"]) == set(keys) - changed_keys
    final = judge(before, data.alerts(space), set(ids), target, records=data.records)
    assert final.changed == set(ids)
