"""`python -m bench.soak`: `alertstatus loadtest`'s load for minutes; the service and node watched.

    make soak ARGS="--minutes 10"          # 64 clients, a sample every 10 s

It uses ELASTICSEARCH_URL, else starts a throwaway local node exactly as `python -m bench` does,
seeds demo alerts in a space of its own (the ids the load generator closes), starts the real
service in its own uvicorn process (bench/server.py), with authentication on and an API key made
for the run, and runs the load generator against it, sending that key. Every
`--sample-seconds` it samples the service process (and its children): RSS, open file descriptors
and TCP connections (psutil); and the cluster's JVM heap (`GET _nodes/stats/jvm`: used, percent,
old generation). Then it prints Markdown tables (docs/reliability.md, "Soak") and exits 1 when a
verdict fails.

The load runs in-process through `run_load(LoadPlan(...))`, the very function `alertstatus
loadtest` calls (the command is a thin typer wrapper around it), rather than the command as a
subprocess: the samples need the counts while the load runs (requests, 4xx, 5xx so far), which
the command prints only at its end. Sampling stays off the load's critical path: psutil runs in a
worker thread, the heap is one small filtered call, and both happen once per sample period.

The verdicts (the same rules in docs/reliability.md). "Warm-up" is the first minute, or the first
fifth of a run shorter than 5 minutes; the baseline is the first sample after it and "end" is the
last sample taken under load (one more sample, "after load", is taken 2 s after the load stops):

- 0 5xx: at least one request, and not one answer of 500-599.
- 0 connection errors: every request got an HTTP answer (a dead service answers no 5xx).
- RSS flat: end RSS at most 10% or 20 MB (whichever is larger) above the baseline.
- no fd growth, no connection growth: end at most 10% or 8 (whichever is larger) above the
  baseline.
- ES heap stable: the lowest old-generation reading (the whole heap's when the engine reports no
  old pool) over the last quarter of the post-warm-up samples is at most 10% of the maximum
  heap above the lowest over the first quarter. Used heap is a sawtooth whatever happens; what a
  leak raises is what survives collections, the floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import psutil
import typer
from tests.nodes import elasticsearch_for_tests

from alertstatus.cli.load_generator import (
    CONNECTION_ERROR,
    MAX_CONCURRENCY,
    MAX_DURATION_SECONDS,
    LoadPlan,
    LoadReport,
    run_load,
)
from alertstatus.engine.model import validate_space_id
from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.gateway import ConnectionSettings, ElasticsearchError, Gateway
from alertstatus.settings import Settings
from bench import unwind_on_sigterm
from bench.seeding import drop_space, seed_space
from bench.server import ServiceProcess, bench_authorization

WARM_UP_SECONDS = 60.0
WARM_UP_SHARE = 0.2  # of a run shorter than 5 minutes
IDLE_SECONDS = 2.0  # between the load's end and the "after load" sample
RSS_SLACK = (0.10, 20 * 2**20)  # (share of the baseline, bytes): whichever is larger
COUNT_SLACK = (0.10, 8)  # file descriptors, connections
HEAP_SLACK = 0.10  # of the maximum heap
ROW_SECONDS = 60.0  # one table row per minute, or per tenth of a shorter run
MB = 2**20


@dataclass(frozen=True)
class SoakPlan:
    minutes: float = 10.0
    clients: int = 64
    sample_seconds: float = 10.0
    alerts: int = 10_000
    space: str = "soak"

    def __post_init__(self) -> None:
        if not 0 < self.seconds <= MAX_DURATION_SECONDS:
            raise ValueError(f"minutes must be above 0 and at most {MAX_DURATION_SECONDS / 60:g}")
        if self.sample_seconds <= 0:
            raise ValueError("sample_seconds must be above 0")
        if self.alerts < 1:
            raise ValueError("alerts must be at least 1")
        validate_space_id(self.space)  # before anything is seeded

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    @property
    def warm_up_seconds(self) -> float:
        return min(WARM_UP_SECONDS, self.seconds * WARM_UP_SHARE)


@dataclass(frozen=True)
class JvmHeap:
    """The cluster's heap: bytes summed over its nodes, the percent of the fullest node."""

    used: int
    max: int
    percent: int
    old_gen: int | None  # None when a node reports no `old` pool

    @property
    def floor_figure(self) -> int:
        """What the heap verdict watches: old generation, else the whole heap."""
        return self.used if self.old_gen is None else self.old_gen


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the load started (the scheduled time, or the measured one after load)
    requests: int
    client_errors: int  # 4xx so far
    server_errors: int  # 5xx so far
    connection_errors: int
    rss: int
    fds: int
    connections: int
    heap: JvmHeap | None  # None when the cluster did not answer the stats call in time
    under_load: bool = True


