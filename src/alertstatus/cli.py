"""The `alertstatus` command: serve the API, run the local Elasticsearch node, install templates."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alertstatus.auth.cli import apikey_app, password_hash
from alertstatus.commands.close import Selection, build_change, cli_actor, run_status_change
from alertstatus.commands.session import CliSession
from alertstatus.engine.model import Conflicts, WorkflowStatus
from alertstatus.es.gateway import ElasticsearchError, Gateway
from alertstatus.es.runtime import (
    ElasticsearchStartError,
    elasticsearch_for_service,
    elasticsearch_info,
    service_node,
)
from alertstatus.observability.logs import configure_logging
from alertstatus.settings import Settings, get_settings, settings_table

app = typer.Typer(help="Bulk alert status service on Elasticsearch.", no_args_is_help=True)
es_app = typer.Typer(help="The local Elasticsearch node (used when ELASTICSEARCH_URL is unset).")
templates_app = typer.Typer(help="Index templates for Kibana's security alerts layout.")
app.add_typer(es_app, name="es")
app.add_typer(templates_app, name="templates")
app.add_typer(apikey_app, name="apikey")
app.command("password-hash")(password_hash)


def _logging() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)


def cluster_url(settings: Settings) -> str:
    """ELASTICSEARCH_URL, else the local node's address (`es start`, or `serve` without a URL)."""
    return settings.elasticsearch_url or service_node(settings).url


@asynccontextmanager
async def cluster_gateway(settings: Settings) -> AsyncIterator[Gateway]:
    """A gateway to the configured cluster for one command, closed afterwards."""
    from alertstatus.services import connection_settings

    gateway = Gateway(connection_settings(settings, cluster_url(settings)))
    try:
        yield gateway
    finally:
        await gateway.close()


def fail(message: str) -> typer.Exit:
    """Say what went wrong on stderr; the caller raises the returned Exit(1)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (ALERTSTATUS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ALERTSTATUS_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API; starts (or reuses) a local Elasticsearch when ELASTICSEARCH_URL is unset."""
    _logging()
    settings = get_settings()
    try:
        with elasticsearch_for_service(settings) as url:
            os.environ["ELASTICSEARCH_URL"] = url  # what every worker's settings read
            get_settings.cache_clear()
            uvicorn.run(
                "alertstatus.app:create_app",
                factory=True,
                host=host or settings.host,
                port=port or settings.port,
                workers=workers,
                timeout_keep_alive=75,
                log_config=None,  # our handlers (JSON or text) in every worker: create_app
                access_log=False,  # the request line comes from ObservabilityMiddleware
            )
    except ElasticsearchStartError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@app.command("settings")
def settings_command() -> None:
    """Print every setting (environment variable, default, meaning) as a Markdown table."""
    typer.echo(settings_table(), nl=False)


@es_app.command("start")
def es_start() -> None:
    """Start the local node in the background (fetched from Maven Central on first use)."""
    _logging()
    node = service_node(get_settings())
    if elasticsearch_info(node.url) is not None:
        typer.echo(f"Elasticsearch already answers at {node.url}")
        return
    try:
        node.start(get_settings().es_start_timeout, detach=True)
    except ElasticsearchStartError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Elasticsearch is up at {node.url} (log: {node.log_path})")


@es_app.command("stop")
def es_stop() -> None:
    """Stop the local node started by `es start`."""
    node = service_node(get_settings())
    node.stop()
    typer.echo("stopped" if elasticsearch_info(node.url) is None else "still answering")


@es_app.command("status")
def es_status() -> None:
    """Say whether the local node answers; exit 1 when it does not."""
    node = service_node(get_settings())
    info = elasticsearch_info(node.url)
    if info is None:
        typer.echo(f"no Elasticsearch at {node.url}")
        raise typer.Exit(1)
    version = info.get("version")
    number = version.get("number") if isinstance(version, dict) else "?"
    typer.echo(f"Elasticsearch {number} at {node.url} (log: {node.log_path})")


@templates_app.command("install")
def templates_install(
    space: Annotated[
        list[str] | None, typer.Option(help="Also create these spaces' indices.")
    ] = None,
) -> None:
    """Install the component templates (and spaces' indices) into the configured cluster."""
    from alertstatus.engine.indices import AlertIndices

    async def install() -> None:
        async with cluster_gateway(get_settings()) as gateway:
            indices = AlertIndices(gateway)
            await indices.install_components()
            for space_id in space or []:
                typer.echo(f"space {space_id}: {await indices.ensure_space(space_id)}")

    asyncio.run(install())
    typer.echo("templates installed")


