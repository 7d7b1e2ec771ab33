"""Kibana's own tests of `POST /api/detection_engine/signals/status`, ported to the real node.

Each test names the Kibana test it ports. Sources (elastic/kibana):
- API integration: x-pack/solutions/security/test/security_solution_api_integration/test_suites/
  detections_response/detection_engine/alerts/basic_license_essentials_tier/alert_status/
  alert_status.ts and alert_status_ess.ts;
- route unit test: x-pack/solutions/security/plugins/security_solution/server/lib/detection_engine/
  routes/signals/open_close_signals_route.test.ts;
- the script: .../routes/common/operations/update_alerts_workflow_status.ts
  (getUpdateAlertsWorkflowStatusScript), the route .../routes/signals/open_close_signals_route.ts.

Kibana's tests run a detection rule over auditbeat data to get alerts; here realistic alerts are
seeded (`alertstatus.demo`), since alertstatus runs no detection rules. Where Kibana's unit tests
inspect the request its mocked client got, the request builder
(`engine.service.update_by_query_request`) is inspected the same way, and the real node runs it.
Every 200 body is checked against Kibana's response schema (tests/kibana_openapi/). Where we
differ on purpose, the test says so and asserts our documented behaviour (docs/dialects.md).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from alertstatus.auth.hashing import hash_secret
from alertstatus.demo import alert_id
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import AlertIds, AlertQuery, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, update_by_query_request
from tests.conftest import create_space, status_path
from tests.integration.kibana_schemas import (
    assert_kibana_response,
    documented_request,
    is_valid_kibana_request,
)
from tests.integration.test_tasks import wait_done

STATUS = "kibana.alert.workflow_status"
REASON = "kibana.alert.workflow_reason"
USER = "kibana.alert.workflow_user"
UPDATED_AT = "kibana.alert.workflow_status_updated_at"
SEARCH = "/api/detection_engine/signals/search"
# Kibana's getAlertUpdateByQueryEmptyResponse: Elasticsearch's answer when nothing matches, `took`
# removed (it varies).
EMPTY_UPDATE = {
    "timed_out": False,
    "total": 0,
    "updated": 0,
    "deleted": 0,
    "batches": 0,
    "version_conflicts": 0,
    "noops": 0,
    "retries": {"bulk": 0, "search": 0},
    "throttled_millis": 0,
    "requests_per_second": -1,
    "throttled_until_millis": 0,
    "failures": [],
}
# Kibana's mocks (routes/__mocks__/request_responses.ts)
TYPICAL_BY_IDS = {"signal_ids": ["somefakeid1", "somefakeid2"], "status": "closed"}
TYPICAL_BY_QUERY = {
    "query": {"bool": {"filter": {"range": {"@timestamp": {"gte": "now-2M", "lte": "now/M"}}}}},
    "status": "closed",
}
CLOSED = {"status": "closed"}
IN_SEED_RANGE = {"range": {"@timestamp": {"gte": "2024-11-01T00:00:00Z"}}}  # every seeded alert


def set_status(client, space: str, body: Any, query: str = "") -> Any:
    """POST the status body; a 200 is checked against Kibana's schema and returned as JSON."""
    response = client.post(status_path(space) + query, json=body)
    assert response.status_code == 200, response.text
    assert_kibana_response("SetAlertsStatus", 200, response.json())
    return response.json()


def refused(client, space: str, body: Any, status: int = 400) -> dict[str, Any]:
    """The refusal's body; checked against Kibana's schema where Kibana documents the status."""
    response = client.post(status_path(space), json=body)
    assert response.status_code == status, response.text
    if status != 403:  # Kibana's schema documents 400, 401 and 500 only
        assert_kibana_response("SetAlertsStatus", status, response.json())
    return response.json()


def search_ids(client, space: str, ids: list[str]) -> list[dict[str, Any]]:
    """Kibana's getQueryAlertIds through signals/search: the alerts with these `_id`s."""
    response = client.post(
        f"/s/{space}{SEARCH}", json={"query": {"terms": {"_id": ids}}, "size": len(ids)}
    )
    assert response.status_code == 200, response.text
    return [hit["_source"] for hit in response.json()["hits"]["hits"]]


def without_took(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "took"}


