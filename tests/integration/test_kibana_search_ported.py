"""Kibana's own tests of `POST /api/detection_engine/signals/search`, ported to the real node.

Each test names the Kibana test it ports. Sources (elastic/kibana):
- API integration: x-pack/solutions/security/test/security_solution_api_integration/test_suites/
  detections_response/detection_engine/alerts/basic_license_essentials_tier/query_alerts.ts;
- route unit test: x-pack/solutions/security/plugins/security_solution/server/lib/detection_engine/
  routes/signals/query_signals_route.test.ts (and its route, query_signals_route.ts).

Kibana's unit tests check the request its mocked client got; here the node answers, so each test
checks what the answer shows (which alerts, which index). Every 200 body is checked against
Kibana's response schema (tests/kibana_openapi/). Where we differ on purpose, the test says so.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import create_space
from tests.integration.kibana_schemas import (
    assert_kibana_response,
    documented_request,
    is_valid_kibana_request,
)

SEARCH = "/api/detection_engine/signals/search"
# Kibana's mocks (routes/__mocks__/request_responses.ts) and test utils (getAlertStatus)
TYPICAL_QUERY = {"aggs": {}, "query": {"match_all": {}}}
TYPICAL_AGGS = {
    "aggs": {"statuses": {"terms": {"field": "kibana.alert.workflow_status", "size": 10}}}
}
STATUS_QUERY = {**TYPICAL_AGGS, "query": {"bool": {"should": [{"match_all": {}}]}}}
EMPTY_SEARCH = {"message": '"value" must have at least 1 children', "status_code": 400}


def search(client, space: str, body: Any) -> dict[str, Any]:
    """POST the search; a 200 is checked against Kibana's schema and returned as JSON."""
    response = client.post(f"/s/{space}{SEARCH}", json=body)
    assert response.status_code == 200, response.text
    assert_kibana_response("SearchAlerts", 200, response.json())
    return response.json()


def refused(client, space: str, body: Any) -> dict[str, Any]:
    response = client.post(f"/s/{space}{SEARCH}", json=body)
    assert response.status_code == 400, response.text
    assert_kibana_response("SearchAlerts", 400, response.json())
    return response.json()


# --- query_alerts.ts -------------------------------------------------------------------------


def test_no_errors_when_the_alerts_index_exists_and_is_empty(client, es_url, space) -> None:
    """query_alerts.ts, "validation checks" > "should not give errors when querying and the alerts
    index does exist and is empty": Elasticsearch's empty answer, aggregation included."""
    create_space(es_url, space)
    body = search(client, space, STATUS_QUERY)
    del body["took"]
    assert body == {
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
        "aggregations": {
            "statuses": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []}
        },
    }


def test_a_runtime_field_defined_in_the_request(client, es, seed, space, cluster_version) -> None:
    """query_alerts.ts, "runtime fields" > "should be able to filter using a runtime field defined
    in the request". Kibana's test defines the field with a Painless script; we differ on purpose:
    the query guard refuses scripts (docs/security.md), before Elasticsearch. The script-less form
    of the same field is accepted by the guard, and on this 7.10.2 node, which has no runtime
    fields, answers a 400 naming the engine (docs/dialects.md, "Runtime fields")."""
    seed(space, 3)
    query = {"bool": {"should": [{"match_phrase": {"signal_status_querytime": "open"}}]}}
    scripted = {
        "query": query,
        "runtime_mappings": {
            "signal_status_querytime": {
                "type": "keyword",
                "script": {"source": "emit(doc['signal.status'].value)"},
            }
        },
    }
    assert refused(client, space, scripted) == {
        "message": "[runtime_mappings.signal_status_querytime.script]: scripts are not allowed",
        "status_code": 400,
    }
    script_less = {
        "query": query,
        "runtime_mappings": {"signal_status_querytime": {"type": "keyword"}},
    }
    assert refused(client, space, script_less) == {
        "message": "runtime_mappings need Elasticsearch 7.11 or later; "
        f"this cluster runs {cluster_version}",
        "status_code": 400,
    }


def test_the_documented_example_with_empty_runtime_mappings(client, seed, space) -> None:
    """The bundled OpenAPI's SearchAlerts request example, verbatim, `runtime_mappings: {}` and
    all (Kibana's UI sends it too): the empty member is dropped, so 7.10 answers 200."""
    seed(space, 4)
    body = documented_request("SearchAlerts")
    assert body["runtime_mappings"] == {} and is_valid_kibana_request("QueryAlertsBodyParams", body)
    answer = search(client, space, body)
    assert set(answer["aggregations"]) == {"alertsByGrouping", "missingFields"}