@app.command()
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
    from alertstatus.demo import SeedPlan, seed_alerts
    from alertstatus.engine.model import validate_space_id
    from alertstatus.errors import InvalidSpaceId, SeedError

    try:
        validate_space_id(space)
    except InvalidSpaceId as error:
        raise fail(str(error)) from error
    plan = SeedPlan(space, count, days, closed_ratio, building_block_ratio, batch_size, random_seed)
    console = Console(stderr=True)
    columns = (TextColumn("seeding {task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("alerts"), TimeElapsedColumn())  # fmt: skip

    async def run() -> str:
        async with cluster_gateway(get_settings()) as gateway:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(space, total=count)
                return await seed_alerts(gateway, plan, lambda n: progress.advance(task, n))

    try:
        alias = asyncio.run(run())
    except (ElasticsearchError, SeedError) as error:
        reason = error.reason() if isinstance(error, ElasticsearchError) else str(error)
        raise fail(reason) from error
    typer.echo(f"seeded {count} alerts into space {space} ({alias}) over the last {days:g} days")


@app.command()
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
    from alertstatus.loadtest import LoadPlan, run_load

    headers = dict(
        (name.strip(), value.strip()) for name, value in (h.split(":", 1) for h in header or [])
    )
    try:
        plan = LoadPlan(
            url=url, concurrency=concurrency, duration=duration, max_requests=max_requests,
            space_id=space, id_range=id_range, headers=headers,
        )  # fmt: skip
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    report = asyncio.run(run_load(plan))
    typer.echo(report.summary())


# --- status changes and tasks from the terminal (issue 6; work in alertstatus/commands) ----------

tasks_app = typer.Typer(help="Asynchronous status changes (Elasticsearch update-by-query tasks).")
app.add_typer(tasks_app, name="tasks")

SpaceOption = Annotated[str, typer.Option(help="Kibana space of the alerts.")]
SinceOption = Annotated[
    str | None, typer.Option(help="Start of the window: ISO-8601 or date math (now-24h).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="End of the window (rounds up): ISO-8601 or date math.")
]
RuleOption = Annotated[str | None, typer.Option(help="Only this rule's alerts (name or uuid).")]
QueryFileOption = Annotated[
    Path | None, typer.Option(help="JSON file with an Elasticsearch query, ANDed with the rest.")
]
ConflictsOption = Annotated[
    Conflicts, typer.Option(help="On a version conflict: count it and go on, or abort.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the count and the request; change nothing.")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before changing.")]
TaskSpaceOption = Annotated[str, typer.Option(help="Space the task works on.")]


def _change_status(selection: Selection, *, dry_run: bool, yes: bool) -> None:
    """Shared by close/open/acknowledge; exit codes in docs/operations.md."""
    settings = get_settings()
    try:
        change, window = build_change(selection, settings.extra_close_reasons, cli_actor())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    try:
        with CliSession(settings, cluster_url(settings)) as session:
            code = run_status_change(session, change, window, dry_run=dry_run, yes=yes)
    except ElasticsearchError as error:
        raise fail(error.reason()) from error
    raise typer.Exit(code)


@app.command()
def close(
    space: SpaceOption = "default",
    since: SinceOption = None,
    until: UntilOption = None,
    status: Annotated[
        WorkflowStatus, typer.Option(help="Target status (Kibana's workflow statuses).")
    ] = WorkflowStatus.CLOSED,
    reason: Annotated[
        str | None, typer.Option(help="Closing reason (Kibana's; only with --status closed).")
    ] = None,
    query_file: QueryFileOption = None,
    rule: RuleOption = None,
    conflicts: ConflictsOption = Conflicts.PROCEED,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Close a time range: count, confirm, run as a task with a progress bar, print counts."""
    selection = Selection(space, status, since, until, reason, rule, query_file, conflicts)
    _change_status(selection, dry_run=dry_run, yes=yes)


def _fixed_status_command(status: WorkflowStatus, summary: str) -> Callable[..., None]:
    """`open` and `acknowledge`: `close` with the status fixed and no reason."""

    def command(
        space: SpaceOption = "default",
        since: SinceOption = None,
        until: UntilOption = None,
        query_file: QueryFileOption = None,
        rule: RuleOption = None,
        conflicts: ConflictsOption = Conflicts.PROCEED,
        dry_run: DryRunOption = False,
        yes: YesOption = False,
    ) -> None:
        selection = Selection(space, status, since, until, None, rule, query_file, conflicts)
        _change_status(selection, dry_run=dry_run, yes=yes)

    command.__doc__ = summary
    return command


app.command("open")(
    _fixed_status_command(
        WorkflowStatus.OPEN, "Reopen a time range's alerts (close --status open)."
    )
)
app.command("acknowledge")(
    _fixed_status_command(
        WorkflowStatus.ACKNOWLEDGED,
        "Acknowledge a time range's alerts (close --status acknowledged).",
    )
)


def _task_command(run: Callable[[CliSession], None]) -> None:
    """Run one task command; unknown or foreign tasks and cluster errors exit 1."""
    from alertstatus.errors import InvalidTaskId, TaskNotFound

    settings = get_settings()
    try:
        with CliSession(settings, cluster_url(settings)) as session:
            run(session)
    except InvalidTaskId as error:
        raise typer.BadParameter(str(error)) from error
    except TaskNotFound as error:
        raise fail(str(error)) from error
    except ElasticsearchError as error:
        raise fail(error.reason()) from error


@tasks_app.command("list")
def tasks_list(
    space: Annotated[str | None, typer.Option(help="Only this space (default: all).")] = None,
) -> None:
    """Running status changes on the alerts aliases, with their progress."""
    from alertstatus.commands import tasks

    _task_command(lambda session: tasks.list_running(session, space))


# Node ids are URL-safe base64 and may start with `-`: such a task id is an argument, not an option.
TASK_ID_ARGUMENT = {"ignore_unknown_options": True}


@tasks_app.command("show", context_settings=TASK_ID_ARGUMENT)
def tasks_show(task_id: str, space: TaskSpaceOption = "default") -> None:
    """Progress (or result) of one task, as the task route's JSON."""
    from alertstatus.commands import tasks

    _task_command(lambda session: tasks.show(session, space, task_id))


@tasks_app.command("cancel", context_settings=TASK_ID_ARGUMENT)
def tasks_cancel(task_id: str, space: TaskSpaceOption = "default") -> None:
    """Cancel one task; a finished one is reported as it is."""
    from alertstatus.commands import tasks

    _task_command(lambda session: tasks.cancel(session, space, task_id))