# --- alert_status.ts: validation checks --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"signal_ids": ["123"], "status": "open"}, {"query": {"match_all": {}}, "status": "open"}],
    ids=["update by ids", "update by query"],
)
def test_no_errors_when_the_alerts_index_does_not_exist_yet(client, space, body) -> None:
    """alert_status.ts, "validation checks" > "update by ids" / "update by query" > "should not
    give errors when querying and the alerts index does not exist yet"."""
    assert without_took(set_status(client, space, body)) == EMPTY_UPDATE


@pytest.mark.parametrize(
    "body",
    [{"signal_ids": ["123"], "status": "open"}, {"query": {"match_all": {}}, "status": "open"}],
    ids=["update by ids", "update by query"],
)
def test_no_errors_when_the_alerts_index_exists_and_is_empty(client, es_url, space, body) -> None:
    """alert_status.ts, "validation checks" > "update by ids" / "update by query" > "should not
    give errors when querying and the alerts index does exist and is empty"."""
    create_space(es_url, space)
    assert without_took(set_status(client, space, body)) == EMPTY_UPDATE


# --- alert_status.ts: tests with auditbeat data --------------------------------------------------


def test_ten_alerts_are_there_and_open(client, seed, space) -> None:
    """alert_status.ts, "should be able to execute and get 10 alerts": the rule's ten alerts, all
    open. (Seeded here: alertstatus runs no detection rules.)"""
    ids = sorted(seed(space, 10))
    alerts = search_ids(client, space, ids)
    assert len(alerts) == 10 and all(alert[STATUS] == "open" for alert in alerts)


def test_set_alerts_to_acknowledged(client, seed, space) -> None:
    """alert_status.ts, "should set alerts to acknowledged"."""
    ids = sorted(seed(space, 10))
    set_status(client, space, {"signal_ids": ids, "status": "acknowledged"})
    assert all(alert[STATUS] == "acknowledged" for alert in search_ids(client, space, ids))


def test_close_with_the_provided_closing_reason(client, seed, space) -> None:
    """alert_status.ts and alert_status_ess.ts, "should close the alerts with the provided closing
    reason" (`automated_closure`, one of Kibana's newest reasons)."""
    ids = sorted(seed(space, 10))
    body = {"signal_ids": ids, "status": "closed", "reason": "automated_closure"}
    assert is_valid_kibana_request("SetAlertsStatusRequestBody", body)
    set_status(client, space, body)
    alerts = search_ids(client, space, ids)
    assert len(alerts) == 10
    assert all(a[STATUS] == "closed" and a[REASON] == "automated_closure" for a in alerts)


def test_close_without_a_user_sets_workflow_user_to_null(make_client, make_key, seed, space):
    """alert_status.ts, "should be able close alerts without logging in and workflow_user is set to
    null": an API key has no user profile, so `workflow_user` is null and the time is set."""
    client = make_client(authorization=make_key("analyst", (space,)))
    ids = sorted(seed(space, 10))
    set_status(client, space, {"signal_ids": ids, "status": "closed"})
    alerts = search_ids(client, space, ids)
    assert all(a[STATUS] == "closed" and a[USER] is None for a in alerts)
    assert all(a[UPDATED_AT] is not None for a in alerts)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_close_while_logged_in_populates_workflow_user(make_client, seed, space) -> None:
    """alert_status_ess.ts, "should be able to close alerts while logged in and populate
    workflow_user", and "should close the alerts with the provided closing reason" (logged in).
    Kibana stores the user's profile uid; alertstatus stores the user's name (docs/dialects.md)."""
    user = {"username": "hunter", "password_hash": hash_secret("pw"), "role": "analyst"}
    client = make_client(authorization=basic("hunter", "pw"), auth_users=[user])
    ids = sorted(seed(space, 10))
    set_status(client, space, {"signal_ids": ids, "status": "closed", "reason": "duplicate"})
    alerts = search_ids(client, space, ids)
    assert len(alerts) == 10
    assert all(a[STATUS] == "closed" and a[USER] == "hunter" for a in alerts)
    assert all(a[UPDATED_AT] is not None and a[REASON] == "duplicate" for a in alerts)


def test_a_reader_cannot_close_alerts(make_client, make_key, es, seed, space) -> None:
    """alert_status_ess.ts, "should NOT be able to close alerts with reader user": 403."""
    before = seed(space, 3)
    reader = make_client(authorization=make_key("viewer", (space,)))
    body = refused(reader, space, {"signal_ids": sorted(before), "status": "closed"}, 403)
    assert body["statusCode"] == 403
    assert es.sources(alerts_alias(space)) == before