@dataclass(frozen=True)
class SoakRun:
    plan: SoakPlan
    header: str
    samples: list[Sample]
    report: LoadReport
    seconds: float  # the load's own
    rss_peak: int  # the service's, sampled every 20 ms by ServiceProcess

    @property
    def loaded(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.under_load]

    @property
    def after_load(self) -> Sample | None:
        return next((sample for sample in self.samples if not sample.under_load), None)

    @property
    def baseline(self) -> Sample:
        """The first sample after warm-up (the last one when the run is all warm-up)."""
        loaded = self.loaded
        warm = [s for s in loaded if s.seconds >= self.plan.warm_up_seconds]
        return warm[0] if warm else loaded[-1]

    @property
    def after_warm_up(self) -> list[Sample]:
        return [s for s in self.loaded if s.seconds >= self.baseline.seconds]


def process_figures(pid: int) -> tuple[int, int, int]:
    """RSS bytes, open file descriptors and TCP connections of `pid` and its children."""
    root = psutil.Process(pid)
    rss = fds = connections = 0
    for process in (root, *root.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):
            rss += process.memory_info().rss
            fds += process.num_fds()
            connections += len(process.net_connections(kind="tcp"))
    return rss, fds, connections


async def jvm_heap(gateway: Gateway) -> JvmHeap | None:
    """`GET _nodes/stats/jvm`, only the memory part; None when the cluster does not answer."""
    try:
        response = await gateway.request(
            "GET", "/_nodes/stats/jvm", params={"filter_path": "nodes.*.jvm.mem"}, timeout=10
        )
    except ElasticsearchError:
        return None
    nodes = [node["jvm"]["mem"] for node in response.json().get("nodes", {}).values()]
    if not nodes:
        return None
    olds = [memory.get("pools", {}).get("old", {}).get("used_in_bytes") for memory in nodes]
    return JvmHeap(
        used=sum(memory["heap_used_in_bytes"] for memory in nodes),
        max=sum(memory["heap_max_in_bytes"] for memory in nodes),
        percent=max(memory["heap_used_percent"] for memory in nodes),
        old_gen=None if None in olds else sum(olds),
    )


async def take_sample(
    seconds: float, report: LoadReport, pid: int, gateway: Gateway, *, under_load: bool = True
) -> Sample:
    (rss, fds, connections), heap = await asyncio.gather(
        asyncio.to_thread(process_figures, pid), jvm_heap(gateway)
    )
    classes = report.status_classes()
    return Sample(
        seconds=seconds,
        requests=report.requests,
        client_errors=classes["4xx"],
        server_errors=classes["5xx"],
        connection_errors=classes[CONNECTION_ERROR],
        rss=rss,
        fds=fds,
        connections=connections,
        heap=heap,
        under_load=under_load,
    )


async def drive(
    gateway: Gateway,
    service: ServiceProcess,
    plan: SoakPlan,
    on_sample: Callable[[Sample], None] | None = None,
) -> tuple[list[Sample], LoadReport]:
    """Run the load for the plan's minutes, sampling on a fixed schedule (missed ticks skipped)."""
    report = LoadReport()
    load_plan = LoadPlan(
        url=service.url,
        concurrency=plan.clients,
        duration=plan.seconds,
        space_id=plan.space,
        id_range=plan.alerts,
        headers=service.headers,
    )
    samples: list[Sample] = []
    started = time.monotonic()
    load = asyncio.create_task(run_load(load_plan, report=report))
    try:
        tick = 0
        while tick * plan.sample_seconds < plan.seconds:
            delay = started + tick * plan.sample_seconds - time.monotonic()
            if delay > 0:
                await asyncio.wait({load}, timeout=delay)
            if load.done():
                break
            sample = await take_sample(tick * plan.sample_seconds, report, service.pid, gateway)
            samples.append(sample)
            if on_sample is not None:
                on_sample(sample)
            late = math.ceil((time.monotonic() - started) / plan.sample_seconds)
            tick = max(tick + 1, late)
        await load
        await asyncio.sleep(IDLE_SECONDS)
        after = await take_sample(
            time.monotonic() - started, report, service.pid, gateway, under_load=False
        )
        samples.append(after)
        if on_sample is not None:
            on_sample(after)
    finally:
        if not load.done():
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
    return samples, report