# --- query_signals_route.test.ts: query and agg on signals index -----------------------------


def test_200_with_a_single_query(client, seed, space) -> None:
    """query_signals_route.test.ts, "returns 200 when using single query" (its typical query,
    with `aggs: {}`)."""
    before = seed(space, 5)
    answer = search(client, space, TYPICAL_QUERY)
    assert {hit["_id"] for hit in answer["hits"]["hits"]} == set(before)


def test_the_spaces_alias_is_searched_without_a_wildcard(client, seed, space) -> None:
    """query_signals_route.test.ts, "search on an index pattern without wildcard added": only the
    space's own alias `.alerts-security.alerts-<space>` is searched, not its neighbours'."""
    mine = seed(space, 3)
    seed(f"{space}-other", 2)
    hits = search(client, space, TYPICAL_QUERY)["hits"]["hits"]
    assert {hit["_id"] for hit in hits} == set(mine)
    assert {hit["_index"] for hit in hits} == {f".internal.alerts-security.alerts-{space}-000001"}


def test_200_with_a_single_aggregation_and_unavailable_indices_ignored(client, seed, space):
    """query_signals_route.test.ts, "returns 200 when using single agg" (`ignore_unavailable:
    true`): counts by status, and a space with no alerts index answers 200 too."""
    before = seed(space, 6, closed_ratio=0.5)
    buckets = search(client, space, TYPICAL_AGGS)["aggregations"]["statuses"]["buckets"]
    expected: dict[str, int] = {}
    for source in before.values():
        status = source["kibana.alert.workflow_status"]
        expected[status] = expected.get(status, 0) + 1
    assert {bucket["key"]: bucket["doc_count"] for bucket in buckets} == expected
    nowhere = search(client, f"{space}-none", TYPICAL_AGGS)
    assert nowhere["hits"]["hits"] == []


def test_200_with_aggs_and_query_together(client, seed, space) -> None:
    """query_signals_route.test.ts, "returns 200 when using aggs and query together"."""
    before = seed(space, 4)
    answer = search(client, space, {**TYPICAL_QUERY, **TYPICAL_AGGS})
    assert answer["hits"]["total"]["value"] == len(before)
    assert answer["aggregations"]["statuses"]["buckets"][0]["doc_count"] == len(before)


def test_an_elasticsearch_error_keeps_its_status_in_the_siem_shape(client, seed, space) -> None:
    """query_signals_route.test.ts, "catches error if query throws error": `{message,
    status_code}`. A date Elasticsearch cannot parse stands in for the mock's thrown error; the
    status is Elasticsearch's (400)."""
    seed(space, 2)
    body = refused(client, space, {"query": {"range": {"@timestamp": {"gte": "not a date"}}}})
    assert set(body) == {"message", "status_code"} and body["status_code"] == 400
    assert body["message"].startswith("search_phase_execution_exception")


# --- query_signals_route.test.ts: request validation -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [TYPICAL_QUERY, TYPICAL_AGGS, {**TYPICAL_AGGS, **TYPICAL_QUERY}],
    ids=["query", "aggs", "aggs-and-query"],
)
def test_allows_query_or_aggs_or_both(client, space, body) -> None:
    """query_signals_route.test.ts, "allows when query present", "allows when aggs present",
    "allows when aggs and query present"."""
    assert is_valid_kibana_request("QueryAlertsBodyParams", body)
    search(client, space, body)


@pytest.mark.parametrize(
    "body",
    [{}, {"runtime_mappings": {}}, {"runtime_mappings": {"x": {"type": "keyword"}}}],
    ids=["empty", "empty-runtime-mappings", "runtime-mappings-alone"],
)
def test_rejects_when_missing_aggs_and_query(client, es, space, body) -> None:
    """query_signals_route.test.ts, "rejects when missing aggs and query": Kibana's route answers
    `{"message": '"value" must have at least 1 children', "status_code": 400}`; its check counts
    every member but `runtime_mappings`, so runtime fields alone are refused the same way."""
    assert refused(client, space, body) == EMPTY_SEARCH
    indices = es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    assert not any(space in row["index"] for row in indices)
