"""The measurements: P1-P5 side by side with Elasticsearch's own `_update_by_query`, and P6,
the status history on vs off (bench/audit_overhead.py).

The service is driven over HTTP, with the API key of the run when authentication is on (the
default, bench/server.py); "direct" sends the engine's own request body straight to
Elasticsearch; "kibana" is Kibana's request (every doc rewritten, refresh, one slice). P2 measures
the choice between Kibana's counting (the service's default) and the noop-skip
(`?skip_unchanged=true`), each through the service and direct, not the default alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from alertstatus.demo import alert_id
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import (
    AlertIds,
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
)
from alertstatus.engine.service import EngineOptions, update_by_query_request
from alertstatus.es.gateway import Gateway, _query
from bench.audit_overhead import MODES, AuditBench
from bench.seeding import TIME_RANGE, drop_space, reopen_all, seed_space
from bench.server import ServiceProcess

STATUS_PATH = "/api/detection_engine/signals/status"
SERVICE_SKIP = "service skip_unchanged=true"  # P2: the noop-skip, asked for per request
SERVICE_COUNTING = "service Kibana counting (default)"
LONG = aiohttp.ClientTimeout(total=None)
ALL_PHASES = frozenset({"P1", "P2", "P3", "P4", "P5", "P6", "P7"})
P3_CURVE = "P3 curve"  # P3 at each of `Sizes.p3_clients`: its own table and plot (bench/report.py)
DIRECT = "direct"
SERVICE = "service"
SERVICE_NO_AUTH = "service, authentication off"  # P3 only: what authentication costs
SERVICE_BARE = "service, authentication and history off"  # P3 at 1 client: the service itself
P3_WARM_UP = (16, 4)  # untimed requests and clients through each P3 path before the curve


@dataclass
class Sizes:
    alerts: int = 50_000  # P1, P2, P5: alerts per measured space
    p3_alerts: int = 20_000
    p3_requests: int = 1_000
    p3_concurrency: int = 64
    p4_ids: int = 100_000
    repeat: int = 2  # P1-P3 run this many times, interleaved; best (P1, P2) or pooled (P3)
    p6_alerts: int = 20_000  # per twin space
    p6_rounds: int = 6  # on/off pairs per case and status
    p6_dialect_alerts: int = 5_000  # per UTMStack request
    p3_clients: tuple[int, ...] = (1, 8, 64, 256)  # the P3 curve; p3_concurrency is measured too
    p3_curve_requests: int | None = None  # per target at the curve's other points; p3_requests
    p7_alerts: int = 1_000_000  # P7: P1 on one sharded space, seeded once
    p7_shards: int = 3

    def requests_at(self, clients: int) -> int:
        """P3's requests per target at `clients`: its own count at its own concurrency."""
        if clients == self.p3_concurrency or self.p3_curve_requests is None:
            return self.p3_requests
        return self.p3_curve_requests


@dataclass
class Row:
    phase: str
    variant: str
    work: int
    seconds: float
    unit: str = "docs/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    rss_mb: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.work / self.seconds if self.seconds else 0.0


