"""Prometheus counters for requests, alert updates and Elasticsearch errors.

Each app owns its own CollectorRegistry (`app.state.metrics`), so several apps in one process
(tests, embedding) never clash on metric names. With several uvicorn workers each worker counts
its own requests: see docs/operations.md.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from alertstatus.engine.model import StatusChange
from alertstatus.engine.outcome import UpdateCounts

# Requests go from milliseconds (ids) to an hour (synchronous closures of millions of alerts).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class Metrics:
    """The service's metrics, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "alertstatus_http_requests",
            "HTTP requests answered, by route template, dialect, method and status.",
            ["route", "dialect", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "alertstatus_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, dialect and method.",
            ["route", "dialect", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.alerts = Counter(
            "alertstatus_alerts",
            "Alerts seen by status changes, by target status and outcome "
            "(updated, noop, version_conflict), from the _update_by_query responses.",
            ["status", "outcome"],
            registry=registry,
        )
        self.status_changes = Counter(
            "alertstatus_status_changes",
            "_update_by_query calls that answered with counts, by target status.",
            ["status"],
            registry=registry,
        )
        self.elasticsearch_errors = Counter(
            "alertstatus_elasticsearch_errors",
            "Elasticsearch calls that failed, by HTTP status (502-504: no answer).",
            ["status"],
            registry=registry,
        )
        self.tasks_running = Gauge(
            "alertstatus_tasks_running",
            "Asynchronous status-change tasks currently running.",
            registry=registry,
        )

    def observe_request(
        self, route: str, dialect: str, method: str, status: int, seconds: float
    ) -> None:
        self.requests.labels(route, dialect, method, str(status)).inc()
        self.latency.labels(route, dialect, method).observe(seconds)

    def observe_update(self, change: StatusChange, counts: UpdateCounts) -> None:
        status = change.status.value
        self.status_changes.labels(status).inc()
        self.alerts.labels(status, "updated").inc(counts.updated)
        self.alerts.labels(status, "noop").inc(counts.noops)
        self.alerts.labels(status, "version_conflict").inc(counts.version_conflicts)

    def observe_elasticsearch_error(self, status: int) -> None:
        self.elasticsearch_errors.labels(str(status)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
