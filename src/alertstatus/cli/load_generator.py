"""A load generator for users: a realistic mix of status changes against one deployment.

Bounded in time, requests and concurrency, and it only ever calls the URL it is given. Ids are
those the demo seeder writes (`alert_id(space, n)` for n below `id_range`), so a deployment seeded
with `alertstatus.demo` sees real hits; against other data id closes simply match nothing.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from alertstatus.demo import alert_id
from alertstatus.engine.model import validate_space_id
from alertstatus.engine.timerange import iso_millis

MAX_CONCURRENCY = 1024
MAX_DURATION_SECONDS = 3600.0
STATUS_PATH = "/api/detection_engine/signals/status"
CONNECTION_ERROR = "connection error"  # no HTTP answer at all: refused, reset, timed out

# (kind, weight): what analysts and pipelines do, roughly, on a busy SIEM.
MIX: tuple[tuple[str, int], ...] = (
    ("close_ids", 50),
    ("close_query", 15),
    ("acknowledge", 20),
    ("reopen", 15),
)


@dataclass(frozen=True)
class LoadPlan:
    url: str
    concurrency: int = 16
    duration: float = 10.0
    max_requests: int | None = None
    space_id: str = "default"
    id_range: int = 10_000
    ids_per_request: int = 10
    since: datetime = datetime(2024, 11, 1, tzinfo=UTC)
    until: datetime = datetime(2024, 12, 1, tzinfo=UTC)
    headers: dict[str, str] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}")
        if not 0 < self.duration <= MAX_DURATION_SECONDS:
            raise ValueError(f"duration must be above 0 and at most {MAX_DURATION_SECONDS} s")
        if self.max_requests is not None and self.max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("url must be http:// or https://")
        validate_space_id(self.space_id)


@dataclass
class LoadReport:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    def status_classes(self) -> Counter[str]:
        """Answers by class (`2xx`, `4xx`, `5xx`, ...) and `connection error`, exact."""
        classes: Counter[str] = Counter({"2xx": 0, "4xx": 0, "5xx": 0, CONNECTION_ERROR: 0})
        for status, count in self.statuses.items():
            classes[status if status == CONNECTION_ERROR else f"{status[0]}xx"] += count
        return classes

    def summary(self) -> str:
        lines = [
            f"{self.requests} requests in {self.seconds:.1f} s: "
            f"{self.requests / self.seconds if self.seconds else 0:,.1f} req/s; "
            f"statuses {dict(sorted(self.statuses.items()))}",
            "by class: " + ", ".join(f"{name} {n}" for name, n in self.status_classes().items()),
            f"{'kind':<12} {'count':>7} {'errors':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}",
        ]
        for kind, values in sorted(self.latencies.items()):
            cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
            lines.append(
                f"{kind:<12} {len(values):>7} {self.errors[kind]:>7} {cuts[49] * 1000:>9.1f} "
                f"{cuts[94] * 1000:>9.1f} {cuts[98] * 1000:>9.1f}"
            )
        return "\n".join(lines)


def request_body(kind: str, plan: LoadPlan, rng: random.Random) -> dict[str, Any]:
    """One request of the mix: ids for closes, acknowledges and reopenings, a window for queries."""
    if kind == "close_query":
        span = (plan.until - plan.since).total_seconds()
        start = plan.since + timedelta(seconds=rng.random() * span)
        window = {"gte": iso_millis(start), "lt": iso_millis(start + timedelta(hours=1))}
        return {
            "query": {"range": {"@timestamp": window}},
            "status": "closed",
            "reason": "false_positive",
            "conflicts": "proceed",
        }
    ids = [
        alert_id(plan.space_id, rng.randrange(plan.id_range)) for _ in range(plan.ids_per_request)
    ]
    status = {"close_ids": "closed", "acknowledge": "acknowledged", "reopen": "open"}[kind]
    return {"signal_ids": ids, "status": status, "conflicts": "proceed"}


async def run_load(
    plan: LoadPlan,
    progress: Callable[[int], None] | None = None,
    report: LoadReport | None = None,
) -> LoadReport:
    """Send the mix until the duration or request budget runs out; latencies per kind.

    Counts go into `report` when given, so a caller can read them while the load runs (the soak,
    bench/soak.py, samples them).
    """
    report = LoadReport() if report is None else report
    rng = random.Random(plan.seed)
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    prefix = "" if plan.space_id == "default" else f"/s/{plan.space_id}"
    target = plan.url.rstrip("/") + prefix + STATUS_PATH
    budget = plan.max_requests
    started = time.perf_counter()
    deadline = started + plan.duration

    def take() -> bool:
        nonlocal budget
        if time.perf_counter() >= deadline:
            return False
        if budget is not None:
            if budget <= 0:
                return False
            budget -= 1
        return True

    async def worker(http: aiohttp.ClientSession) -> None:
        while take():
            kind = rng.choices(kinds, weights)[0]
            body = request_body(kind, plan, rng)
            sent = time.perf_counter()
            try:
                async with http.post(target, json=body, headers=plan.headers) as answer:
                    await answer.read()
                    report.statuses[str(answer.status)] += 1
                    if answer.status >= 400:
                        report.errors[kind] += 1
            except (aiohttp.ClientError, TimeoutError):
                report.statuses[CONNECTION_ERROR] += 1
                report.errors[kind] += 1
            report.latencies[kind].append(time.perf_counter() - sent)
            if progress is not None:
                progress(report.requests)

    connector = aiohttp.TCPConnector(limit=plan.concurrency)
    timeout = aiohttp.ClientTimeout(total=max(plan.duration, 60.0))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await asyncio.gather(*(worker(http) for _ in range(plan.concurrency)))
    report.seconds = time.perf_counter() - started
    return report
