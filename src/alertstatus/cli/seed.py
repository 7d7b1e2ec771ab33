"""`alertstatus seed`: realistic demo alerts for a space, written with `_bulk`, with progress.

For demos, load tests (`alertstatus loadtest` aims at the ids written here) and trying the CLI's
status changes on a local node (docs/operations.md, "The local node").
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alertstatus.cli.console import fail
from alertstatus.cli.session import command_services
from alertstatus.demo import SeedPlan, seed_alerts
from alertstatus.engine.model import validate_space_id
from alertstatus.errors import InvalidSpaceId, SeedError
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import get_settings


def seed(
    space: Annotated[str, typer.Option(help="Space to write into.")] = "default",
    count: Annotated[int, typer.Option(min=1, help="How many alerts.")] = 1000,
    closed_ratio: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of alerts already closed.")
    ] = 0.2,
    days: Annotated[
        float, typer.Option(min=0.0, help="Timestamps spread over the last DAYS days.")
    ] = 30.0,
    building_block_ratio: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of building-block alerts.")
    ] = 0.1,
    batch_size: Annotated[int, typer.Option(min=1, help="Alerts per _bulk request.")] = 5000,
    random_seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed, for repeatable data.")
    ] = None,
) -> None:
    """Write realistic demo alerts (rules, hosts, users, severities) with _bulk, with progress."""
    try:
        validate_space_id(space)
    except InvalidSpaceId as error:
        raise fail(str(error)) from error
    plan = SeedPlan(space, count, days, closed_ratio, building_block_ratio, batch_size, random_seed)
    columns = (
        TextColumn("seeding {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("alerts"),
        TimeElapsedColumn(),
    )

    async def run() -> str:
        async with command_services(get_settings()) as services:
            with Progress(*columns, console=Console(stderr=True)) as progress:
                task = progress.add_task(space, total=count)
                return await seed_alerts(
                    services.gateway, plan, lambda n: progress.advance(task, n)
                )

    try:
        alias = asyncio.run(run())
    except (ElasticsearchError, SeedError) as error:
        reason = error.reason() if isinstance(error, ElasticsearchError) else str(error)
        raise fail(reason) from error
    typer.echo(f"seeded {count} alerts into space {space} ({alias}) over the last {days:g} days")
