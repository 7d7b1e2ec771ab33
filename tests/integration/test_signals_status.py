"""`POST /api/detection_engine/signals/status` against the real Elasticsearch node."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertstatus.demo import alert_document
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import WorkflowStatus
from tests.conftest import create_space, status_path

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
WORKFLOW_FIELDS = {
    "kibana.alert.workflow_status",
    "kibana.alert.workflow_user",
    "kibana.alert.workflow_status_updated_at",
    "kibana.alert.workflow_reason",
    "alertstatus.history",  # the status history (engine/history.py)
}
UPDATE_BY_QUERY_KEYS = [
    "took",
    "timed_out",
    "total",
    "updated",
    "deleted",
    "batches",
    "version_conflicts",
    "noops",
    "retries",
    "throttled_millis",
    "requests_per_second",
    "throttled_until_millis",
    "failures",
]

# The seed document's two request examples, verbatim.
SEED_BY_IDS = {
    "signal_ids": ["80e1383f856e67c1b7f7a1634744fa6d66b6e2ef7aa26d226e57afb5a7b2b4a1"],
    "status": "closed",
}
SEED_BY_QUERY = json.loads(
    """
{
  "conflicts": "proceed",
  "query": {
    "bool": {
      "filter": [
        {
          "@timestamp": {
            "format": "strict_date_optional_time",
            "gte": "2024-10-23T07:00:00.000Z",
            "lte": "2025-01-21T20:12:11.704Z"
          },
          "range": null
        },
        {
          "bool": {
            "filter": {
              "bool": {
                "filter": [
                  {"match_phrase": {"kibana.alert.workflow_status": "open"}},
                  {
                    "@timestamp": {
                      "format": "strict_date_optional_time",
                      "gte": "2024-10-23T07:00:00.000Z",
                      "lte": "2025-01-21T20:12:11.704Z"
                    },
                    "range": null
                  }
                ],
                "must": [],
                "must_not": [{"exists": {"field": "kibana.alert.building_block_type"}}],
                "should": []
              }
            }
          }
        }
      ],
      "must": [],
      "must_not": [],
      "should": []
    }
  },
  "status": "closed"
}
"""
)


def without_workflow(source: dict) -> dict:
    return {key: value for key, value in source.items() if key not in WORKFLOW_FIELDS}


def test_seed_request_bodies_are_the_documented_ones() -> None:
    """The examples above are the seed's own text (when the seeds folder is beside the repo)."""
    seed = SEEDS / "000_b8aedcbf30df2889.txt"
    if not seed.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    text = seed.read_text()
    assert SEED_BY_IDS["signal_ids"][0] in text
    assert '"range": null' in text and '"conflicts": "proceed"' in text


def test_seed_example_by_ids_closes_that_alert(client, es, es_url) -> None:
    alias = create_space(es_url, "default")
    alert_id = SEED_BY_IDS["signal_ids"][0]
    doc = alert_document("default", 1, timestamp=datetime(2024, 11, 5, tzinfo=UTC))
    es.call("PUT", f"/{alias}/_doc/{alert_id}", doc, refresh="true")

    response = client.post(status_path(None), json=SEED_BY_IDS)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == UPDATE_BY_QUERY_KEYS
    assert (body["total"], body["updated"], body["failures"]) == (1, 1, [])
    after = es.sources(alias)[alert_id]
    assert after["kibana.alert.workflow_status"] == "closed"
    assert without_workflow(after) == without_workflow(doc)


def test_seed_example_by_query_closes_open_non_building_block_alerts_in_range(
    client, es, seed, space
) -> None:
    before = seed(space, 60, building_block_ratio=0.2, closed_ratio=0.3)
    # and some outside the example's time range, which must stay as they are
    before |= seed(
        space,
        10,
        first=1000,
        start=datetime(2025, 3, 1, tzinfo=UTC),
        end=datetime(2025, 4, 1, tzinfo=UTC),
    )
    expected = {
        alert_id
        for alert_id, source in before.items()
        if source["kibana.alert.workflow_status"] == "open"
        and "kibana.alert.building_block_type" not in source
        and "2024-10-23T07:00:00.000Z" <= source["@timestamp"] <= "2025-01-21T20:12:11.704Z"
    }
    assert 10 < len(expected) < 60

    response = client.post(status_path(space), json=SEED_BY_QUERY)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["updated"], body["version_conflicts"]) == (
        len(expected),
        len(expected),
        0,
    )
    after = es.sources(alerts_alias(space))
    for alert_id, source in after.items():
        if alert_id in expected:
            assert source["kibana.alert.workflow_status"] == "closed"
            assert source["kibana.alert.workflow_user"] is None
            assert source["kibana.alert.workflow_status_updated_at"] > "2025"
            assert "kibana.alert.workflow_reason" not in source
            assert without_workflow(source) == without_workflow(before[alert_id])
        else:
            assert source == before[alert_id]


