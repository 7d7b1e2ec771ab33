"""Alerts for the dialect tests: named by `_id` and, separately, by a UUID `kibana.alert.uuid`."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from alertstatus.demo import alert_document
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import WorkflowStatus
from tests.conftest import create_space


def doc_id(alert_uuid: str) -> str:
    """A Kibana-like 64-hex `_id`, different from the alert's UUID."""
    return hashlib.sha256(alert_uuid.encode()).hexdigest()


def put_alerts(
    es, es_url: str, space: str, uuids: list[str], status: str = "open", **fields: Any
) -> str:
    """Index one alert per UUID (as `kibana.alert.uuid`, `_id` = doc_id) and return the alias."""
    alias = create_space(es_url, space)
    lines: list[dict[str, Any]] = []
    for number, alert_uuid in enumerate(uuids):
        doc = alert_document(
            space,
            number,
            timestamp=datetime(2024, 11, 5, tzinfo=UTC),
            status=WorkflowStatus(status),
        )
        doc["kibana.alert.uuid"] = alert_uuid
        doc.update(fields)
        lines += [{"create": {"_index": alias, "_id": doc_id(alert_uuid)}}, doc]
    es.bulk(lines)
    return alerts_alias(space)


def source_of(es, space: str, alert_uuid: str) -> dict[str, Any]:
    return es.sources(alerts_alias(space))[doc_id(alert_uuid)]


def history(es, space: str, alert_uuid: str) -> list[dict[str, Any]]:
    return es.history(source_of(es, space, alert_uuid))