def close_change(
    space_id: str, selector: AlertIds | AlertQuery, conflicts: Conflicts = Conflicts.ABORT
) -> StatusChange:
    return StatusChange(
        space_id=space_id, selector=selector, status=WorkflowStatus.CLOSED, conflicts=conflicts
    )


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Bench:
    """The phases against `service`; `unauthenticated`, when given, is the same app with
    authentication off, measured beside it in P3."""

    def __init__(
        self,
        gateway: Gateway,
        service: ServiceProcess,
        sizes: Sizes,
        prefix: str = "bench",
        unauthenticated: ServiceProcess | None = None,
        bare: ServiceProcess | None = None,
    ) -> None:
        self.prefix = prefix  # spaces are `<prefix>-p1-0`, ...: runs on one node stay apart
        self.gateway = gateway
        self.service = service
        self.unauthenticated = unauthenticated
        self.bare = bare  # authentication and history off: what the service adds by itself
        self.sizes = sizes
        self.rows: list[Row] = []

    async def _service_close(
        self, http: aiohttp.ClientSession, space: str, body: Any, query: str = ""
    ) -> Any:
        url = f"{self.service.url}/s/{space}{STATUS_PATH}{query}"
        async with http.post(url, json=body, headers=self.service.headers) as answer:
            text = await answer.read()
            if answer.status != 200:
                raise RuntimeError(f"service answered {answer.status}: {text[:300]!r}")
            return orjson.loads(text)

    async def _direct(self, space: str, options: EngineOptions, selector: Any) -> Any:
        params, body = update_by_query_request(close_change(space, selector), options)
        return (await self.gateway.update_by_query(alerts_alias(space), body, params)).json()

    async def _timed(
        self, phase: str, variant: str, space: str, run: Any, note: str = "", drop: bool = True
    ) -> Row:
        self.service.reset_peak()
        started = time.perf_counter()
        answer = await run
        seconds = time.perf_counter() - started
        row = Row(phase, variant, answer["total"], seconds, note=note, extra=answer)
        row.note = note or (
            f"updated {answer['updated']}, noops {answer['noops']}, ES took {answer['took']} ms"
        )
        say(f"{phase} {variant}: {row.work} docs in {seconds:.2f} s ({row.rate:,.0f} docs/s)")
        if drop:
            await drop_space(self.gateway, space)
        return row

    async def _warm_up(self, http: aiohttp.ClientSession) -> None:
        """One untimed closure through each path first: JIT, script cache, connection pools."""
        space = f"{self.prefix}-warmup"
        await seed_space(self.gateway, space, 2_000)
        await self._service_close(http, space, {"query": TIME_RANGE, "status": "closed"})
        await self._direct(space, EngineOptions(skip_unchanged=False), AlertQuery(TIME_RANGE))
        await drop_space(self.gateway, space)

    async def time_range_closures(
        self, http: aiohttp.ClientSession, phases: frozenset[str] = ALL_PHASES
    ) -> None:
        """P1 (all open) and P2 (half closed): close every alert of the time range.

        A plan's target is the service's query string (a str) or the engine's options (direct).
        """
        n = self.sizes.alerts
        query = AlertQuery(TIME_RANGE)
        skip = EngineOptions(skip_unchanged=True)
        plans: list[tuple[str, float, str, str | EngineOptions]] = [
            ("P1", 0.0, "service", ""),
            ("P1", 0.0, "direct", EngineOptions()),
            ("P1", 0.0, "kibana", EngineOptions(skip_unchanged=False)),
            ("P1", 0.0, "direct slices=2", EngineOptions(slices="2")),
            ("P1", 0.0, "direct slices=auto", EngineOptions(slices="auto")),
            ("P2", 0.5, SERVICE_SKIP, "?skip_unchanged=true"),
            ("P2", 0.5, SERVICE_COUNTING, ""),
            ("P2", 0.5, "direct skip_unchanged", skip),
            (
                "P2",
                0.5,
                "direct skip_unchanged prefilter",
                EngineOptions(skip_unchanged=True, prefilter_unchanged=True),
            ),
            ("P2", 0.5, "kibana", EngineOptions(skip_unchanged=False)),
        ]
        await self._warm_up(http)
        selected = [(number, plan) for number, plan in enumerate(plans) if plan[0] in phases]
        best: dict[int, Row] = {}
        for round_number in range(self.sizes.repeat):
            order = list(selected)
            if round_number % 2:  # alternate the order: no variant always runs first
                order.reverse()
            for number, (phase, closed_ratio, variant, target) in order:
                space = f"{self.prefix}-{phase.lower()}-{number}"
                await seed_space(self.gateway, space, n, closed_ratio=closed_ratio)
                if isinstance(target, str):
                    body = {"query": TIME_RANGE, "status": "closed"}
                    run = self._service_close(http, space, body, target)
                else:
                    run = self._direct(space, target, query)
                row = await self._timed(phase, variant, space, run)
                if "prefilter" in variant:  # counts only what it rewrites: rate over all alerts
                    row.work = n
                    row.note += f" (total {row.extra['total']}: the rest never matched)"
                if number not in best or row.seconds < best[number].seconds:
                    best[number] = row
        for number in sorted(best):
            best[number].note += f"; best of {self.sizes.repeat}"
            self.rows.append(best[number])

    async def sharded_closures(self, http: aiohttp.ClientSession) -> None:
        """P7: P1 at scale on one space of `p7_shards` primary shards, seeded once.

        Each variant closes every alert of the range; an untimed reopen (bench/seeding.py) puts
        them back between variants, so a million alerts are seeded once, not once per variant.
        The service slices by itself (its default, `ALERTSTATUS_UPDATE_SLICES=shards`); Kibana's
        request runs one slice; "direct slices=N" is the engine's body with one slice per shard
        and no history, the benefit of slicing alone. One untimed Kibana closure first warms the
        node and gives every alert the fields a closure writes, so every variant rewrites the
        same documents.
        """
        sizes = self.sizes
        space = f"{self.prefix}-p7"
        alias = await seed_space(self.gateway, space, sizes.p7_alerts, shards=sizes.p7_shards)
        say(f"P7: {sizes.p7_alerts:,} alerts seeded on {sizes.p7_shards} shards")
        kibana = EngineOptions(skip_unchanged=False)
        plans: list[tuple[str, EngineOptions | None]] = [
            ("service", None),
            ("kibana", kibana),
            (f"direct slices={sizes.p7_shards}", EngineOptions(slices=str(sizes.p7_shards))),
        ]
        await self._direct(space, kibana, AlertQuery(TIME_RANGE))
        await reopen_all(self.gateway, alias)
        best: dict[str, Row] = {}
        for round_number in range(sizes.repeat):
            order = plans[::-1] if round_number % 2 else plans  # none always runs first
            for variant, options in order:
                if options is None:
                    body = {"query": TIME_RANGE, "status": "closed"}
                    run = self._service_close(http, space, body)
                else:
                    run = self._direct(space, options, AlertQuery(TIME_RANGE))
                row = await self._timed("P7", variant, space, run, drop=False)
                row.note += f"; slices {len(row.extra.get('slices') or []) or 1}"
                row.extra["shards"] = sizes.p7_shards
                await reopen_all(self.gateway, alias)
                if variant not in best or row.seconds < best[variant].seconds:
                    best[variant] = row
        await drop_space(self.gateway, space)
        for variant, _ in plans:
            best[variant].note += f"; {sizes.p7_shards} shards, best of {sizes.repeat}"
            self.rows.append(best[variant])

    async def concurrent_id_closures(self, http: aiohttp.ClientSession) -> None:
        """P3: clients closing 10 random ids each, at each concurrency of the curve.

        At `p3_concurrency` (the P3 rows and targets) the service with authentication off runs
        too when there is one. Every point runs its variants `repeat` times in alternating order,
        the same id sequence for each, and pools the rounds; at 1 client the variants alternate
        request by request.
        """
        points = sorted({*self.sizes.p3_clients, self.sizes.p3_concurrency})
        await self._p3_warm_up(http)
        curve: list[Row] = []
        for clients in points:
            variants = [DIRECT, SERVICE]
            if clients in (1, self.sizes.p3_concurrency) and self.unauthenticated is not None:
                variants.append(SERVICE_NO_AUTH)
            if clients == 1 and self.bare is not None:
                variants.append(SERVICE_BARE)
            measured = await self._p3_point(http, clients, variants)
            curve += [
                dataclasses.replace(measured[variant], phase=P3_CURVE)
                for variant in (variants if clients == 1 else (DIRECT, SERVICE))
            ]
            if clients == self.sizes.p3_concurrency:
                self.rows += [measured[variant] for variant in variants]
        self.rows += curve

    async def _p3_warm_up(self, http: aiohttp.ClientSession) -> None:
        """Untimed closures by ids through each P3 path first (JIT, script cache, connection
        pools, the key's verification), so the curve's first point, 1 client, is not a cold
        start when P3 runs alone (`--phases P3`)."""
        space = f"{self.prefix}-p3-warmup"
        alias = await seed_space(self.gateway, space, self.sizes.p3_alerts)
        count, clients = P3_WARM_UP
        paths: list[ServiceProcess | None] = [None, self.service]  # None: direct
        if self.unauthenticated is not None:
            paths.append(self.unauthenticated)
        for target in paths:
            await self._hammer(http, self._p3_requests(space, alias, target, count), clients)
        await drop_space(self.gateway, space)

    async def _p3_point(
        self, http: aiohttp.ClientSession, clients: int, variants: list[str]
    ) -> dict[str, Row]:
        """One concurrency of the curve; at 1 client the variants take turns request by request
        (`_one_by_one`), so a drift of the shared machine falls on both alike."""
        sizes = self.sizes
        pooled: dict[str, tuple[list[float], float]] = {variant: ([], 0.0) for variant in variants}
        peaks = dict.fromkeys(variants, 0.0)
        for round_number in range(sizes.repeat):
            order = variants[::-1] if round_number % 2 else variants  # none always runs first
            plans: dict[str, list[tuple[str, bytes, dict[str, str]]]] = {}
            spaces = [f"{self.prefix}-p3-{clients}-{number}" for number in range(len(variants))]
            for variant in order:
                space = spaces[variants.index(variant)]
                alias = await seed_space(self.gateway, space, sizes.p3_alerts)
                target = self._p3_target(variant)
                plans[variant] = self._p3_requests(space, alias, target, sizes.requests_at(clients))
                if clients > 1:
                    measured = await self._hammer(http, plans[variant], clients)
                    self._pool(pooled, peaks, variant, clients, measured)
                    await drop_space(self.gateway, space)
            if clients == 1:
                for variant, latencies in (await self._one_by_one(http, plans)).items():
                    self._pool(pooled, peaks, variant, clients, (latencies, sum(latencies)))
                for space in spaces:
                    await drop_space(self.gateway, space)
        rows = {}
        for variant in variants:
            row = self._latency_row("P3", variant, pooled[variant], clients)
            row.rss_mb = peaks[variant] if variant != DIRECT else None
            rows[variant] = row
        return rows

    def _p3_target(self, variant: str) -> ServiceProcess | None:
        """Where a P3 variant sends its requests: a service, or None for Elasticsearch."""
        return {
            DIRECT: None,
            SERVICE: self.service,
            SERVICE_NO_AUTH: self.unauthenticated,
            SERVICE_BARE: self.bare,
        }[variant]

    def _pool(
        self,
        pooled: dict[str, tuple[list[float], float]],
        peaks: dict[str, float],
        variant: str,
        clients: int,
        measured: tuple[list[float], float],
    ) -> None:
        latencies, seconds = measured
        target = self._p3_target(variant)
        if target is not None:
            peaks[variant] = max(peaks[variant], target.peak_rss_mb())
        say(f"P3 {variant}, {clients} clients: {len(latencies) / seconds:,.0f} req/s")
        pooled[variant] = (pooled[variant][0] + latencies, pooled[variant][1] + seconds)

    async def _one_by_one(
        self,
        http: aiohttp.ClientSession,
        plans: dict[str, list[tuple[str, bytes, dict[str, str]]]],
    ) -> dict[str, list[float]]:
        """One client: the variants' i-th requests back to back, who goes first alternating;
        each variant's latencies."""
        latencies: dict[str, list[float]] = {variant: [] for variant in plans}
        variants = list(plans)
        for turn, sends in enumerate(zip(*plans.values(), strict=True)):
            pairs = list(zip(variants, sends, strict=True))
            for variant, request in pairs[::-1] if turn % 2 else pairs:
                measured, _ = await self._hammer(http, [request], 1)
                latencies[variant] += measured
        return latencies

    def _p3_requests(
        self, space: str, alias: str, service: ServiceProcess | None, count: int
    ) -> list[tuple[str, bytes, dict[str, str]]]:
        """`count` closures of 10 ids (one fixed sequence): to `service`, else direct."""
        sizes = self.sizes
        rng = random.Random(3)
        requests: list[tuple[str, bytes, dict[str, str]]] = []
        for _ in range(count):
            ids = tuple(alert_id(space, rng.randrange(sizes.p3_alerts)) for _ in range(10))
            if service is not None:
                url = f"{service.url}/s/{space}{STATUS_PATH}"
                # concurrent clients overlap on ids: proceed past version conflicts
                body: Any = {"signal_ids": list(ids), "status": "closed", "conflicts": "proceed"}
                headers = service.headers
            else:  # Kibana's request: refresh=true each
                params, body = update_by_query_request(
                    close_change(space, AlertIds(ids), Conflicts.PROCEED), EngineOptions()
                )
                url = f"{self.gateway.connection.url}/{alias}/_update_by_query{_query(params)}"
                headers = {}
            requests.append((url, orjson.dumps(body), headers))
        return requests

    async def _hammer(
        self,
        http: aiohttp.ClientSession,
        requests: list[tuple[str, bytes, dict[str, str]]],
        concurrency: int,
    ) -> tuple[list[float], float]:
        queue = list(reversed(requests))
        latencies: list[float] = []

        async def client() -> None:
            while queue:
                url, body, headers = queue.pop()
                started = time.perf_counter()
                async with http.post(
                    url, data=body, headers={"content-type": "application/json", **headers}
                ) as answer:
                    await answer.read()
                    if answer.status != 200:
                        raise RuntimeError(f"{url} answered {answer.status}")
                latencies.append(time.perf_counter() - started)

        self.service.reset_peak()
        if self.unauthenticated is not None:
            self.unauthenticated.reset_peak()
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started

    def _latency_row(
        self, phase: str, variant: str, measured: tuple[list[float], float], clients: int
    ) -> Row:
        latencies, seconds = measured
        cuts = statistics.quantiles(latencies, n=100)
        row = Row(
            phase,
            variant,
            len(latencies),
            seconds,
            unit="req/s",
            p50_ms=cuts[49] * 1000,
            p99_ms=cuts[98] * 1000,
            note=f"{clients} clients x 10 ids; {self.sizes.repeat} rounds pooled",
            extra={"clients": clients},
        )
        say(
            f"{phase} {variant}, {clients} clients: {row.rate:,.0f} req/s "
            f"p50 {row.p50_ms:.1f} ms p99 {row.p99_ms:.1f}"
        )
        return row

    async def many_ids(self, http: aiohttp.ClientSession) -> None:
        """P4: one request naming `p4_ids` alerts (split at max_terms_count by the service)."""
        space = f"{self.prefix}-p4"
        existing = min(self.sizes.p4_ids, self.sizes.p3_alerts)
        await seed_space(self.gateway, space, existing)
        ids = [alert_id(space, number) for number in range(self.sizes.p4_ids)]
        run = self._service_close(http, space, {"signal_ids": ids, "status": "closed"})
        row = await self._timed("P4", "service", space, run)
        self.rows.append(row)
        row.work, row.unit = self.sizes.p4_ids, "ids/s"
        row.rss_mb = self.service.peak_rss_mb()
        row.note = f"{existing} of the ids exist; batches {row.extra['batches']}"

    async def async_closure(self, http: aiohttp.ClientSession) -> None:
        """P5: the whole seeded set closed as a task, polling its progress."""
        space = f"{self.prefix}-p5"
        await seed_space(self.gateway, space, self.sizes.alerts)
        base = f"{self.service.url}/s/{space}"
        started = time.perf_counter()
        async with http.post(
            f"{base}{STATUS_PATH}?wait_for_completion=false",
            json={"query": TIME_RANGE, "status": "closed"},
            headers=self.service.headers,
        ) as answer:
            task = (await answer.json())["task"]
        polls = 0
        while True:
            polls += 1
            async with http.get(
                f"{base}/api/alertstatus/tasks/{task}", headers=self.service.headers
            ) as answer:
                report = await answer.json()
            say(f"P5 task {task}: {report['updated']}/{report['total']} updated")
            if report["done"]:
                break
            await asyncio.sleep(0.5)
        seconds = time.perf_counter() - started
        self.rows.append(
            Row(
                "P5",
                "service async",
                report["total"],
                seconds,
                note=f"{polls} progress polls, updated {report['updated']}, "
                f"failed {report['failed']}",
            )
        )
        await drop_space(self.gateway, space)

    async def audit_cost(self) -> None:
        """P6: what the status history costs, history on vs off in twin spaces."""
        sizes = self.sizes
        audit = AuditBench(self.gateway, f"{self.prefix}-p6")
        for twins in await audit.run(sizes.p6_alerts, sizes.p6_rounds, sizes.p6_dialect_alerts):
            say(f"P6 {twins.case}: paired cost {twins.cost:.1%}")
            for mode in MODES:
                seconds = statistics.median(twins.seconds[mode])
                note = f"paired cost {twins.cost:.1%} over {len(twins.seconds[mode])} pairs"
                if twins.note:
                    note += f"; {twins.note}"
                row = Row("P6", f"history {mode}, {twins.case}", twins.alerts, seconds, note=note)
                row.extra["cost"] = twins.cost
                self.rows.append(row)

    async def run_all(self, phases: frozenset[str] = ALL_PHASES) -> list[Row]:
        most_clients = max(self.sizes.p3_concurrency, *self.sizes.p3_clients)
        connector = aiohttp.TCPConnector(limit=most_clients * 2)
        async with aiohttp.ClientSession(connector=connector, timeout=LONG) as http:
            if phases & {"P1", "P2"}:
                await self.time_range_closures(http, phases)
            if "P3" in phases:
                await self.concurrent_id_closures(http)
            if "P4" in phases:
                await self.many_ids(http)
            if "P5" in phases:
                await self.async_closure(http)
            if "P7" in phases:
                await self.sharded_closures(http)
        if "P6" in phases:
            await self.audit_cost()
        return self.rows
