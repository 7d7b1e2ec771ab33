"""Realistic security alerts in Kibana's alerts-as-data shape, for demos, tests and benchmarks."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from alertstatus.engine.model import WorkflowStatus

RULES = (
    ("Suspicious PowerShell Execution", "high", 73),
    ("Brute Force Login Attempts", "medium", 47),
    ("Unusual Network Connection", "low", 21),
    ("Credential Dumping via LSASS", "critical", 99),
    ("Malware Detected on Host", "high", 73),
)
HOSTS = tuple(f"host-{n:03d}" for n in range(40))
USERS = ("alice", "bob", "carol", "dave", "svc-backup", "administrator")


def alert_id(space_id: str, number: int) -> str:
    """A deterministic 64-hex `_id` like Kibana's (a SHA-256)."""
    return hashlib.sha256(f"{space_id}:{number}".encode()).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_document(
    space_id: str,
    number: int,
    *,
    timestamp: datetime,
    status: WorkflowStatus = WorkflowStatus.OPEN,
    building_block: bool = False,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """One detection alert as Kibana writes it (flat dotted keys, like Kibana's own writer)."""
    rng = rng or random.Random(number)
    rule_name, severity, risk = RULES[number % len(RULES)]
    rule_uuid = hashlib.md5(rule_name.encode()).hexdigest()
    host, user = rng.choice(HOSTS), rng.choice(USERS)
    doc: dict[str, Any] = {
        "@timestamp": iso(timestamp),
        "event.kind": "signal",
        "host.name": host,
        "user.name": user,
        "kibana.space_ids": [space_id],
        "kibana.version": "8.15.0",
        "kibana.alert.uuid": alert_id(space_id, number),
        "kibana.alert.instance.id": hashlib.sha1(f"{rule_uuid}{host}".encode()).hexdigest(),
        "kibana.alert.status": "active",
        "kibana.alert.workflow_status": status.value,
        "kibana.alert.workflow_tags": [],
        "kibana.alert.workflow_assignee_ids": [],
        "kibana.alert.reason": f"{rule_name} on {host} by {user}",
        "kibana.alert.severity": severity,
        "kibana.alert.risk_score": risk,
        "kibana.alert.original_time": iso(timestamp - timedelta(seconds=rng.randint(1, 300))),
        "kibana.alert.depth": 1,
        "kibana.alert.rule.uuid": rule_uuid,
        "kibana.alert.rule.name": rule_name,
        "kibana.alert.rule.rule_type_id": "siem.queryRule",
        "kibana.alert.rule.consumer": "siem",
        "kibana.alert.rule.producer": "siem",
        "kibana.alert.rule.category": "Custom Query Rule",
        "kibana.alert.rule.tags": ["demo"],
        "kibana.alert.ancestors": [
            {
                "id": hashlib.sha1(f"event-{number}".encode()).hexdigest(),
                "type": "event",
                "index": "logs-endpoint.events-default",
                "depth": 0,
            }
        ],
    }
    if building_block:
        doc["kibana.alert.building_block_type"] = "default"
    if status is WorkflowStatus.CLOSED:
        doc["kibana.alert.workflow_reason"] = "false_positive"
        doc["kibana.alert.workflow_status_updated_at"] = iso(timestamp)
    return doc


def bulk_lines(
    index: str, space_id: str, numbers: range, *, start: datetime, end: datetime,
    closed_ratio: float = 0.0, building_block_ratio: float = 0.0, seed: int = 0,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """`_bulk` create lines for alerts numbered `numbers`, timestamps spread over [start, end)."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    for number in numbers:
        status = WorkflowStatus.CLOSED if rng.random() < closed_ratio else WorkflowStatus.OPEN
        timestamp = start + timedelta(seconds=rng.random() * span)
        yield {"create": {"_index": index, "_id": alert_id(space_id, number)}}
        yield alert_document(
            space_id, number, timestamp=timestamp, status=status,
            building_block=rng.random() < building_block_ratio, rng=rng,
        )  # fmt: skip
