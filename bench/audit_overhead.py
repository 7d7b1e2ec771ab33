"""What the status history costs: bulk closure throughput with history on vs off, in one run.

    .venv/bin/python -m bench.audit_overhead --alerts 20000 --rounds 3

Uses ELASTICSEARCH_URL when set, else starts a throwaway local node.
Part 1, deep history: two spaces hold the same alerts; each round closes then reopens every alert
of both spaces (alternating which goes first, so caches and merges favour neither), through the
Kibana path (one `_update_by_query`) and the dialect path (UTMStack's `_bulk` of guarded updates
plus the audit document).
Part 2, the common case: each round closes freshly seeded alerts (no history yet) in twin spaces.
Prints alerts/s and the paired cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer

from alertstatus.app import connection_settings
from alertstatus.demo import bulk_lines
from alertstatus.engine.history import Provenance
from alertstatus.engine.model import AlertQuery, Conflicts, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, StatusService
from alertstatus.engine.vocabulary import Dialect, UtmStatus, states_saying, utmstack_target
from alertstatus.engine.workflow import DialectChange, WorkflowService
from alertstatus.es.gateway import Gateway
from alertstatus.es.runtime import LocalNode, free_port
from alertstatus.es.templates import AlertIndices, alerts_alias
from alertstatus.settings import Settings

HISTORY_LIMIT = 100
KIBANA_PATH = "kibana _update_by_query"
DIALECT_PATH = "utmstack _bulk update"
FIRST_PATH = "kibana first close"
BULK_SEED = 5_000

app = typer.Typer(add_completion=False)


async def _seed(gateway: Gateway, indices: AlertIndices, space: str, count: int) -> list[str]:
    alias = await indices.ensure_space(space)
    ids: list[str] = []
    start, end = datetime(2024, 11, 1, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC)
    for first in range(0, count, BULK_SEED):
        numbers = range(first, min(first + BULK_SEED, count))
        lines = list(bulk_lines(alias, space, numbers, start=start, end=end, seed=first))
        ids += [line["create"]["_id"] for line in lines[::2]]
        await gateway.bulk(lines, refresh=True)
    return ids


async def _timed(run: Callable[[], Awaitable[object]]) -> float:
    began = time.perf_counter()
    await run()
    return time.perf_counter() - began


def _report(seconds: dict[tuple[str, str], list[float]], counts: dict[str, int]) -> None:
    """Alerts/s (median) and the cost as the median of paired on/off ratios.

    Each on run has an off twin run right next to it, so a ratio of twins cancels the load other
    processes put on the machine, which a ratio of medians does not.
    """
    print(f"{'path':<26}{'alerts':>7}{'history on':>13}{'history off':>13}{'paired cost':>13}")
    for path, count in counts.items():
        on, off = seconds[(path, "on")], seconds[(path, "off")]
        cost = statistics.median(a / b - 1 for a, b in zip(on, off, strict=True))
        rate_on, rate_off = count / statistics.median(on), count / statistics.median(off)
        print(f"{path:<26}{count:>7}{rate_on:>11.0f}/s{rate_off:>11.0f}/s{cost:>13.1%}")
    for (path, mode), samples in sorted(seconds.items()):
        print(f"  {path:<24} {mode:<4} seconds: " + " ".join(f"{s:.2f}" for s in samples))


async def _mean_source(gateway: Gateway, space: str, sample: int = 500) -> int:
    """What each change rewrites per alert: the mean `_source` size (history grows it)."""
    body = {"size": sample, "query": {"match_all": {}}}
    hits = (await gateway.search(alerts_alias(space), body)).json()["hits"]["hits"]
    return round(statistics.mean(len(orjson.dumps(hit["_source"])) for hit in hits))


async def _bench_first_change(url: str, alerts: int, rounds: int) -> None:
    """The common case: closing alerts never changed before (history depth 0 -> 1)."""
    gateway = Gateway(connection_settings(Settings(), url))
    indices = AlertIndices(gateway)
    limits = {"on": HISTORY_LIMIT, "off": None}
    seconds: dict[tuple[str, str], list[float]] = {}
    try:
        for round_number in range(rounds):
            tag = f"{time.time_ns() % 10**9}"
            order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
            for mode in order:
                await _seed(gateway, indices, f"first-{mode}-{tag}", alerts)
            for mode in order:
                service = StatusService(gateway, indices, EngineOptions(history_limit=limits[mode]))
                everything = AlertQuery({"match_all": {}})
                change = StatusChange(f"first-{mode}-{tag}", everything, WorkflowStatus.CLOSED)
                elapsed = await _timed(lambda s=service, c=change: s.apply(c))
                seconds.setdefault((FIRST_PATH, mode), []).append(elapsed)
        _report(seconds, {FIRST_PATH: alerts})
    finally:
        await gateway.close()


async def _bench(url: str, alerts: int, rounds: int, dialect_alerts: int) -> None:
    gateway = Gateway(connection_settings(Settings(), url))
    indices = AlertIndices(gateway)
    tag = f"{time.time_ns() % 10**9}"
    spaces = {"on": f"bench-on-{tag}", "off": f"bench-off-{tag}"}
    limits = {"on": HISTORY_LIMIT, "off": None}
    try:
        ids = {mode: await _seed(gateway, indices, space, alerts) for mode, space in spaces.items()}
        kibana = {
            mode: StatusService(gateway, indices, EngineOptions(history_limit=limits[mode]))
            for mode in spaces
        }
        dialect = {
            mode: WorkflowService(gateway, indices, history_limit=limits[mode]) for mode in spaces
        }
        seconds: dict[tuple[str, str], list[float]] = {}
        for round_number in range(rounds):
            # on/off back to back for every step, in alternating order: both see the same load
            order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
            for status in (WorkflowStatus.CLOSED, WorkflowStatus.OPEN):
                for mode in order:
                    change = StatusChange(
                        spaces[mode], AlertQuery({"match_all": {}}), status,
                        conflicts=Conflicts.PROCEED, dialect="bench",
                    )  # fmt: skip
                    elapsed = await _timed(lambda c=change, m=mode: kibana[m].apply(c))
                    seconds.setdefault((KIBANA_PATH, mode), []).append(elapsed)
            for code in (UtmStatus.COMPLETED, UtmStatus.OPEN):
                for mode in order:
                    request = DialectChange(
                        spaces[mode], tuple(ids[mode][:dialect_alerts]),
                        utmstack_target(code, false_positive=False),
                        states_saying(Dialect.UTMSTACK, code), Provenance(Dialect.UTMSTACK),
                    )  # fmt: skip
                    elapsed = await _timed(lambda r=request, m=mode: dialect[m].change(r))
                    seconds.setdefault((DIALECT_PATH, mode), []).append(elapsed)
        _report(seconds, {KIBANA_PATH: alerts, DIALECT_PATH: dialect_alerts})
        for mode, space in spaces.items():
            print(f"  mean _source bytes, history {mode}: {await _mean_source(gateway, space)}")
    finally:
        await gateway.close()


@app.command()
def main(
    alerts: int = typer.Option(20_000, help="Alerts per space for the Kibana path."),
    rounds: int = typer.Option(4, help="Close+reopen rounds (each adds 2 history entries)."),
    dialect_alerts: int = typer.Option(5_000, help="Alerts per UTMStack request."),
) -> None:
    """Closure throughput with the status history on vs off, side by side."""
    with elasticsearch(Settings()) as url:
        asyncio.run(_bench(url, alerts, rounds, min(dialect_alerts, alerts)))
        asyncio.run(_bench_first_change(url, alerts, rounds))


@contextlib.contextmanager
def elasticsearch(settings: Settings) -> Iterator[str]:
    """ELASTICSEARCH_URL, else a throwaway node with a cluster name of its own.

    Its own name keeps it from joining another local node (the tests' nodes share one name).
    """
    if settings.elasticsearch_url:
        yield settings.elasticsearch_url
        return
    with tempfile.TemporaryDirectory(prefix="alertstatus-bench-") as data:
        node = LocalNode(home=settings.home, http_port=free_port(), data_dir=Path(data),
                         heap=settings.es_heap, cluster_name=f"alertstatus-bench-{os.getpid()}",
                         java=settings.java)  # fmt: skip
        node.start(settings.es_start_timeout)
        try:
            yield node.url
        finally:
            node.stop()


if __name__ == "__main__":
    app()