# --- open_close_signals_route.test.ts: status on signal -----------------------------------------


def test_200_by_ids_and_by_query(client, seed, space) -> None:
    """open_close_signals_route.test.ts, "returns 200 when setting a status on a signal by ids" and
    "... by query", with Kibana's typical payloads."""
    seed(space, 3)
    assert set_status(client, space, TYPICAL_BY_IDS)["total"] == 0  # its fake ids name nothing
    assert set_status(client, space, TYPICAL_BY_QUERY)["total"] == 0  # "now-2M": none so recent


def test_the_query_is_wrapped_in_bool_filter_and_ids_become_terms() -> None:
    """open_close_signals_route.test.ts, 'calls "esClient.updateByQuery" with queryId when query is
    defined' and '... with signalIds when ids are defined': the request the engine builds."""
    by_query = StatusChange("default", AlertQuery(TYPICAL_BY_QUERY["query"]), WorkflowStatus.CLOSED)
    _, body = update_by_query_request(by_query, EngineOptions())
    assert body["query"] == {"bool": {"filter": TYPICAL_BY_QUERY["query"]}}
    by_ids = StatusChange(
        "default", AlertIds(("somefakeid1", "somefakeid2")), WorkflowStatus.CLOSED
    )
    _, body = update_by_query_request(by_ids, EngineOptions())
    assert body["query"] == {"bool": {"filter": {"terms": {"_id": ["somefakeid1", "somefakeid2"]}}}}


def test_an_elasticsearch_error_keeps_its_status_in_the_siem_shape(client, es, seed, space):
    """open_close_signals_route.test.ts, "catches error if asCurrentUser throws error": Kibana
    answers `{message, status_code}` (transformError). A date Elasticsearch cannot parse stands in
    for the mock's thrown error; its status is Elasticsearch's (400), not a mock's 500."""
    before = seed(space, 3)
    body = refused(
        client,
        space,
        {"query": {"range": {"@timestamp": {"gte": "not a date"}}}, "status": "closed"},
    )
    assert set(body) == {"message", "status_code"} and body["status_code"] == 400
    assert body["message"].startswith("search_phase_execution_exception")
    assert es.sources(alerts_alias(space)) == before


def test_more_than_a_hundred_runtime_fields_is_a_400_before_any_update(client, es, seed, space):
    """open_close_signals_route.test.ts, "returns 400 when runtime_fields exceeds the per-request
    entry limit": Kibana's route message, nothing updated."""
    before = seed(space, 3)
    fields = {f"custom.field_{n}": "keyword" for n in range(101)}
    body = refused(client, space, {**TYPICAL_BY_QUERY, "runtime_fields": fields})
    assert body == {
        "message": "runtime_fields is limited to 100 entries per request, received 101",
        "status_code": 400,
    }
    assert es.sources(alerts_alias(space)) == before


def test_a_hundred_runtime_fields_need_an_engine_with_runtime_fields(
    client, es, seed, space, cluster_version
):
    """open_close_signals_route.test.ts, "returns 200 when runtime_fields is at the per-request
    entry limit". Kibana runs on Elasticsearch 8+; this node is 7.10.2, which has no runtime
    fields, so we answer a 400 that names the engine (docs/dialects.md, "Runtime fields"). On 7.11
    and later the fields reach `_update_by_query` (tests/unit/test_runtime_fields.py)."""
    before = seed(space, 3)
    fields = {f"custom.field_{n}": "keyword" for n in range(100)}
    body = refused(client, space, {**TYPICAL_BY_QUERY, "runtime_fields": fields})
    assert body == {
        "message": "runtime_mappings and runtime_fields need Elasticsearch 7.11 or later; "
        f"this cluster runs {cluster_version}",
        "status_code": 400,
    }
    assert es.sources(alerts_alias(space)) == before
    change = StatusChange(
        "default",
        AlertQuery(TYPICAL_BY_QUERY["query"], {name: {"type": "keyword"} for name in fields}),
        WorkflowStatus.CLOSED,
    )
    assert len(update_by_query_request(change, EngineOptions())[1]["runtime_mappings"]) == 100


