"""The console's read routes on the real node: KQL compiled to a query (`POST
/api/alertstatus/kql`) and a space's recent changes (`GET /api/alertstatus/changes`).

The console calls only the public API: a KQL bar's query goes to the signals search and status
routes like any client's, so each KQL test sends the compiled query there and checks it selects
exactly what the hand-written Elasticsearch query selects (and what the seeded data says)."""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from alertstatus.engine.history import RECORDS_INDEX
from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path
from tests.integration.dialect_helpers import put_alerts
from tests.integration.test_tasks import wait_done

SEARCH = "/api/detection_engine/signals/search"
SEVERITY = "kibana.alert.severity"
RISK = "kibana.alert.risk_score"
RULE = "kibana.alert.rule.name"


def kql_path(space: str | None) -> str:
    return f"/s/{space}/api/alertstatus/kql" if space else "/api/alertstatus/kql"


def changes_path(space: str | None) -> str:
    return f"/s/{space}/api/alertstatus/changes" if space else "/api/alertstatus/changes"


def compiled(client, space: str, kql: str) -> dict[str, Any]:
    response = client.post(kql_path(space), json={"kql": kql})
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["query"]
    return response.json()["query"]


def selected(client, space: str, query: dict[str, Any]) -> set[str]:
    """The ids the public search route answers for `query` in the space."""
    response = client.post(f"/s/{space}{SEARCH}", json={"query": query, "size": 1000})
    assert response.status_code == 200, response.text
    return {hit["_id"] for hit in response.json()["hits"]["hits"]}


def refused(client, space: str, kql: str) -> str:
    """The alertstatus dialect's 400 for a KQL text; its message."""
    response = client.post(kql_path(space), json={"kql": kql})
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["statusCode"], body["error"]) == (400, "Bad Request"), body
    assert "Traceback" not in body["message"]
    return body["message"]


@pytest.fixture
def alerts(seed, space) -> dict[str, dict[str, Any]]:
    return seed(space, 80)


def test_kql_selects_what_the_hand_written_query_selects(client, space, alerts) -> None:
    first = next(iter(alerts.values()))
    host, user, rule = first["host.name"], first["user.name"], first[RULE]
    prefix = host.split("-")[0]
    cases = [
        (f"host.name: {host}", {"term": {"host.name": host}}),
        (
            f"{SEVERITY}: (high or critical) and not user.name: {user}",
            {
                "bool": {
                    "filter": [{"terms": {SEVERITY: ["high", "critical"]}}],
                    "must_not": [{"term": {"user.name": user}}],
                }
            },
        ),
        (f'{RULE}: "{rule}"', {"term": {RULE: rule}}),
        (f"host.name: {prefix}-*", {"prefix": {"host.name": f"{prefix}-"}}),
        (
            f"{RISK} >= 50 or user.name: {user}",
            {"bool": {"should": [{"range": {RISK: {"gte": 50}}}, {"term": {"user.name": user}}]}},
        ),
        (
            '@timestamp >= 2024-11-10 and @timestamp < "2024-11-20T00:00:00Z"',
            {"range": {"@timestamp": {"gte": "2024-11-10T00:00:00Z", "lt": "2024-11-20"}}},
        ),
        ("source.ip: 10.0.0.0/9", {"term": {"source.ip": "10.0.0.0/9"}}),
        ("kibana.alert.workflow_reason: *", {"exists": {"field": "kibana.alert.workflow_reason"}}),
        ("", {"match_all": {}}),
    ]
    for kql, hand_written in cases:
        assert selected(client, space, compiled(client, space, kql)) == selected(
            client, space, hand_written
        ), kql

    # and what the seeded data says, so neither side is empty by accident
    by_host = {i for i, s in alerts.items() if s["host.name"] == host}
    assert selected(client, space, compiled(client, space, f"host.name: {host}")) == by_host
    risky = {i for i, s in alerts.items() if s[RISK] >= 50}
    assert 0 < len(risky) < len(alerts)
    assert selected(client, space, compiled(client, space, f"{RISK} >= 50")) == risky
    network = ipaddress.ip_network("10.0.0.0/9")
    inside = {i for i, s in alerts.items() if ipaddress.ip_address(s["source.ip"]) in network}
    assert 0 < len(inside) < len(alerts)
    assert selected(client, space, compiled(client, space, "source.ip: 10.0.0.0/9")) == inside


