"""What the status history costs: bulk closure throughput with history on vs off, in one run.

    .venv/bin/python -m bench.audit_overhead --alerts 20000 --rounds 6

Also phase P6 of `python -m bench`. Uses ELASTICSEARCH_URL when set, else starts a throwaway node.
Twin spaces hold the same alerts; every measured step runs on both, back to back, alternating
which goes first, so load from other processes falls on both twins alike. Three cases:

- first close: freshly seeded twins, every alert closed by one query (history depth 0 -> 1),
  the common bulk closure;
- full history, Kibana path: twins whose alerts have first been flipped `limit` times (the
  history is at its bound, the worst case: each change appends one entry and drops one), then
  closed and reopened by query, each pass timed;
- full history, UTMStack path: the same, through the dialect's `_bulk` of guarded updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import orjson
import typer

from alertstatus.demo import alert_id
from alertstatus.engine.comments import CommentStore
from alertstatus.engine.history import DEFAULT_HISTORY_LIMIT, Provenance, StatusHistory
from alertstatus.engine.indices import AlertIndices, alerts_alias
from alertstatus.engine.model import AlertQuery, Conflicts, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, StatusService
from alertstatus.engine.vocabulary import Dialect, UtmStatus, states_saying, utmstack_target
from alertstatus.engine.workflow import DialectChange, WorkflowService
from alertstatus.es.gateway import Gateway
from alertstatus.es.runtime import temporary_node
from alertstatus.services import connection_settings
from alertstatus.settings import Settings
from bench import unwind_on_sigterm
from bench.seeding import drop_space, seed_space

MODES = ("on", "off")

app = typer.Typer(add_completion=False)


@dataclass
class Twins:
    """Seconds of the same steps with history on and off, in pairs."""

    case: str
    alerts: int
    seconds: dict[str, list[float]] = field(default_factory=lambda: {mode: [] for mode in MODES})
    note: str = ""

    @property
    def cost(self) -> float:
        """Median over the pairs of `on/off - 1`: twins ran back to back, so their ratio cancels
        the machine's load, which a ratio of medians does not."""
        on, off = self.seconds["on"], self.seconds["off"]
        return statistics.median(a / b - 1 for a, b in zip(on, off, strict=True))

    def rate(self, mode: str) -> float:
        return self.alerts / statistics.median(self.seconds[mode])


async def _timed(run: Callable[[], Awaitable[object]]) -> float:
    began = time.perf_counter()
    await run()
    return time.perf_counter() - began


def _order(round_number: int) -> tuple[str, ...]:
    return MODES if round_number % 2 == 0 else MODES[::-1]


def _everything(space: str, status: WorkflowStatus) -> StatusChange:
    return StatusChange(space, AlertQuery({"match_all": {}}), status, conflicts=Conflicts.PROCEED)