def test_an_invalid_closing_reason_is_a_400_before_any_update(client, es, seed, space) -> None:
    """open_close_signals_route.test.ts, "returns 400 when closing reason is invalid"."""
    before = seed(space, 2)
    body = refused(
        client, space, {"signal_ids": sorted(before), **CLOSED, "reason": "invalid_reason"}
    )
    assert body == {"message": "invalid_reason is an invalid closing reason.", "status_code": 400}
    assert es.sources(alerts_alias(space)) == before


def test_a_configured_custom_closing_reason_is_accepted(make_client, seed, space) -> None:
    """open_close_signals_route.test.ts, "returns 200 when closing reason is in configured custom
    reasons" (Kibana's uiSettings; here ALERTSTATUS_EXTRA_CLOSE_REASONS)."""
    client = make_client(extra_close_reasons=["configured_custom_reason"])
    ids = sorted(seed(space, 2))
    set_status(client, space, {"signal_ids": ids, **CLOSED, "reason": "configured_custom_reason"})
    assert all(a[REASON] == "configured_custom_reason" for a in search_ids(client, space, ids))


def test_a_default_closing_reason_is_accepted_by_query(client, seed, space) -> None:
    """open_close_signals_route.test.ts, "returns 200 when closing reason is in default reasons"
    (true_positive, by query)."""
    ids = sorted(seed(space, 4))
    body = {"query": IN_SEED_RANGE, **CLOSED, "reason": "true_positive"}
    assert set_status(client, space, body)["updated"] == 4
    assert all(a[REASON] == "true_positive" for a in search_ids(client, space, ids))


# --- open_close_signals_route.test.ts: request validation ---------------------------------------


@pytest.mark.parametrize("body", [TYPICAL_BY_IDS, TYPICAL_BY_QUERY], ids=["ids", "query"])
def test_allows_ids_or_query_with_status(client, space, body) -> None:
    """open_close_signals_route.test.ts, "allows signal_ids and status", "allows query and
    status"."""
    assert is_valid_kibana_request("SetAlertsStatusRequestBody", body)
    set_status(client, space, body)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (CLOSED, "signal_ids: Required, query: Required"),
        ({"signal_ids": ["somefakeid1"]}, None),
        ({"query": TYPICAL_BY_QUERY["query"]}, None),
        ({"signal_ids": ["somefakeid1"], "query": TYPICAL_BY_QUERY["query"]}, None),
    ],
    ids=["neither", "ids-no-status", "query-no-status", "both-no-status"],
)
def test_rejects_without_ids_or_query_or_status(client, es, seed, space, body, text) -> None:
    """open_close_signals_route.test.ts, "rejects if neither signal_ids nor query", "rejects if
    signal_ids but no status", "rejects if query but no status", "rejects if query and signal_ids
    but no status": the platform's 400. With neither, Kibana's zod union lists both forms'
    missing member."""
    before = seed(space, 2)
    assert not is_valid_kibana_request("SetAlertsStatusRequestBody", body)
    answer = refused(client, space, body)
    assert (answer["statusCode"], answer["error"]) == (400, "Bad Request")
    if text:
        assert answer["message"] == f"[request body]: {text}"
    else:
        assert "status" in answer["message"]
    assert es.sources(alerts_alias(space)) == before


# --- the script's rules: Kibana's counting (update_alerts_workflow_status.ts) -------------------


def test_reclosing_counts_every_match_as_updated_and_keeps_the_workflow_fields(
    client, es, seed, space
):
    """getUpdateAlertsWorkflowStatusScript: every matched alert is written (so `updated`, never
    `noops`), but its workflow fields change only when its status does: re-closing with another
    reason leaves status, user, time and reason as they were. (alertstatus's default since
    Kibana's counting; `?skip_unchanged=true` is the faster choice, below.)"""
    ids = sorted(seed(space, 6))
    first = set_status(client, space, {"signal_ids": ids, **CLOSED, "reason": "duplicate"})
    assert (first["total"], first["updated"], first["noops"]) == (6, 6, 0)
    closed = es.sources(alerts_alias(space))

    again = set_status(client, space, {"signal_ids": ids, **CLOSED, "reason": "false_positive"})
    by_query = set_status(client, space, {"query": IN_SEED_RANGE, **CLOSED})

    assert (again["total"], again["updated"], again["noops"]) == (6, 6, 0)
    assert (by_query["total"], by_query["updated"], by_query["noops"]) == (6, 6, 0)
    assert es.sources(alerts_alias(space)) == closed  # reason still "duplicate", same time
    assert all(source[REASON] == "duplicate" for source in closed.values())


