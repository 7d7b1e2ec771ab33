"""`python -m bench`: seed the real node, measure P1-P6 side by side, print the tables and
write the P3 curve's plot.

The service runs with authentication on (an API key made for the run, sent on every request to
the service; the direct requests to Elasticsearch carry none); `--auth off` runs it without.
"""

from __future__ import annotations

import asyncio
import os
import platform
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from tests.nodes import elasticsearch_for_tests

from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.gateway import ConnectionSettings, Gateway
from alertstatus.settings import Settings
from bench import unwind_on_sigterm
from bench.phases import ALL_PHASES, Bench, Row, Sizes
from bench.plot import plot_curve
from bench.report import render
from bench.server import ServiceProcess, bench_authorization

DEFAULT_PLOT = Path("bench-results/p3-curve.svg")


class Authentication(StrEnum):
    ON = "on"
    OFF = "off"


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
    p3_clients=(1, 8),
    p3_curve_requests=32,
    p7_alerts=3_000,
)


async def measure(
    es_url: str,
    sizes: Sizes,
    prefix: str = "bench",
    phases: frozenset[str] = ALL_PHASES,
    authentication: Authentication = Authentication.ON,
) -> tuple[list[Row], str]:
    """Run every phase against `es_url` with a fresh service process; rows and the header.

    With authentication on, a second service process with it off is measured beside it in P3,
    and at 1 client a third with the status history off too.
    """
    gateway = Gateway(ConnectionSettings(url=es_url, request_timeout=7200))
    try:
        info = (await gateway.info()).json()
        if authentication is Authentication.ON:
            authorization = await bench_authorization(gateway)
            with (
                ServiceProcess(es_url, authorization=authorization) as service,
                ServiceProcess(es_url) as unauthenticated,
                ServiceProcess(es_url, env={"ALERTSTATUS_STATUS_HISTORY": "false"}) as bare,
            ):
                bench = Bench(gateway, service, sizes, prefix, unauthenticated, bare)
                rows = await bench.run_all(phases)
        else:
            with ServiceProcess(es_url) as service:
                rows = await Bench(gateway, service, sizes, prefix).run_all(phases)
    finally:
        await gateway.close()
    described = (
        "authentication on (an API key on every service request)"
        if authentication is Authentication.ON
        else "authentication off (--auth off)"
    )
    header = (
        f"alertstatus bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{ClusterVersion.from_info(info)}; service: {described}; sizes: {sizes}"
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
    p3_clients: Annotated[
        str, typer.Option(help="The P3 curve's concurrencies, e.g. 1,8,64,256.")
    ] = "1,8,64,256",
    p3_curve_requests: Annotated[
        int | None,
        typer.Option(help="Requests per target at the curve's other points (default: P3's)."),
    ] = None,
    p7_alerts: Annotated[
        int, typer.Option(help="Alerts of P7's one sharded space (seeded once).")
    ] = 1_000_000,
    p7_shards: Annotated[int, typer.Option(min=1, help="Primary shards of P7's space.")] = 3,
    phases: Annotated[str, typer.Option(help="Which phases, e.g. P1,P2.")] = "P1,P2,P3,P4,P5,P6,P7",
    auth: Annotated[
        Authentication, typer.Option(help="The service's authentication (on: an API key).")
    ] = Authentication.ON,
    plot: Annotated[
        Path, typer.Option(help="Where the P3 curve's plot (SVG) goes.")
    ] = DEFAULT_PLOT,
    quick: Annotated[bool, typer.Option(help="Tiny sizes: a smoke run of seconds.")] = False,
) -> None:
    """Uses ELASTICSEARCH_URL, else starts a throwaway local node (as the tests do)."""
    unwind_on_sigterm()
    chosen_sizes = Sizes(
        alerts=alerts,
        p3_alerts=p3_alerts,
        p3_requests=p3_requests,
        p3_concurrency=p3_concurrency,
        p4_ids=p4_ids,
        repeat=repeat,
        p6_alerts=p6_alerts,
        p6_rounds=p6_rounds,
        p6_dialect_alerts=p6_dialect_alerts,
        p3_clients=tuple(int(clients) for clients in p3_clients.split(",") if clients.strip()),
        p3_curve_requests=p3_curve_requests,
        p7_alerts=p7_alerts,
        p7_shards=p7_shards,
    )
    sizes = QUICK if quick else chosen_sizes
    with elasticsearch_for_tests(Settings()) as es_url:
        chosen = frozenset(phases.upper().replace(" ", "").split(",")) & ALL_PHASES
        rows, header = asyncio.run(measure(es_url, sizes, phases=chosen, authentication=auth))
    written = plot_curve(rows, plot, header)
    typer.echo(render(rows, header, str(written) if written else None))


if __name__ == "__main__":
    typer.run(main)