async def soak(
    es_url: str,
    plan: SoakPlan,
    on_sample: Callable[[Sample], None] | None = None,
    service_log: Path | None = None,
) -> SoakRun:
    """Seed, start the service, load it while sampling; the space is dropped afterwards.

    The service logs every request (its real behaviour, kept); `service_log` takes those lines
    instead of this process's stderr.
    """
    gateway = Gateway(ConnectionSettings(url=es_url, request_timeout=600))
    try:
        info = (await gateway.info()).json()
        await seed_space(gateway, plan.space, plan.alerts)
        authorization = await bench_authorization(gateway)  # authentication on, as users run it
        with ServiceProcess(es_url, log_path=service_log, authorization=authorization) as service:
            samples, report = await drive(gateway, service, plan, on_sample)
            rss_peak = int(service.peak_rss_mb() * MB)
    finally:
        with contextlib.suppress(ElasticsearchError):
            await drop_space(gateway, plan.space)
        await gateway.close()
    header = (
        f"alertstatus soak, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{ClusterVersion.from_info(info)}; {plan.minutes:g} min, {plan.clients} clients, "
        f"a sample every {plan.sample_seconds:g} s, {plan.alerts:,} alerts; authentication on "
        "(an API key)"
    )
    rss_peak = max([rss_peak, *(sample.rss for sample in samples)])
    return SoakRun(plan, header, samples, report, report.seconds, rss_peak)


# --- the verdicts (module docstring, docs/reliability.md "Soak") -----------------------------


def _within(end: float, baseline: float, slack: tuple[float, float]) -> tuple[bool, float]:
    share, least = slack
    limit = baseline + max(baseline * share, least)
    return end <= limit, limit


def verdicts(run: SoakRun) -> list[tuple[str, str, bool]]:
    """(verdict, measured, met) for each rule."""
    classes = run.report.status_classes()
    requests = run.report.requests
    checks = [
        (
            "0 5xx",
            f"{classes['5xx']:,} of {requests:,} requests",
            requests > 0 and classes["5xx"] == 0,
        ),
        (
            "0 connection errors",
            f"{classes[CONNECTION_ERROR]:,} of {requests:,} requests",
            classes[CONNECTION_ERROR] == 0,
        ),
    ]
    if not run.loaded:
        return [*checks, ("samples under load", "none", False)]
    base, end = run.baseline, run.loaded[-1]
    met, limit = _within(end.rss, base.rss, RSS_SLACK)
    checks.append(
        (
            "RSS flat",
            f"end {end.rss / MB:.1f} MB, after warm-up {base.rss / MB:.1f} MB "
            f"(want <= {limit / MB:.1f})",
            met,
        )
    )
    for name, figure in (("no fd growth", "fds"), ("no connection growth", "connections")):
        start_value, end_value = getattr(base, figure), getattr(end, figure)
        met, limit = _within(end_value, start_value, COUNT_SLACK)
        checks.append(
            (
                name,
                f"end {end_value}, after warm-up {start_value} (want <= {limit:.0f})",
                met,
            )
        )
    checks.append(heap_verdict(run))
    return checks


