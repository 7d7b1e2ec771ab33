"""`alertstatus loadtest`: options for the load generator (`cli/load_generator.py`), its summary.

It speaks HTTP to a deployment's URL, never to Elasticsearch, so it needs no services.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from alertstatus.cli.load_generator import LoadPlan, run_load


def parse_headers(lines: list[str]) -> dict[str, str]:
    """`Name: value` lines as a header mapping (whitespace around both trimmed)."""
    pairs = (line.split(":", 1) for line in lines)
    return {name.strip(): value.strip() for name, value in pairs}


def loadtest(
    url: Annotated[str, typer.Option(help="Base URL of the alertstatus deployment to load.")],
    concurrency: Annotated[int, typer.Option(min=1, max=1024, help="Concurrent clients.")] = 16,
    duration: Annotated[float, typer.Option(min=0.1, max=3600, help="Seconds to run.")] = 10.0,
    max_requests: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many requests.")
    ] = None,
    space: Annotated[str, typer.Option(help="Kibana space to work in.")] = "default",
    id_range: Annotated[
        int, typer.Option(min=1, help="Ids are the demo seeder's alerts 0..N-1.")
    ] = 10_000,
    header: Annotated[
        list[str] | None, typer.Option(help="Extra header `Name: value` (e.g. authorization).")
    ] = None,
) -> None:
    """Load a deployment with a realistic mix of status changes; print latency and throughput."""
    headers = parse_headers(header or [])
    try:
        plan = LoadPlan(
            url=url,
            concurrency=concurrency,
            duration=duration,
            max_requests=max_requests,
            space_id=space,
            id_range=id_range,
            headers=headers,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    report = asyncio.run(run_load(plan))
    typer.echo(report.summary())
