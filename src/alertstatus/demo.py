"""Realistic security alerts in Kibana's alerts-as-data shape, for demos, tests and benchmarks."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alertstatus.engine.indices import AlertIndices
from alertstatus.engine.model import WorkflowStatus
from alertstatus.engine.timerange import iso_millis
from alertstatus.errors import SeedError
from alertstatus.es.gateway import Gateway


@dataclass(frozen=True, slots=True)
class DemoRule:
    """A detection rule as the demo alerts name it; `building_block` rules feed other rules."""

    name: str
    severity: str
    risk_score: int
    rule_type: str
    category: str
    tactic: str
    building_block: bool = False

    @property
    def uuid(self) -> str:
        return str(uuid.UUID(hashlib.md5(self.name.encode()).hexdigest()))


RULES = (
    DemoRule(
        "Suspicious PowerShell Execution",
        "high",
        73,
        "siem.queryRule",
        "Custom Query Rule",
        "Execution",
    ),
    DemoRule(
        "Brute Force Login Attempts",
        "medium",
        47,
        "siem.thresholdRule",
        "Threshold Rule",
        "Credential Access",
    ),
    DemoRule(
        "Unusual Network Connection",
        "low",
        21,
        "siem.mlRule",
        "Machine Learning Rule",
        "Command and Control",
    ),
    DemoRule(
        "Credential Dumping via LSASS",
        "critical",
        99,
        "siem.eqlRule",
        "Event Correlation Rule",
        "Credential Access",
    ),
    DemoRule(
        "Malware Detected on Host", "high", 73, "siem.queryRule", "Custom Query Rule", "Execution"
    ),
    DemoRule(
        "Persistence via Scheduled Task",
        "medium",
        47,
        "siem.eqlRule",
        "Event Correlation Rule",
        "Persistence",
    ),
    DemoRule(
        "Rare Process by Host",
        "low",
        21,
        "siem.newTermsRule",
        "New Terms Rule",
        "Discovery",
        building_block=True,
    ),
    DemoRule(
        "Outbound Connection to Known Bad IP",
        "critical",
        99,
        "siem.indicatorRule",
        "Indicator Match Rule",
        "Exfiltration",
    ),
    DemoRule(
        "Base64 Encoded Command Line",
        "low",
        21,
        "siem.queryRule",
        "Custom Query Rule",
        "Defense Evasion",
        building_block=True,
    ),
)
DETECTION_RULES = tuple(rule for rule in RULES if not rule.building_block)
BUILDING_BLOCK_RULES = tuple(rule for rule in RULES if rule.building_block)
HOSTS = tuple(
    (f"{kind}-{n:03d}", os_name)
    for kind, os_name in (("ws", "Windows"), ("srv", "Linux"), ("mac", "macOS"))
    for n in range(15)
)
USERS = ("alice", "bob", "carol", "dave", "erin", "svc-backup", "administrator", "root")
CLOSE_REASONS = ("false_positive", "duplicate", "true_positive", "benign_positive")


def alert_id(space_id: str, number: int) -> str:
    """A deterministic 64-hex `_id` like Kibana's (a SHA-256)."""
    return hashlib.sha256(f"{space_id}:{number}".encode()).hexdigest()


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
    rules = BUILDING_BLOCK_RULES if building_block else DETECTION_RULES
    rule = rules[number % len(rules)]
    (host, os_name), user = rng.choice(HOSTS), rng.choice(USERS)
    source_ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    doc: dict[str, Any] = {
        "@timestamp": iso_millis(timestamp),
        "event.kind": "signal",
        "host.name": host,
        "host.os.name": os_name,
        "user.name": user,
        "source.ip": source_ip,
        "kibana.space_ids": [space_id],
        "kibana.version": "8.15.0",
        "kibana.alert.uuid": alert_id(space_id, number),
        "kibana.alert.instance.id": hashlib.sha1(f"{rule.uuid}{host}".encode()).hexdigest(),
        "kibana.alert.status": "active",
        "kibana.alert.workflow_status": status.value,
        "kibana.alert.workflow_tags": [],
        "kibana.alert.workflow_assignee_ids": [],
        "kibana.alert.reason": f"{rule.name} on {host} by {user}",
        "kibana.alert.severity": rule.severity,
        "kibana.alert.risk_score": rule.risk_score,
        "kibana.alert.original_time": iso_millis(
            timestamp - timedelta(seconds=rng.randint(1, 300))
        ),
        "kibana.alert.depth": 1,
        "kibana.alert.rule.uuid": rule.uuid,
        "kibana.alert.rule.name": rule.name,
        "kibana.alert.rule.rule_type_id": rule.rule_type,
        "kibana.alert.rule.consumer": "siem",
        "kibana.alert.rule.producer": "siem",
        "kibana.alert.rule.category": rule.category,
        "kibana.alert.rule.tags": ["demo", rule.tactic],
        "kibana.alert.rule.threat": [
            {"framework": "MITRE ATT&CK", "tactic": {"name": rule.tactic}}
        ],
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
        doc["kibana.alert.workflow_reason"] = CLOSE_REASONS[number % len(CLOSE_REASONS)]
        doc["kibana.alert.workflow_status_updated_at"] = iso_millis(timestamp)
    return doc


def bulk_lines(
    index: str,
    space_id: str,
    numbers: range,
    *,
    start: datetime,
    end: datetime,
    closed_ratio: float = 0.0,
    building_block_ratio: float = 0.0,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """`_bulk` create lines for alerts numbered `numbers`, timestamps spread over [start, end)."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    for number in numbers:
        status = WorkflowStatus.CLOSED if rng.random() < closed_ratio else WorkflowStatus.OPEN
        timestamp = start + timedelta(seconds=rng.random() * span)
        yield {"create": {"_index": index, "_id": alert_id(space_id, number)}}
        yield alert_document(
            space_id,
            number,
            timestamp=timestamp,
            status=status,
            building_block=rng.random() < building_block_ratio,
            rng=rng,
        )


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """What `alertstatus seed` writes: `count` alerts over the `days` before `end`."""

    space_id: str
    count: int
    days: float = 30.0
    closed_ratio: float = 0.0
    building_block_ratio: float = 0.0
    batch_size: int = 5_000
    seed: int | None = None
    end: datetime | None = None


async def seed_alerts(
    gateway: Gateway, plan: SeedPlan, on_batch: Callable[[int], None] = lambda _: None
) -> str:
    """Write the plan's alerts with `_bulk`, `batch_size` at a time; returns the space's alias.

    Numbering continues after the alerts already in the space, so seeding twice adds alerts
    instead of colliding on `_id`. `on_batch` hears how many alerts each batch wrote.
    """
    alias = await AlertIndices(gateway).ensure_space(plan.space_id)
    first = await _alert_count(gateway, alias)
    end = plan.end or datetime.now(UTC)
    start = end - timedelta(days=plan.days)
    lines = bulk_lines(
        alias,
        plan.space_id,
        range(first, first + plan.count),
        start=start,
        end=end,
        closed_ratio=plan.closed_ratio,
        building_block_ratio=plan.building_block_ratio,
        seed=plan.seed if plan.seed is not None else random.randrange(2**32),
    )
    for offset in range(0, plan.count, plan.batch_size):
        size = min(plan.batch_size, plan.count - offset)
        batch = [next(lines) for _ in range(2 * size)]
        last = offset + size >= plan.count
        result = (await gateway.bulk(batch, refresh=last)).json()
        if result.get("errors"):
            raise SeedError(_first_bulk_error(result))
        on_batch(size)
    return alias


async def _alert_count(gateway: Gateway, alias: str) -> int:
    body = {"size": 0, "track_total_hits": True, "query": {"match_all": {}}}
    return int((await gateway.search(alias, body)).json()["hits"]["total"]["value"])


def _first_bulk_error(result: dict[str, Any]) -> str:
    for item in result.get("items", []):
        error = next(iter(item.values())).get("error")
        if error:
            return f"{error.get('type')}: {error.get('reason')}"
    return "bulk request reported errors"