class AuditBench:
    """The three cases on one cluster; spaces are `<prefix>-...`."""

    def __init__(self, gateway: Gateway, prefix: str, limit: int = DEFAULT_HISTORY_LIMIT) -> None:
        self.gateway = gateway
        indices = AlertIndices(gateway)
        self.prefix = prefix
        self.limits: dict[str, int | None] = {"on": limit, "off": None}
        self.kibana = {
            mode: StatusService(gateway, indices, EngineOptions(history_limit=limit))
            for mode, limit in self.limits.items()
        }
        self.dialect = {
            mode: WorkflowService(
                gateway, indices, StatusHistory(gateway, limit), CommentStore(gateway)
            )
            for mode, limit in self.limits.items()
        }

    async def first_close(self, alerts: int, rounds: int) -> Twins:
        twins = Twins("first close (depth 0 to 1)", alerts)
        for round_number in range(rounds):
            spaces = {mode: f"{self.prefix}-first-{round_number}-{mode}" for mode in MODES}
            for mode in _order(round_number):
                await seed_space(self.gateway, spaces[mode], alerts)
            for mode in _order(round_number):
                change = _everything(spaces[mode], WorkflowStatus.CLOSED)
                run = self.kibana[mode].apply
                twins.seconds[mode].append(await _timed(lambda r=run, c=change: r(c)))
            for space in spaces.values():
                await drop_space(self.gateway, space)
        return twins

    async def full_history(
        self, alerts: int, rounds: int, dialect_alerts: int
    ) -> tuple[Twins, Twins]:
        """Kibana's and UTMStack's paths on alerts whose history is at its bound."""
        limit = self.limits["on"] or 0
        spaces = {mode: f"{self.prefix}-full-{mode}" for mode in MODES}
        for space in spaces.values():
            await seed_space(self.gateway, space, alerts)
        ids = {
            mode: tuple(alert_id(spaces[mode], n) for n in range(dialect_alerts)) for mode in MODES
        }
        for flip in range(limit + limit % 2):  # both twins rewritten alike; ends open
            status = WorkflowStatus.CLOSED if flip % 2 == 0 else WorkflowStatus.OPEN
            for mode in MODES:
                await self.kibana[mode].apply(_everything(spaces[mode], status))
        depth = f"{limit} entries, the bound"
        kibana = Twins(f"full history, Kibana path ({depth})", alerts)
        utmstack = Twins(f"full history, UTMStack path ({depth})", dialect_alerts)
        for round_number in range(rounds):
            for status in (WorkflowStatus.CLOSED, WorkflowStatus.OPEN):
                for mode in _order(round_number):
                    change = _everything(spaces[mode], status)
                    run = self.kibana[mode].apply
                    kibana.seconds[mode].append(await _timed(lambda r=run, c=change: r(c)))
            for code in (UtmStatus.COMPLETED, UtmStatus.OPEN):
                for mode in _order(round_number):
                    request = DialectChange(
                        spaces[mode],
                        ids[mode],
                        utmstack_target(code, false_positive=False),
                        states_saying(Dialect.UTMSTACK, code),
                        Provenance(Dialect.UTMSTACK),
                    )
                    run = self.dialect[mode].change
                    utmstack.seconds[mode].append(await _timed(lambda r=run, q=request: r(q)))
        sizes = {mode: await self._mean_source(spaces[mode]) for mode in MODES}
        kibana.note = utmstack.note = f"mean _source {sizes['on']} B on, {sizes['off']} B off"
        for space in spaces.values():
            await drop_space(self.gateway, space)
        return kibana, utmstack

    async def run(self, alerts: int, rounds: int, dialect_alerts: int) -> list[Twins]:
        first = await self.first_close(alerts, rounds)
        return [first, *await self.full_history(alerts, rounds, min(dialect_alerts, alerts))]

    async def _mean_source(self, space: str, sample: int = 500) -> int:
        """What each change rewrites per alert: the mean `_source` size (history grows it)."""
        body = {"size": sample, "query": {"match_all": {}}}
        hits = (await self.gateway.search(alerts_alias(space), body)).json()["hits"]["hits"]
        return round(statistics.mean(len(orjson.dumps(hit["_source"])) for hit in hits))


def render(results: list[Twins]) -> str:
    lines = [f"{'case':<52}{'alerts':>7}{'history on':>13}{'history off':>13}{'paired cost':>13}"]
    for twins in results:
        lines.append(
            f"{twins.case:<52}{twins.alerts:>7}{twins.rate('on'):>11.0f}/s"
            f"{twins.rate('off'):>11.0f}/s{twins.cost:>13.1%}"
        )
    for twins in results:
        for mode in MODES:
            samples = " ".join(f"{s:.2f}" for s in twins.seconds[mode])
            lines.append(f"  {twins.case}, {mode}, seconds: {samples}")
        if twins.note:
            lines.append(f"  {twins.case}: {twins.note}")
    return "\n".join(lines)


async def _measure(url: str, alerts: int, rounds: int, dialect_alerts: int) -> list[Twins]:
    gateway = Gateway(connection_settings(Settings(), url))
    try:
        prefix = f"audit-{time.time_ns() % 10**9}"
        return await AuditBench(gateway, prefix).run(alerts, rounds, dialect_alerts)
    finally:
        await gateway.close()


@app.command()
def main(
    alerts: int = typer.Option(20_000, help="Alerts per space."),
    rounds: int = typer.Option(6, help="Rounds (each a pair per case and status)."),
    dialect_alerts: int = typer.Option(5_000, help="Alerts per UTMStack request."),
) -> None:
    """Closure throughput with the status history on vs off, side by side."""
    unwind_on_sigterm()
    with elasticsearch(Settings()) as url:
        typer.echo(render(asyncio.run(_measure(url, alerts, rounds, dialect_alerts))))


@contextlib.contextmanager
def elasticsearch(settings: Settings) -> Iterator[str]:
    """ELASTICSEARCH_URL, else a throwaway node (its own cluster name: it never joins another)."""
    if settings.elasticsearch_url:
        yield settings.elasticsearch_url
        return
    with temporary_node(settings, prefix="alertstatus-bench-") as url:
        yield url


if __name__ == "__main__":
    app()