def test_seed_query_without_repair_is_passed_through_and_rejected_by_elasticsearch(
    make_client, es, seed, space
) -> None:
    before = seed(space, 5)
    client = make_client(repair_null_range=False)

    response = client.post(status_path(space), json=SEED_BY_QUERY)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "status_code"} and body["status_code"] == 400
    # the query guard refuses the two-key clause before Elasticsearch would (docs/security.md)
    assert body["message"] == "each query clause must be an object with exactly one query type"
    assert es.sources(alerts_alias(space)) == before


def test_close_by_ids_counts_exactly_and_touches_nothing_else(make_client, es, seed, space) -> None:
    before = seed(space, 40)
    chosen = sorted(before)[:15]
    client = make_client()

    first = client.post(
        status_path(space),
        json={"signal_ids": chosen, "status": "closed", "reason": "false_positive"},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["total"], first.json()["updated"], first.json()["noops"]) == (15, 15, 0)

    after = es.sources(alerts_alias(space))
    for alert_id, source in after.items():
        if alert_id in chosen:
            assert source["kibana.alert.workflow_status"] == "closed"
            assert source["kibana.alert.workflow_reason"] == "false_positive"
            assert without_workflow(source) == without_workflow(before[alert_id])
        else:
            assert source == before[alert_id]

    # Again, by default: Kibana's counting, every match rewritten and counted as updated; its
    # workflow fields stay as they were, since the status does not change.
    again = client.post(status_path(space), json={"signal_ids": chosen, "status": "closed"})
    assert (again.json()["total"], again.json()["updated"], again.json()["noops"]) == (15, 15, 0)
    assert es.sources(alerts_alias(space)) == after

    # The noop-skip, asked for per request: nothing is rewritten, Elasticsearch reports noops.
    third = client.post(
        status_path(space) + "?skip_unchanged=true", json={"signal_ids": chosen, "status": "closed"}
    )
    assert (third.json()["total"], third.json()["updated"], third.json()["noops"]) == (15, 0, 15)

    # ... or for the whole service (ALERTSTATUS_SKIP_UNCHANGED), which a request can override.
    skipping = make_client(skip_unchanged=True)
    fourth = skipping.post(status_path(space), json={"signal_ids": chosen, "status": "closed"})
    assert (fourth.json()["updated"], fourth.json()["noops"]) == (0, 15)
    fifth = skipping.post(
        status_path(space) + "?skip_unchanged=false",
        json={"signal_ids": chosen, "status": "closed"},
    )
    assert (fifth.json()["updated"], fifth.json()["noops"]) == (15, 0)
    assert es.sources(alerts_alias(space)) == after


def test_close_by_time_range(client, es, seed, space) -> None:
    before = seed(space, 50)
    since, until = "2024-11-10T00:00:00.000Z", "2024-11-20T00:00:00.000Z"
    inside = {i for i, s in before.items() if since <= s["@timestamp"] <= until}
    assert 5 < len(inside) < 45
    query = {"range": {"@timestamp": {"gte": since, "lte": until}}}

    response = client.post(status_path(space), json={"query": query, "status": "acknowledged"})

    assert response.status_code == 200, response.text
    assert (response.json()["total"], response.json()["updated"]) == (len(inside), len(inside))
    after = es.sources(alerts_alias(space))
    assert {
        i for i, s in after.items() if s["kibana.alert.workflow_status"] == "acknowledged"
    } == inside


def test_reopening_removes_the_closing_reason(client, es, seed, space) -> None:
    before = seed(space, 3)
    ids = sorted(before)
    client.post(
        status_path(space), json={"signal_ids": ids, "status": "closed", "reason": "duplicate"}
    )
    response = client.post(
        status_path(space), json={"signal_ids": ids, "status": "open", "reason": "duplicate"}
    )
    assert response.json()["updated"] == 3
    for source in es.sources(alerts_alias(space)).values():
        assert source["kibana.alert.workflow_status"] == "open"
        assert "kibana.alert.workflow_reason" not in source


