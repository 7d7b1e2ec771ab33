"""Kibana's tags, assignees and search routes, and the status history endpoint, on the real node."""

from __future__ import annotations

import pytest

from alertstatus.engine.history import HISTORY_FIELD
from alertstatus.engine.indices import alerts_alias
from tests.conftest import create_space, status_path

TAGS = "/api/detection_engine/signals/tags"
ASSIGNEES = "/api/detection_engine/signals/assignees"
SEARCH = "/api/detection_engine/signals/search"


def test_tags_add_and_remove_with_raw_response(client, es, seed, space) -> None:
    before = seed(space, 4)
    ids = sorted(before)
    first = client.post(
        f"/s/{space}{TAGS}",
        json={"ids": ids[:3], "tags": {"tags_to_add": ["triage", "vip"], "tags_to_remove": []}},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["total"], first.json()["updated"], first.json()["failures"]) == (3, 3, [])
    second = client.post(
        f"/s/{space}{TAGS}",
        json={"ids": ids[:2], "tags": {"tags_to_add": ["done"], "tags_to_remove": ["triage"]}},
    )
    assert second.json()["updated"] == 2
    after = es.sources(alerts_alias(space))
    assert after[ids[0]]["kibana.alert.workflow_tags"] == ["vip", "done"]
    assert after[ids[2]]["kibana.alert.workflow_tags"] == ["triage", "vip"]
    assert after[ids[3]] == before[ids[3]]
    assert HISTORY_FIELD not in after[ids[0]]


def test_assignees_in_the_default_space(client, es, es_url) -> None:
    alias = create_space(es_url, "default")
    es.call(
        "PUT",
        f"/{alias}/_doc/assign-me",
        {"kibana.alert.workflow_status": "open", "kibana.alert.workflow_assignee_ids": ["u_old"]},
        refresh="true",
    )
    response = client.post(
        ASSIGNEES,
        json={"ids": ["assign-me"], "assignees": {"add": ["u_1", "u_2"], "remove": ["u_old"]}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    assert es.sources(alias)["assign-me"]["kibana.alert.workflow_assignee_ids"] == ["u_1", "u_2"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            TAGS,
            {"ids": ["x"], "tags": {"tags_to_add": ["a", "b"], "tags_to_remove": ["b"]}},
            ['Duplicate tags ["b"] were found in the tags_to_add and tags_to_remove parameters.'],
        ),
        (
            ASSIGNEES,
            {"ids": ["x"], "assignees": {"add": ["u"], "remove": ["u"]}},
            ['Duplicate assignees ["u"] were found in the add and remove parameters.'],
        ),
    ],
)
def test_kibanas_400_messages(client, path, body, message) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "status_code": 400}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ids": ["x"], "tags": {"tags_to_add": []}}, "tags.tags_to_remove: Required"),
        (
            {"ids": [], "tags": {"tags_to_add": ["a"], "tags_to_remove": []}},
            "ids: Array must contain at least 1 element(s)",
        ),
    ],
)
def test_schema_refusals_are_platform_400s(client, body, message) -> None:
    response = client.post(TAGS, json=body)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"[request body]: {message}",
    }


def test_search_returns_the_raw_search_response(client, seed, space) -> None:
    before = seed(space, 6, closed_ratio=0.5)
    closed = {i for i, s in before.items() if s["kibana.alert.workflow_status"] == "closed"}
    response = client.post(
        f"/s/{space}{SEARCH}",
        json={
            "query": {"term": {"kibana.alert.workflow_status": "closed"}},
            "size": 10,
            "aggs": {"by_status": {"terms": {"field": "kibana.alert.workflow_status"}}},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"took", "timed_out", "_shards", "hits", "aggregations"} <= set(body)
    assert {hit["_id"] for hit in body["hits"]["hits"]} == closed
    empty = client.post(f"/s/{space}{SEARCH}", json={})
    assert empty.status_code == 400
    assert '"value" must have at least 1 children' in empty.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"script": {"script": {"source": "true"}}}},
        {"runtime_mappings": {"x": {"type": "keyword", "script": {"source": "emit('a')"}}}},
        {"aggs": {"a": {"terms": {"script": {"source": "doc['x'].value"}}}}},
        {"sort": {"_script": {"type": "number", "script": {"source": "1"}}}},
        {"query": {"wrapper": {"query": "eyJtYXRjaF9hbGwiOnt9fQ=="}}},
    ],
    ids=["script-query", "runtime-script", "agg-script", "script-sort", "wrapper"],
)
def test_search_refuses_code_before_elasticsearch(client, es, space, body) -> None:
    response = client.post(f"/s/{space}{SEARCH}", json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"message", "status_code"}
    indices = es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    assert not any(space in row["index"] for row in indices)  # refused before any index exists


