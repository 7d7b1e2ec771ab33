"""`python -m bench`: seed the real node, measure P1-P6 side by side, print the table."""

from __future__ import annotations

import asyncio
import os
import platform
from datetime import UTC, datetime
from typing import Annotated

import typer
from tests.nodes import elasticsearch_for_tests

from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.gateway import ConnectionSettings, Gateway
from alertstatus.settings import Settings
from bench import unwind_on_sigterm
from bench.phases import ALL_PHASES, Bench, Row, Sizes
from bench.report import render
from bench.server import ServiceProcess

QUICK = Sizes(
    alerts=2_000,
    p3_alerts=1_000,
    p3_requests=256,
    p3_concurrency=64,
    p4_ids=5_000,
    repeat=1,
    p6_alerts=1_000,
    p6_rounds=2,
    p6_dialect_alerts=500,
)


async def measure(
    es_url: str, sizes: Sizes, prefix: str = "bench", phases: frozenset[str] = ALL_PHASES
) -> tuple[list[Row], str]:
    """Run every phase against `es_url` with a fresh service process; rows and the header."""
    gateway = Gateway(ConnectionSettings(url=es_url, request_timeout=7200))
    try:
        info = (await gateway.info()).json()
        with ServiceProcess(es_url) as service:
            rows = await Bench(gateway, service, sizes, prefix).run_all(phases)
    finally:
        await gateway.close()
    header = (
        f"alertstatus bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{ClusterVersion.from_info(info)}; sizes: {sizes}"
    )
    return rows, header


def main(
    alerts: Annotated[int, typer.Option(help="Alerts per space in P1, P2, P5.")] = 50_000,
    p3_alerts: Annotated[int, typer.Option(help="Alerts in the P3 space.")] = 20_000,
    p3_requests: Annotated[int, typer.Option(help="Requests in P3 (per target).")] = 1_000,
    p3_concurrency: Annotated[int, typer.Option(help="Concurrent clients in P3.")] = 64,
    p4_ids: Annotated[int, typer.Option(help="Ids in the P4 request.")] = 100_000,
    repeat: Annotated[int, typer.Option(min=1, help="Interleaved rounds of P1-P3.")] = 2,
    p6_alerts: Annotated[int, typer.Option(help="Alerts per twin space in P6.")] = 20_000,
    p6_rounds: Annotated[int, typer.Option(help="On/off pairs per case in P6.")] = 6,
    p6_dialect_alerts: Annotated[
        int, typer.Option(help="Alerts per UTMStack request in P6.")
    ] = 5_000,
    phases: Annotated[str, typer.Option(help="Which phases, e.g. P1,P2.")] = "P1,P2,P3,P4,P5,P6",
    quick: Annotated[bool, typer.Option(help="Tiny sizes: a smoke run of seconds.")] = False,
) -> None:
    """Uses ELASTICSEARCH_URL, else starts a throwaway local node (as the tests do)."""
    unwind_on_sigterm()
    chosen_sizes = Sizes(
        alerts,
        p3_alerts,
        p3_requests,
        p3_concurrency,
        p4_ids,
        repeat,
        p6_alerts,
        p6_rounds,
        p6_dialect_alerts,
    )
    sizes = QUICK if quick else chosen_sizes
    with elasticsearch_for_tests(Settings()) as es_url:
        chosen = frozenset(phases.upper().replace(" ", "").split(",")) & ALL_PHASES
        rows, header = asyncio.run(measure(es_url, sizes, phases=chosen))
    typer.echo(render(rows, header))


if __name__ == "__main__":
    typer.run(main)