def test_the_compiled_query_drives_a_status_change(client, es, space, alerts) -> None:
    host = next(iter(alerts.values()))["host.name"]
    query = compiled(client, space, f"host.name: {host} and {RISK} >= 0")
    response = client.post(
        status_path(space), json={"query": query, "status": "closed", "reason": "duplicate"}
    )
    assert response.status_code == 200, response.text
    expected = {i for i, s in alerts.items() if s["host.name"] == host}
    assert response.json()["updated"] == len(expected)
    after = es.sources(alerts_alias(space))
    closed = {i for i, s in after.items() if s["kibana.alert.workflow_status"] == "closed"}
    assert closed == expected


def test_kql_refusals_in_plain_words(client, space) -> None:
    assert "expected ':' after 'host.name' at position 0" in refused(client, space, "host.name x")
    assert "unexpected end of query" in refused(client, space, "host.name: (a or")
    assert "is not a field alert queries may use" in refused(client, space, "nope.field: 1")
    assert "the space is the route's" in refused(client, space, "kibana.space_ids: default")
    assert "nested deeper than 20 levels" in refused(
        client, space, "(" * 30 + "host.name: a" + ")" * 30
    )
    assert "is a number" in refused(client, space, f"{RISK} > high")
    missing = client.post(kql_path(space), json={})
    assert missing.status_code == 400
    assert missing.json()["message"] == "[request body].kql: Required"


def test_kql_roles_and_paths(make_client, make_key, space) -> None:
    viewer = make_client(authorization=make_key("viewer", (space,)))
    assert compiled(viewer, space, "host.name: a") == {"term": {"host.name": "a"}}
    default_route = viewer.post(kql_path(None), json={"kql": "host.name: a"})
    assert default_route.status_code == 403  # the key holds only its own space
    anonymous = make_client(authorization=None).post(kql_path(space), json={"kql": "x: 1"})
    assert anonymous.status_code == 401


# --- recent changes -------------------------------------------------------------------------