def test_history_endpoint_orders_changes_from_kibana(client, seed, space) -> None:
    alert = sorted(seed(space, 2))[0]
    for status in ("acknowledged", "closed", "open"):
        body = {"signal_ids": [alert], "status": status}
        if status == "closed":
            body["reason"] = "duplicate"
        response = client.post(status_path(space), json=body, headers={"x-request-id": status})
        assert response.status_code == 200 and response.json()["updated"] == 1
    response = client.get(f"/s/{space}/api/alertstatus/alerts/{alert}/history")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["alert_id"], body["space_id"], body["workflow_status"]) == (alert, space, "open")
    steps = [(e["from"], e["to"], e["reason"], e["request_id"]) for e in body["history"]]
    assert steps == [
        ("open", "acknowledged", None, "acknowledged"),
        ("acknowledged", "closed", "duplicate", "closed"),
        ("closed", "open", None, "open"),
    ]
    assert all(e["dialect"] == "kibana" and e["space_id"] == space for e in body["history"])
    missing = client.get(f"/s/{space}/api/alertstatus/alerts/nope/history")
    assert missing.status_code == 404 and missing.json()["error"] == "Not Found"


def test_history_is_bounded(make_client, seed, space, es) -> None:
    client = make_client(status_history_limit=3)
    alert = sorted(seed(space, 1))[0]
    for status in ("acknowledged", "open", "closed", "open", "in-progress"):
        client.post(status_path(space), json={"signal_ids": [alert], "status": status})
    entries = es.history(es.sources(alerts_alias(space))[alert])
    assert [e["to"] for e in entries] == ["closed", "open", "in-progress"]


def test_history_off_writes_none(make_client, seed, space, es) -> None:
    client = make_client(status_history=False)
    alert = sorted(seed(space, 1))[0]
    client.post(status_path(space), json={"signal_ids": [alert], "status": "closed"})
    source = es.sources(alerts_alias(space))[alert]
    assert source["kibana.alert.workflow_status"] == "closed" and HISTORY_FIELD not in source


def test_history_complete_when_elasticsearch_fails_midway(client, es, seed, space) -> None:
    """A by-query close where one index refuses the write: each alert changed iff recorded."""
    before = seed(space, 20)
    strict = f".internal.alerts-security.alerts-{space}-strict"
    es.call(
        "PUT",
        f"/{strict}",
        {
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "@timestamp": {"type": "date"},
                    "kibana": {
                        "properties": {
                            "alert": {"properties": {"workflow_status": {"type": "keyword"}}}
                        }
                    },
                },
            },
            "aliases": {alerts_alias(space): {"is_write_index": False}},
        },
    )
    es.call(
        "PUT",
        f"/{strict}/_doc/refuses",
        {"@timestamp": "2024-11-02T00:00:00Z", "kibana.alert.workflow_status": "open"},
        refresh="true",
    )

    response = client.post(
        status_path(space),
        json={"query": {"match_all": {}}, "status": "closed", "conflicts": "proceed"},
    )

    assert response.status_code >= 400
    assert response.json()["status_code"] == response.status_code
    after = es.sources(alerts_alias(space))
    assert after["refuses"]["kibana.alert.workflow_status"] == "open"
    changed = 0
    for alert_id, source in after.items():
        moved = source["kibana.alert.workflow_status"] == "closed"
        recorded = [e for e in es.history(source) if e["to"] == "closed"]
        assert len(recorded) == (1 if moved else 0), alert_id
        changed += moved
    assert 0 < changed <= len(before)