def heap_verdict(run: SoakRun) -> tuple[str, str, bool]:
    heaps = [s.heap for s in run.after_warm_up if s.heap is not None]
    if not heaps:
        return "ES heap stable", "no heap figures", False
    quarter = max(1, len(heaps) // 4)
    early = min(heap.floor_figure for heap in heaps[:quarter])
    late = min(heap.floor_figure for heap in heaps[-quarter:])
    limit = early + HEAP_SLACK * max(heap.max for heap in heaps)
    what = "whole heap" if any(heap.old_gen is None for heap in heaps) else "old gen"
    return (
        "ES heap stable",
        f"{what} floor, last quarter {late / MB:.0f} MB, first quarter {early / MB:.0f} MB "
        f"(want <= {limit / MB:.0f})",
        late <= limit,
    )


# --- the tables ------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _mb(value: int | None) -> str:
    return "" if value is None else f"{value / MB:,.1f}"


def table_samples(run: SoakRun) -> list[Sample]:
    """One sample per minute (per tenth of a shorter run), the last under load, the after-load."""
    every = max(run.plan.sample_seconds, min(ROW_SECONDS, run.plan.seconds / 10))
    chosen: list[Sample] = []
    bucket = -1
    for sample in run.loaded:
        if math.floor(sample.seconds / every + 1e-9) > bucket:
            chosen.append(sample)
            bucket = math.floor(sample.seconds / every + 1e-9)
    if run.loaded and chosen[-1] is not run.loaded[-1]:
        chosen.append(run.loaded[-1])
    if run.after_load is not None:
        chosen.append(run.after_load)
    return chosen


def samples_table(run: SoakRun) -> str:
    lines = [
        "| time | requests | 4xx | 5xx | RSS MB | fds | connections | ES heap MB | ES heap % "
        "| ES old gen MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in table_samples(run):
        heap = s.heap
        lines.append(
            f"| {_clock(s.seconds) if s.under_load else 'after load'} | {s.requests:,} "
            f"| {s.client_errors:,} | {s.server_errors:,} | {_mb(s.rss)} | {s.fds} "
            f"| {s.connections} | {_mb(heap.used if heap else None)} "
            f"| {'' if heap is None else heap.percent} | {_mb(heap.old_gen if heap else None)} |"
        )
    return "\n".join(lines)


def load_table(run: SoakRun) -> str:
    report = run.report
    classes = report.status_classes()
    latencies = [value for values in report.latencies.values() for value in values]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    p50, p99 = (f"{cuts[49] * 1000:,.1f}", f"{cuts[98] * 1000:,.1f}") if cuts else ("", "")
    rate = report.requests / run.seconds if run.seconds else 0.0
    return "\n".join(
        [
            "| requests | seconds | req/s | p50 ms | p99 ms | 2xx | 4xx | 5xx "
            "| connection errors |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {report.requests:,} | {run.seconds:,.1f} | {rate:,.1f} | {p50} | {p99} "
            f"| {classes['2xx']:,} | {classes['4xx']:,} | {classes['5xx']:,} "
            f"| {classes[CONNECTION_ERROR]:,} |",
        ]
    )


def resources_table(run: SoakRun) -> str:
    loaded, after = run.loaded, run.after_load
    lines = [
        "| resource | start | after warm-up | peak | end | after load |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(
        name: str,
        figure: Callable[[Sample], int | None],
        text: Callable[[int | None], str],
        peak: int | None = None,
    ) -> None:
        known = [value for value in map(figure, loaded) if value is not None]
        if peak is None and known:
            peak = max(known)
        cells = [
            figure(loaded[0]),
            figure(run.baseline),
            peak,
            figure(loaded[-1]),
            None if after is None else figure(after),
        ]
        lines.append(f"| {name} | " + " | ".join(map(text, cells)) + " |")

    def count(value: int | None) -> str:
        return "" if value is None else f"{value:,}"

    # the RSS peak is ServiceProcess's, sampled every 20 ms: it sees peaks between samples
    row("service RSS MB", lambda s: s.rss, _mb, peak=run.rss_peak)
    row("service fds", lambda s: s.fds, count)
    row("service TCP connections", lambda s: s.connections, count)
    row("ES heap MB", lambda s: s.heap.used if s.heap else None, _mb)
    row("ES heap %", lambda s: s.heap.percent if s.heap else None, count)
    row("ES old gen MB", lambda s: s.heap.old_gen if s.heap else None, _mb)
    return "\n".join(lines)


def render_soak(run: SoakRun) -> str:
    lines = [run.header, "", samples_table(run), "", load_table(run), ""]
    if run.loaded:
        lines += [resources_table(run), ""]
    lines += ["| verdict | measured | met |", "|---|---|---|"]
    lines += [
        f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in verdicts(run)
    ]
    return "\n".join(lines)


def say(sample: Sample) -> None:
    heap = "" if sample.heap is None else f", ES heap {sample.heap.used / MB:,.0f} MB"
    when = _clock(sample.seconds) if sample.under_load else "after load"
    print(
        f"{when}: {sample.requests:,} requests, {sample.server_errors} 5xx, "
        f"RSS {sample.rss / MB:,.1f} MB, {sample.fds} fds, {sample.connections} connections"
        f"{heap}",
        file=sys.stderr,
        flush=True,
    )


def main(
    minutes: Annotated[
        float, typer.Option(min=0.01, max=MAX_DURATION_SECONDS / 60, help="Minutes of load.")
    ] = 10.0,
    clients: Annotated[
        int, typer.Option(min=1, max=MAX_CONCURRENCY, help="Concurrent clients.")
    ] = 64,
    sample_seconds: Annotated[float, typer.Option(min=0.5, help="Seconds between samples.")] = 10.0,
    alerts: Annotated[int, typer.Option(min=1, help="Demo alerts seeded for the load.")] = 10_000,
    space: Annotated[str, typer.Option(help="The space seeded, loaded, then dropped.")] = "soak",
) -> None:
    """Uses ELASTICSEARCH_URL, else starts a throwaway local node (as the tests do)."""
    unwind_on_sigterm()
    try:
        plan = SoakPlan(minutes, clients, sample_seconds, alerts, space)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    service_log = (
        Path(tempfile.gettempdir()) / f"alertstatus-soak-{datetime.now(UTC):%Y%m%d-%H%M%S}.log"
    )
    print(f"the service's log: {service_log}", file=sys.stderr, flush=True)
    with elasticsearch_for_tests(Settings()) as es_url:
        run = asyncio.run(soak(es_url, plan, on_sample=say, service_log=service_log))
    typer.echo(render_soak(run))
    if not all(met for _, _, met in verdicts(run)):
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