def listed(client, space: str | None, **params: Any) -> dict[str, Any]:
    response = client.get(changes_path(space), params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def no_periodic_refresh(client, es) -> Iterator[None]:
    """The records index never refreshes by itself: only the listing's own refresh shows it
    what was written (the listing must list every change answered before it was asked)."""
    made = client.post(status_path(None), json={"signal_ids": ["none"], "status": "open"})
    assert made.status_code == 200, made.text  # its record made the records index
    settings = f"/{RECORDS_INDEX}/_settings"
    es.call("PUT", settings, {"index": {"refresh_interval": "-1"}})
    yield
    es.call("PUT", settings, {"index": {"refresh_interval": None}})


def test_changes_newest_first_paged_and_with_counts(
    client, es, seed, space, no_periodic_refresh
) -> None:
    ids = sorted(seed(space, 6))
    answers = []
    for number, alert in enumerate(ids[:5]):
        body = {"signal_ids": [alert, ids[5]], "status": "closed" if number % 2 else "open"}
        response = client.post(
            status_path(space), json=body, headers={"x-request-id": f"change-{number}"}
        )
        assert response.status_code == 200, response.text
        answers.append(response.json())
        time.sleep(0.002)  # distinct milliseconds, so "newest first" is observable
    other = f"o-{uuid.uuid4().hex[:10]}"
    seed(other, 1)
    assert (
        client.post(
            status_path(other), json={"query": {"match_all": {}}, "status": "closed"}
        ).status_code
        == 200
    )

    pages, cursor = [], None
    while True:
        page = listed(client, space, size=2, **({"search_after": cursor} if cursor else {}))
        pages.append(page["changes"])
        cursor = page["next"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    changes = [change for page in pages for change in page]
    assert [c["request_id"] for c in changes] == [f"change-{n}" for n in reversed(range(5))]
    assert [c["at"] for c in changes] == sorted((c["at"] for c in changes), reverse=True)
    assert len({c["id"] for c in changes}) == 5

    newest = changes[0]
    assert newest["dialect"] == "kibana" and newest["caller"] == "test admin"
    assert newest["target"] == {"status": "open", "reason": None}
    assert newest["selection"] == {"ids": 2}
    assert newest["task"] is None
    for change, answer in zip(changes, reversed(answers), strict=True):
        assert change["result"] == {
            key: answer[key] if key != "failures" else len(answer["failures"])
            for key in ("total", "updated", "noops", "version_conflicts", "failures")
        }
    assert changes[-1]["result"]["updated"] == 2

    whole = listed(client, space, size=100)
    assert [c["id"] for c in whole["changes"]] == [c["id"] for c in changes]
    assert whole["next"] is None
    assert [c["request_id"] for c in listed(client, other)["changes"]] != []
    assert not set(c["id"] for c in listed(client, other)["changes"]) & {c["id"] for c in changes}


def test_an_async_change_gets_its_counts_once_its_task_is_seen_done(
    client, es, seed, space, no_periodic_refresh
):
    seed(space, 30)
    started = client.post(
        status_path(space),
        params={"wait_for_completion": "false"},
        json={"query": {"match_all": {}}, "status": "acknowledged"},
    )
    assert started.status_code == 200, started.text
    task_id = started.json()["task"]
    (change,) = listed(client, space)["changes"]
    assert change["task"] == task_id
    assert change["result"] is None  # not yet seen done
    assert change["selection"] == {"query": {"match_all": {}}}

    report = wait_done(client, space, task_id)
    (change,) = listed(client, space)["changes"]
    assert change["result"] == {
        "total": report["total"],
        "updated": report["updated"],
        "noops": report["noops"],
        "version_conflicts": report["version_conflicts"],
        "failures": 0,
    }
    assert change["result"]["updated"] == 30

    refreshes = client.app.state.services.status.refreshes
    issued = refreshes.issued
    for _ in range(3):  # reading the finished task again: no refresh or search of the records
        again = client.get(f"/s/{space}/api/alertstatus/tasks/{task_id}")
        assert again.status_code == 200 and again.json()["done"] is True
    assert refreshes.issued == issued


def test_workflow_changes_count_their_per_alert_results(make_client, es, es_url, space) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    put_alerts(es, es_url, space, [first, second])
    utm = make_client(utmstack_space_id=space)
    for ids, note in (([first], "one"), ([first, second], "both")):
        body = {"alertIds": ids, "status": 5, "statusObservation": note}
        assert utm.post("/api/utm-alerts/status", json=body).status_code == 200
    newest, oldest = listed(make_client(), space)["changes"]
    assert (newest["dialect"], newest["note"], oldest["note"]) == ("utmstack", "both", "one")
    assert newest["selection"] == {"alert_ids": [first, second], "tags_to_add": []}
    assert newest["target"]["status"] == "closed"
    assert newest["result"] == {
        "total": 2,
        "updated": 1,
        "noops": 1,  # the first was closed already
        "version_conflicts": 0,
        "failures": 0,
    }
    assert oldest["result"]["updated"] == 1 and oldest["result"]["total"] == 1


def test_changes_refusals_roles_and_history_off(make_client, make_key, es, seed, space) -> None:
    admin = make_client()
    for params in (
        {"search_after": "garbage"},
        {"search_after": "W10"},
        {"size": 0},
        {"size": 101},
    ):
        response = admin.get(changes_path(space), params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["statusCode"] == 400
    viewer = make_client(authorization=make_key("viewer", (space,)))
    assert listed(viewer, space) == {"changes": [], "next": None}
    assert viewer.get(changes_path(None)).status_code == 403
    assert make_client(authorization=None).get(changes_path(space)).status_code == 401

    quiet = make_client(status_history=False)
    seed(space, 2)
    changed = quiet.post(status_path(space), json={"query": {"match_all": {}}, "status": "closed"})
    assert changed.status_code == 200 and changed.json()["updated"] == 2
    assert listed(quiet, space) == {"changes": [], "next": None}