def test_legacy_signal_status_is_kept_in_step(client, es, es_url, space) -> None:
    """getUpdateAlertsWorkflowStatusScript: `signal.status` is set whenever present; an alert
    without any status field is written but not given one."""
    alias = create_space(es_url, space)
    # an old `.siem-signals`-style index behind the alias (in Kibana's own layout `signal.status`
    # is an alias of the workflow status, so a document cannot carry it alone)
    legacy = f".siem-signals-{space}-000001"
    es.call("PUT", f"/{legacy}", {"aliases": {alias: {"is_write_index": False}}})
    es.call("PUT", f"/{legacy}/_doc/legacy", {"signal": {"status": "open"}}, refresh="true")
    es.call("PUT", f"/{legacy}/_doc/bare", {"message": "no status"}, refresh="true")
    answer = set_status(client, space, {"signal_ids": ["legacy", "bare"], **CLOSED})
    assert (answer["total"], answer["updated"]) == (2, 2)
    after = es.sources(alias)
    assert after["legacy"]["signal"] == {"status": "closed"} and STATUS not in after["legacy"]
    assert after["bare"] == {"message": "no status"}


@pytest.mark.parametrize("prefix", ["", "/s/{space}"], ids=["default-space-path", "space-path"])
def test_skip_unchanged_is_the_explicit_faster_choice(make_client, es, seed, space, prefix):
    """Not in Kibana (docs/dialects.md, "Counting"): `?skip_unchanged=true` leaves alerts already
    in the target status untouched and counts them as `noops`, on both paths."""
    space_id = "default" if not prefix else space
    client = make_client()
    # the default space is shared by the whole session: numbers no other test seeds there, and
    # only these four (seed answers every alert of the space)
    first = 10**9 + uuid.uuid4().int % 10**9 if not prefix else 0
    seed(space_id, 4, first=first)
    ids = sorted(alert_id(space_id, first + number) for number in range(4))
    set_status(client, space_id, {"signal_ids": ids[:2], **CLOSED})
    path = prefix.format(space=space) + "/api/detection_engine/signals/status?skip_unchanged=true"
    response = client.post(path, json={"signal_ids": ids, **CLOSED})
    assert response.status_code == 200, response.text
    assert_kibana_response("SetAlertsStatus", 200, response.json())
    assert (response.json()["updated"], response.json()["noops"]) == (2, 2), response.json()


def test_skip_unchanged_applies_to_asynchronous_changes_too(client, seed, space) -> None:
    """Not in Kibana: `wait_for_completion=false` (a task) takes the same choice."""
    before = seed(space, 30, closed_ratio=0.5)
    closed = sum(source[STATUS] == "closed" for source in before.values())
    assert 0 < closed < 30
    started = client.post(
        status_path(space) + "?wait_for_completion=false&skip_unchanged=true",
        json={"query": IN_SEED_RANGE, **CLOSED},
    )
    assert started.status_code == 200, started.text
    report = wait_done(client, space, started.json()["task"])
    assert (report["total"], report["updated"], report["noops"]) == (30, 30 - closed, closed)


# --- Kibana 8.12+ request shapes: ids and query together, blank ids, empty ids -----------------


def test_ids_and_query_together_use_the_ids(client, es, seed, space) -> None:
    """set_signals_status_route.gen.ts (zod union, by-ids form first, unknown keys stripped) and
    open_close_signals_route.ts (`'signal_ids' in request.body`): the ids are used, the query
    ignored. alertstatus refused this body before."""
    ids = sorted(seed(space, 6))
    body = {"signal_ids": ids[:2], "query": IN_SEED_RANGE, **CLOSED}
    assert set_status(client, space, body)["updated"] == 2
    after = es.sources(alerts_alias(space))
    assert [i for i in ids if after[i][STATUS] == "closed"] == ids[:2]


@pytest.mark.parametrize("ids", [[], ["   "]], ids=["empty-ids", "blank-id"])
def test_unusable_ids_beside_a_query_fall_back_to_the_query(client, seed, space, ids) -> None:
    """The same union: when the by-ids form fails (empty or blank ids) and the by-query form
    parses, Kibana uses the query."""
    seed(space, 3)
    assert (
        set_status(client, space, {"signal_ids": ids, "query": IN_SEED_RANGE, **CLOSED})["updated"]
        == 3
    )