def test_legacy_signal_status_is_kept_in_step(client, es, space) -> None:
    """Legacy `.siem-signals-<space>` indices behind the alias get `signal.status` updated."""
    legacy = f".siem-signals-{space}-000001"
    es.call(
        "PUT",
        f"/{legacy}",
        {
            "mappings": {
                "dynamic": False,
                "properties": {
                    "signal": {"properties": {"status": {"type": "keyword"}}},
                    "@timestamp": {"type": "date"},
                },
            },
            "aliases": {alerts_alias(space): {"is_write_index": False}},
        },
    )
    es.call(
        "PUT",
        f"/{legacy}/_doc/legacy-1",
        {"@timestamp": "2021-01-01T00:00:00Z", "signal": {"status": "open", "rule": {"id": "r"}}},
        refresh="true",
    )

    response = client.post(
        status_path(space), json={"signal_ids": ["legacy-1"], "status": "closed"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    source = es.sources(legacy)["legacy-1"]
    assert source["signal"] == {"status": "closed", "rule": {"id": "r"}}
    assert "kibana.alert.workflow_status" not in source


def test_space_isolation(client, es, seed) -> None:
    a, b = "iso-a-" + os_suffix(), "iso-b-" + os_suffix()
    seed(a, 10)
    before_b = seed(b, 10)
    ids_b = sorted(before_b)

    by_ids = client.post(status_path(a), json={"signal_ids": ids_b, "status": "closed"})
    by_query = client.post(status_path(a), json={"query": {"match_all": {}}, "status": "closed"})

    assert by_ids.json()["total"] == 0  # b's ids are not a's alerts
    assert by_query.json()["total"] == 10
    assert es.sources(alerts_alias(b)) == before_b


def os_suffix() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"signal_ids": ["a"], "status": ',
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "Invalid request payload JSON format",
            },
        ),
        (
            {"signal_ids": ["a"], "status": "resolved"},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body]: status: Invalid enum value. Expected 'open' | "
                "'closed' | 'acknowledged' | 'in-progress', received 'resolved'",
            },
        ),
        (
            {"signal_ids": ["a"]},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body]: status: Required",
            },
        ),
        (
            {"query": {"match_all": {}}, "status": "closed", "conflicts": "maybe"},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body]: conflicts: Invalid enum value. Expected 'abort' | "
                "'proceed', received 'maybe'",
            },
        ),
        (
            {"query": {"match_all": {}}, "status": "closed", "reason": "bored"},
            {"message": "bored is an invalid closing reason.", "status_code": 400},
        ),
    ],
    ids=[
        "invalid-json",
        "unknown-status",
        "no-status",
        "bad-conflicts",
        "bad-reason",
    ],
)
def test_bad_requests_get_exact_bodies_and_change_nothing(client, es, seed, space, body, expected):
    """(Empty, blank and missing ids, and ids with a query: test_kibana_status_ported.py.)"""
    before = seed(space, 5)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    response = client.post(
        status_path(space), content=content, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == expected
    assert es.sources(alerts_alias(space)) == before


@pytest.mark.parametrize(
    "space_id", ["UPPER", "a*", "a,b", "_all", "-x", "%2E%2E", "a%2Fb", "x" * 300, "é", "a%20b"]
)
def test_hostile_space_ids_are_refused_before_elasticsearch(client, es, space_id) -> None:
    indices_before = index_names(es)

    response = client.post(
        status_path(space_id), json={"query": {"match_all": {}}, "status": "closed"}
    )

    assert response.status_code in (400, 404)
    body = response.json()
    if response.status_code == 400:
        assert body["error"] == "Bad Request"
        assert body["message"].startswith("[request params].space_id: ")
    assert index_names(es) == indices_before


def index_names(es) -> set[str]:
    rows = es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    return {row["index"] for row in rows}


def _make_stale(es, space: str, alert_id: str) -> None:
    """Change one alert where search cannot see it: the next `_update_by_query` then conflicts.

    `_update_by_query` searches, then writes each hit back only if its `_seq_no` is still the one
    it found; the conflict needs a write its search does not see, so no refresh may come between
    this `_update` and that search. Setting `refresh_interval: -1` on the open index did not
    ensure that: changing a live index's interval makes Elasticsearch run one refresh of its own,
    handed to the node's refresh threads as the new settings are applied (`IndexService`: "once we
    change the refresh interval we schedule yet another refresh"). `_settings` answers without
    waiting for it and no request can wait for it; the `_refresh` sent next only queued behind it
    on a node whose refresh pool has one thread (2 processors or fewer), and an unacknowledged
    settings change applies later still. When it ran after the `_update`, the search saw the new
    version: no conflict, 200 instead of 409.

    Here the interval changes while the index is closed, so it opens with no refresh schedule and
    no refresh pending; only an explicit refresh makes a write searchable (realtime gets and
    indexing-buffer writes refresh the internal reader only), and the service sends none before
    its `_update_by_query`, whose `refresh=true` comes after its writes. The search is checked
    here, before the request.
    """
    index = create_space(es.url, space)
    concrete = next(iter(es.call("GET", f"/{index}/_alias")))
    assert es.call("POST", f"/{concrete}/_close")["acknowledged"]
    settings = {"index": {"refresh_interval": "-1"}}
    assert es.call("PUT", f"/{concrete}/_settings", settings)["acknowledged"]
    assert es.call("POST", f"/{concrete}/_open")["shards_acknowledged"]  # the primary is up
    searched = _searched_seq_no(es, concrete, alert_id)

    update = es.call("POST", f"/{concrete}/_update/{alert_id}", {"doc": {"host.name": "changed"}})

    assert update["result"] == "updated"
    assert _searched_seq_no(es, concrete, alert_id) == searched < update["_seq_no"]


def _searched_seq_no(es, index: str, alert_id: str) -> int:
    """The `_seq_no` of an alert as search sees it (not a realtime get)."""
    body = {"query": {"ids": {"values": [alert_id]}}, "seq_no_primary_term": True}
    (hit,) = es.call("POST", f"/{index}/_search", body)["hits"]["hits"]
    return hit["_seq_no"]


def test_version_conflict_with_abort_is_409_in_siem_shape(client, es, seed, space) -> None:
    before = seed(space, 3)
    victim = sorted(before)[0]
    _make_stale(es, space, victim)

    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )

    assert response.status_code == 409, response.text
    body = response.json()
    assert set(body) == {"message", "status_code"} and body["status_code"] == 409
    inner = json.loads(body["message"])  # Kibana: the update_by_query body, as a JSON string
    assert inner["version_conflicts"] == 1
    assert inner["failures"][0]["cause"]["type"] == "version_conflict_engine_exception"


