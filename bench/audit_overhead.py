"""What the status history costs: bulk closure throughput with history on vs off, in one run.

    .venv/bin/python -m bench.audit_overhead --alerts 20000 --rounds 3

Uses ELASTICSEARCH_URL when set, else starts a throwaway local node. Two spaces hold the same
alerts; each round closes then reopens every alert of both spaces (alternating which goes first,
so caches and merges favour neither), through the Kibana path (one `_update_by_query`) and the
dialect path (UTMStack's `_bulk` of guarded updates plus the audit document). Prints alerts/s.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import typer

from alertstatus.app import connection_settings
from alertstatus.demo import bulk_lines
from alertstatus.engine.history import Provenance
from alertstatus.engine.model import AlertQuery, Conflicts, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, StatusService
from alertstatus.engine.vocabulary import Dialect, UtmStatus, states_saying, utmstack_target
from alertstatus.engine.workflow import DialectChange, WorkflowService
from alertstatus.es.gateway import Gateway
from alertstatus.es.runtime import elasticsearch_for_tests
from alertstatus.es.templates import AlertIndices
from alertstatus.settings import Settings

HISTORY_LIMIT = 100
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
            order = ["on", "off"] if round_number % 2 == 0 else ["off", "on"]
            for mode in order:
                for status in (WorkflowStatus.CLOSED, WorkflowStatus.OPEN):
                    change = StatusChange(
                        spaces[mode], AlertQuery({"match_all": {}}), status,
                        conflicts=Conflicts.PROCEED, dialect="bench",
                    )  # fmt: skip
                    elapsed = await _timed(lambda c=change, m=mode: kibana[m].apply(c))
                    seconds.setdefault(("kibana _update_by_query", mode), []).append(elapsed)
                for code in (UtmStatus.COMPLETED, UtmStatus.OPEN):
                    request = DialectChange(
                        spaces[mode], tuple(ids[mode][:dialect_alerts]),
                        utmstack_target(code, false_positive=False),
                        states_saying(Dialect.UTMSTACK, code), Provenance(Dialect.UTMSTACK),
                    )  # fmt: skip
                    elapsed = await _timed(lambda r=request, m=mode: dialect[m].change(r))
                    seconds.setdefault(("utmstack _bulk update", mode), []).append(elapsed)
        print(f"{'path':<26}{'alerts':>8}{'history on':>14}{'history off':>14}{'overhead':>10}")
        for path, count in (("kibana _update_by_query", alerts),
                            ("utmstack _bulk update", dialect_alerts)):  # fmt: skip
            on = count / statistics.median(seconds[(path, "on")])
            off = count / statistics.median(seconds[(path, "off")])
            print(f"{path:<26}{count:>8}{on:>12.0f}/s{off:>12.0f}/s{(off - on) / off:>10.1%}")
    finally:
        await gateway.close()


@app.command()
def main(
    alerts: int = typer.Option(20_000, help="Alerts per space for the Kibana path."),
    rounds: int = typer.Option(3, help="Close+reopen rounds; the median time is reported."),
    dialect_alerts: int = typer.Option(5_000, help="Alerts per UTMStack request."),
) -> None:
    """Closure throughput with the status history on vs off, side by side."""
    with elasticsearch_for_tests(Settings()) as url:
        asyncio.run(_bench(url, alerts, rounds, min(dialect_alerts, alerts)))


if __name__ == "__main__":
    app()
