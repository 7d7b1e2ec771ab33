"""`GET /metrics`, the per-request log line and `X-Request-Id`, against the real node."""

from __future__ import annotations

import json
import logging
import uuid

from prometheus_client.parser import text_string_to_metric_families

from alertstatus.observability.logs import REQUEST_LOGGER, formatter
from tests.conftest import status_path
from tests.integration.test_signals_status import _make_stale

SPACE_ROUTE = "/s/{space_id}/api/detection_engine/signals/status"


def samples(client) -> dict[tuple[str, frozenset], float]:
    """Every sample of `/metrics`, keyed by (name, labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_and_alert_outcomes_of_real_closures(client, seed, space) -> None:
    ids = sorted(seed(space, 6))
    before = samples(client)

    first = client.post(status_path(space), json={"signal_ids": ids[:4], "status": "closed"})
    again = client.post(
        status_path(space) + "?skip_unchanged=true",  # already closed: noops, when asked
        json={"signal_ids": ids[:4], "status": "closed"},
    )
    assert (first.json()["updated"], again.json()["noops"]) == (4, 4)
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    closed = {"status": "closed"}
    assert delta("alertstatus_alerts_total", **closed, outcome="updated") == 4
    assert delta("alertstatus_alerts_total", **closed, outcome="noop") == 4
    assert delta("alertstatus_alerts_total", **closed, outcome="version_conflict") == 0
    assert delta("alertstatus_status_changes_total", **closed) == 2
    route = {"route": SPACE_ROUTE, "dialect": "kibana", "method": "POST"}
    assert delta("alertstatus_http_requests_total", **route, status="200") == 2
    assert delta("alertstatus_http_request_duration_seconds_count", **route) == 2
    assert delta("alertstatus_http_request_duration_seconds_bucket", **route, le="+Inf") == 2
    assert (
        delta(
            "alertstatus_http_requests_total",
            route="/metrics",
            dialect="alertstatus",
            method="GET",
            status="200",
        )
        == 1
    )
    assert ("alertstatus_tasks_running", frozenset()) in after


def test_metrics_count_conflicts_and_elasticsearch_errors(client, es, seed, space) -> None:
    ids = sorted(seed(space, 3))
    _make_stale(es, space, ids[0])
    before = samples(client)

    conflict = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )
    not_a_date = {"range": {"@timestamp": {"gte": "not a date"}}}  # refused by Elasticsearch
    bad = client.post(status_path(space), json={"query": not_a_date, "status": "closed"})
    unknown = client.get("/api/nothing-here")

    assert (conflict.status_code, bad.status_code, unknown.status_code) == (409, 400, 404)
    after = samples(client)
    conflicts = ("alertstatus_alerts_total", "closed", "version_conflict")
    assert (
        value(after, conflicts[0], status=conflicts[1], outcome=conflicts[2])
        - value(before, conflicts[0], status=conflicts[1], outcome=conflicts[2])
        == 1
    )
    for status in ("409", "400"):
        assert (
            value(after, "alertstatus_elasticsearch_errors_total", status=status)
            - value(before, "alertstatus_elasticsearch_errors_total", status=status)
            == 1
        )
    unmatched = {"route": "unmatched", "dialect": "none", "method": "GET", "status": "404"}
    assert value(after, "alertstatus_http_requests_total", **unmatched) >= 1


def test_each_app_has_its_own_registry(make_client, seed, space) -> None:
    ids = sorted(seed(space, 2))
    one, two = make_client(), make_client()
    one.post(status_path(space), json={"signal_ids": ids, "status": "acknowledged"})
    counted = {"status": "acknowledged", "outcome": "updated"}
    assert value(samples(one), "alertstatus_alerts_total", **counted) == 2
    assert value(samples(two), "alertstatus_alerts_total", **counted) == 0


def test_one_json_log_line_per_request_with_the_update_counts(client, seed, space, caplog) -> None:
    ids = sorted(seed(space, 3))
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = client.post(
        status_path(space),
        json={"signal_ids": ids, "status": "closed", "reason": "duplicate"},
        headers={"X-Request-Id": "soc-4711.a:b"},
    )

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "soc-4711.a:b"
    lines = [r for r in caplog.records if r.name == REQUEST_LOGGER]
    assert len(lines) == 1
    line = json.loads(formatter(json_lines=True).format(lines[0]))
    assert line["level"] == "INFO" and line["logger"] == REQUEST_LOGGER
    assert {
        key: line[key]
        for key in ("request_id", "method", "path", "route", "dialect", "space", "actor", "status")
    } == {
        "request_id": "soc-4711.a:b",
        "method": "POST",
        "path": status_path(space),
        "route": SPACE_ROUTE,
        "dialect": "kibana",
        "space": space,
        "actor": "test admin",
        "status": 200,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    update = line["update"]
    assert (update["total"], update["updated"], update["noops"]) == (3, 3, 0)
    assert update["took"] == response.json()["took"]
    assert "soc-4711.a:b" in line["message"] and "updated=3" in line["message"]


def test_json_log_line_reaches_stderr_when_configured(make_client, capsys) -> None:
    client = make_client(log_format="json")
    capsys.readouterr()

    client.get("/api/status", headers={"X-Request-Id": "probe-1"})

    lines = [json.loads(text) for text in capsys.readouterr().err.splitlines() if text]
    requests = [line for line in lines if line.get("logger") == REQUEST_LOGGER]
    assert [(r["request_id"], r["route"], r["status"]) for r in requests] == [
        ("probe-1", "/api/status", 200)
    ]
    assert "update" in requests[0] and requests[0]["update"] is None


def test_request_ids_are_generated_when_missing_or_unsafe(client, caplog) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    answers = [
        client.get("/api/status"),
        client.get("/api/status", headers={"X-Request-Id": "two words"}),
        client.get("/api/status", headers={"X-Request-Id": "x" * 129}),
        client.get("/api/status", headers={"X-Request-Id": "ok\u00e9".encode("latin-1")}),
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    for request_id in ids:
        assert uuid.UUID(request_id).version == 4
    assert len(set(ids)) == 4
    logged = [r.request_id for r in caplog.records if r.name == REQUEST_LOGGER]
    assert logged == ids
    assert (
        client.get("/api/status", headers={"X-Request-Id": "x" * 128}).headers["x-request-id"]
        == "x" * 128
    )