def test_version_conflict_with_proceed_is_200_and_counted(client, es, seed, space) -> None:
    before = seed(space, 3)
    _make_stale(es, space, sorted(before)[0])

    response = client.post(
        status_path(space),
        json={"query": {"match_all": {}}, "status": "closed", "conflicts": "proceed"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version_conflicts"], body["updated"], body["total"]) == (1, 2, 3)


def test_unknown_query_types_are_refused_before_elasticsearch(client, seed, space) -> None:
    seed(space, 1)
    response = client.post(
        status_path(space), json={"query": {"no_such_query": {}}, "status": "closed"}
    )
    assert response.status_code == 400
    body = response.json()
    # unknown query types never reach Elasticsearch: the guard's allow-list refuses them
    assert body == {"message": "query type [no_such_query] is not allowed", "status_code": 400}


def test_elasticsearch_query_errors_keep_their_status(client, seed, space) -> None:
    seed(space, 1)
    response = client.post(
        status_path(space),
        json={"query": {"range": {"@timestamp": {"gte": "not a date"}}}, "status": "closed"},
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "status_code"} and body["status_code"] == 400
    # Kibana's `type: reason` of Elasticsearch's own refusal
    assert body["message"].startswith(("search_phase_execution_exception: ", "parse_exception: "))


def test_request_body_is_not_mutated_into_script_source(client, es, seed, space) -> None:
    """Hostile-looking values travel as params: the alert gets the literal string, nothing runs."""
    before = seed(space, 1)
    alert_id = next(iter(before))
    weird = "x'; ctx.op = 'delete'; '"
    response = client.post(
        status_path(space),
        json={"signal_ids": [alert_id], "status": "closed", "reason": weird},
    )
    assert response.status_code == 400  # not a known reason
    response = client.post(
        status_path(space), json={"signal_ids": [alert_id, weird], "status": "closed"}
    )
    assert response.json()["updated"] == 1
    assert alert_id in es.sources(alerts_alias(space))


def test_openapi_document_lists_the_routes(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/detection_engine/signals/status" in paths
    assert "/s/{space_id}/api/detection_engine/signals/status" in paths
    assert "/api/status" in paths


def test_status_reports_elasticsearch(client) -> None:
    response = client.get("/api/status")
    assert response.status_code == 200
    body = response.json()
    assert body["status"]["overall"]["level"] == "available"
    assert body["elasticsearch"]["reachable"] is True
    assert body["elasticsearch"]["version"]


def test_unknown_route_is_404_in_platform_shape(client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}


def test_reason_is_ignored_unless_closing(client, es, seed, space) -> None:
    before = seed(space, 2, closed_ratio=1.0)
    ids = sorted(before)
    response = client.post(
        status_path(space), json={"signal_ids": ids, "status": "in-progress", "reason": "anything"}
    )
    assert response.status_code == 200
    for source in es.sources(alerts_alias(space)).values():
        assert source["kibana.alert.workflow_status"] == "in-progress"
        assert "kibana.alert.workflow_reason" not in source


def test_source_is_byte_identical_apart_from_workflow_fields(client, es, seed, space) -> None:
    before = seed(space, 5)
    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )
    assert response.json()["updated"] == 5
    raw = es.call("POST", f"/{alerts_alias(space)}/_search", {"size": 10})["hits"]["hits"]
    for hit in raw:
        original = copy.deepcopy(before[hit["_id"]])
        # painless may reorder `_source` keys (as Kibana's own update does); values are untouched
        assert json.dumps(without_workflow(hit["_source"]), sort_keys=True) == json.dumps(
            without_workflow(original), sort_keys=True
        )
    assert WorkflowStatus.CLOSED.value == "closed"