@pytest.mark.parametrize(
    ("ids", "text"),
    [
        ([], "signal_ids: Array must contain at least 1 element(s)"),
        (["   "], "signal_ids.0: No empty strings allowed"),
        (
            [""],
            "signal_ids.0: String must contain at least 1 character(s), "
            "signal_ids.0: No empty strings allowed",
        ),
        (["a", "\t\u00a0\n"], "signal_ids.1: No empty strings allowed"),
    ],
    ids=["empty-array", "blank-id", "empty-id", "whitespace-id"],
)
def test_empty_and_blank_ids_get_kibanas_texts(client, es, seed, space, ids, text) -> None:
    """set_signals_status_route.gen.ts: `z.array(z.string().min(1).superRefine(isNonEmptyString))
    .min(1)` (@kbn/zod-helpers: "No empty strings allowed"); zod reports the by-ids form's issues
    alone since that form is the one that nearly parsed."""
    before = seed(space, 2)
    answer = refused(client, space, {"signal_ids": ids, **CLOSED})
    assert (answer["statusCode"], answer["error"]) == (400, "Bad Request")
    assert answer["message"] == f"[request body]: {text}"
    assert es.sources(alerts_alias(space)) == before


# --- runtime fields on the real 7.10.2 node (docs/dialects.md, "Runtime fields") ---------------


@pytest.mark.parametrize("member", ["runtime_mappings", "runtime_fields"])
def test_an_empty_runtime_member_is_dropped(client, seed, space, member) -> None:
    """Kibana's buildRuntimeMappingsFromFieldTypes returns nothing for `{}`: no
    `runtime_mappings` reaches Elasticsearch, so 7.10 answers as without it."""
    seed(space, 3)
    assert set_status(client, space, {"query": IN_SEED_RANGE, **CLOSED, member: {}})["updated"] == 3


@pytest.mark.parametrize(
    "runtime",
    [
        {"runtime_fields": {"source.ip_ecs": "ip"}},
        {"runtime_mappings": {"source.ip_ecs": {"type": "ip"}}},
    ],
    ids=["runtime_fields", "runtime_mappings"],
)
def test_runtime_fields_on_an_engine_without_them_are_a_clear_400(
    client, es, space, runtime, cluster_version
):
    """Never silently ignored: on Elasticsearch 7.10 a non-empty one answers 400 naming the
    engine, before the space's index is even created."""
    body = refused(client, space, {"query": IN_SEED_RANGE, **CLOSED, **runtime})
    assert body == {
        "message": "runtime_mappings and runtime_fields need Elasticsearch 7.11 or later; "
        f"this cluster runs {cluster_version}",
        "status_code": 400,
    }
    assert es.http.head(f"/_alias/{alerts_alias(space)}").status_code == 404


def test_a_scripted_runtime_field_is_refused_before_any_io(client, es, space) -> None:
    """Differs from Kibana on purpose: Kibana passes `runtime_mappings` scripts to
    Elasticsearch; the query guard refuses scripts (docs/security.md) before the version is
    asked or anything is created."""
    scripted = {"x": {"type": "keyword", "script": {"source": "emit('a')"}}}
    body = refused(client, space, {"query": IN_SEED_RANGE, **CLOSED, "runtime_mappings": scripted})
    assert body == {
        "message": "[runtime_mappings.x.script]: scripts are not allowed",
        "status_code": 400,
    }
    assert es.http.head(f"/_alias/{alerts_alias(space)}").status_code == 404


def test_runtime_fields_types_are_kibanas(client, space) -> None:
    """Kibana 9.5's `runtime_fields` maps a field to a runtime field type; anything else is the
    platform's 400."""
    answer = refused(client, space, {**TYPICAL_BY_QUERY, "runtime_fields": {"a": "text"}})
    assert answer["statusCode"] == 400 and "runtime_fields.a" in answer["message"]


def test_the_documented_by_id_example_is_answered_in_kibanas_shape(client, space) -> None:
    """The bundled OpenAPI's `byId` request example, verbatim: a 200 in the documented shape."""
    body = documented_request("SetAlertsStatusById")
    assert is_valid_kibana_request("SetAlertsStatusRequestBody", body)
    assert set_status(client, space, body)["total"] == 0
