"""`alertstatus close|open|acknowledge`: count, confirm, run as a task, follow it with a bar.

The work is the HTTP API's: the same StatusChange, the same `_update_by_query` request
(`update_by_query_request`), started by `StatusService.start` and followed by `TaskService`, both
from the composition root. The count shown before asking uses the query of that very request, so
the number confirmed is the number of alerts the task selects (docs/operations.md, "Status changes
from the CLI", which also lists the exit codes).
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alertstatus.cli.console import fail
from alertstatus.cli.session import CliSession
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import (
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
    closing_reason,
    validate_space_id,
)
from alertstatus.engine.selection import closure_query, read_query_file
from alertstatus.engine.service import update_by_query_request
from alertstatus.engine.timerange import TimeWindow, iso_millis
from alertstatus.errors import QueryRefused, StatusChangeError
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import get_settings
from alertstatus.tasks.models import TaskProgress

EXIT_FAILED = 1  # Elasticsearch refused, or the task failed or was canceled by someone else
EXIT_NOT_CONFIRMED = 3  # declined at the prompt, or no answer (no terminal) and no --yes
EXIT_INTERRUPTED = 130  # Ctrl-C while the task ran (it was canceled, or left running on request)
POLL_SECONDS = 0.5
CLI_DIALECT = "cli"  # the `dialect` of the status history entries the CLI's changes write
COUNT_PARAMS = {"ignore_unavailable": True, "allow_no_indices": True}

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
SkipUnchangedOption = Annotated[
    bool,
    typer.Option(
        "--skip-unchanged/--no-skip-unchanged",
        help="Leave alerts already in the target status untouched (counted as noops); "
        "--no-skip-unchanged rewrites them as Kibana does (counted as updated).",
    ),
]


def cli_actor() -> str:
    """`cli:<os user>` as `workflow_user`: the CLI speaks to Elasticsearch with the service's
    credentials, so the operating-system account is the best name for who ran it."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no LOGNAME/USER and no passwd entry (bare containers)
        user = "unknown"
    return f"cli:{user}"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the command line asked for, before anything is parsed."""

    space_id: str
    status: WorkflowStatus
    since: str | None = None
    until: str | None = None
    reason: str | None = None
    rule: str | None = None
    query_file: Path | None = None
    conflicts: Conflicts = Conflicts.PROCEED
    skip_unchanged: bool = True  # the CLI's default: the faster noop-skip (docs/operations.md)


def build_change(
    selection: Selection, extra_reasons: list[str], actor: str
) -> tuple[StatusChange, str]:
    """The StatusChange the API would build, and its window in words (one `now` for both).

    ValueError subclasses say what is wrong with an option.
    """
    if selection.reason is not None and selection.status is not WorkflowStatus.CLOSED:
        raise StatusChangeError("--reason is only for --status closed")
    window = TimeWindow.parse(selection.since, selection.until)
    query = read_query_file(selection.query_file) if selection.query_file else None
    change = StatusChange(
        space_id=validate_space_id(selection.space_id),
        selector=AlertQuery(closure_query(window, rule=selection.rule, query=query)),
        status=selection.status,
        reason=closing_reason(selection.status, selection.reason, extra_reasons),
        conflicts=selection.conflicts,
        actor=actor,
        skip_unchanged=selection.skip_unchanged,
        dialect=CLI_DIALECT,
        caller=actor,
    )
    since = iso_millis(window.since) if window.since else "the first alert"
    until = iso_millis(window.until) if window.until else "the last alert"
    return change, f"from {since} to {until}"


def final_counts(report: TaskProgress) -> str:
    took = (report.response or {}).get("took", round(report.elapsed_seconds * 1000))
    return (
        f"total {report.total}, updated {report.updated}, noops {report.noops}, "
        f"version_conflicts {report.version_conflicts}, took {took} ms"
    )


class StatusCommand:
    """One run of `close`/`open`/`acknowledge` against one cluster."""

    def __init__(self, session: CliSession, change: StatusChange, console: Console) -> None:
        self.session = session
        self.services = session.services
        self.change = change
        self.console = console

    def request(self) -> dict[str, Any]:
        """Index, parameters and body of the `_update_by_query` the task will run."""
        params, body = update_by_query_request(self.change, self.services.options)
        return {"index": alerts_alias(self.change.space_id), "params": params, "body": body}

    def count(self) -> int:
        """`_count` with the request's own query (a missing space counts 0, creates nothing)."""
        request = self.request()
        query = {"query": request["body"]["query"]}
        return self.session.run(self.services.gateway.count(request["index"], query, COUNT_PARAMS))

    def start(self) -> str:
        return self.session.run(self.services.status.start(self.change))

    def progress(self, task_id: str) -> TaskProgress:
        return self.session.run(self.services.tasks.progress(self.change.space_id, task_id))

    def cancel(self, task_id: str) -> TaskProgress:
        return self.session.run(self.services.tasks.cancel(self.change.space_id, task_id))

    def follow(self, task_id: str) -> TaskProgress:
        """Poll the task until done, drawing its progress; Ctrl-C propagates to the caller."""
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("alerts"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console) as bar:
            line = bar.add_task(f"{self.change.status.value} {self.change.space_id}", total=None)
            while True:
                report = self.progress(task_id)
                done = report.updated + report.noops + report.version_conflicts
                bar.update(line, total=report.total or None, completed=done)
                if report.done:
                    return report
                time.sleep(POLL_SECONDS)

    def interrupted(self, task_id: str, ask: bool) -> TaskProgress | None:
        """Ctrl-C: cancel the task (asked first unless --yes); None when it is left running."""
        if ask:
            try:
                cancel = typer.confirm(f"Cancel task {task_id}?", default=True, err=True)
            except (typer.Abort, KeyboardInterrupt):
                cancel = True  # a second Ctrl-C or no terminal: the safe answer
            if not cancel:
                return None
        self.console.print(f"canceling task {task_id}")
        self.cancel(task_id)
        return self.follow(task_id)


def run_status_change(
    session: CliSession, change: StatusChange, window: str, *, dry_run: bool, yes: bool
) -> int:
    """The whole command; returns the exit code (documented in docs/operations.md)."""
    console = Console(stderr=True)
    command = StatusCommand(session, change, console)
    matching = command.count()
    typer.echo(f"{matching} alerts match in space {change.space_id} ({window})")
    if dry_run:
        typer.echo(orjson.dumps(command.request(), option=orjson.OPT_INDENT_2).decode())
        typer.echo("dry run: nothing changed")
        return 0
    if matching == 0:
        typer.echo("nothing to do")
        return 0
    if not yes:
        try:
            confirmed = typer.confirm(f"Set {matching} alerts to {change.status.value}?")
        except typer.Abort:
            confirmed = False
            typer.echo("no answer (no terminal?): pass --yes to run without asking", err=True)
        if not confirmed:
            typer.echo("not confirmed: nothing changed", err=True)
            return EXIT_NOT_CONFIRMED
    task_id = command.start()
    try:  # from here on, Ctrl-C (even inside the next print) reaches the handler below
        console.print(f"task {task_id} started ({change.actor})")
        report = command.follow(task_id)
    except KeyboardInterrupt:
        report = command.interrupted(task_id, ask=not yes)
        if report is None:
            typer.echo(
                f"task {task_id} keeps running: alertstatus tasks show {task_id} "
                f"--space {change.space_id}",
                err=True,
            )
        else:
            typer.echo(f"canceled: {final_counts(report)}")
        return EXIT_INTERRUPTED
    typer.echo(f"done: {final_counts(report)}")
    if report.failed or report.canceled:
        problem = report.error or (report.response or {}).get("failures") or "canceled"
        typer.echo(f"error: task {task_id}: {orjson.dumps(problem).decode()}", err=True)
        return EXIT_FAILED
    return 0


def change_status(selection: Selection, *, dry_run: bool, yes: bool) -> None:
    """What close/open/acknowledge share: bad options exit 2, cluster errors 1."""
    settings = get_settings()
    try:
        change, window = build_change(selection, settings.extra_close_reasons, cli_actor())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    try:
        with CliSession(settings) as session:
            code = run_status_change(session, change, window, dry_run=dry_run, yes=yes)
    except QueryRefused as error:  # the query file's query, refused by the guard before any change
        raise typer.BadParameter(str(error)) from error
    except ElasticsearchError as error:
        raise fail(error.reason()) from error
    raise typer.Exit(code)


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
    skip_unchanged: SkipUnchangedOption = True,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Close a time range: count, confirm, run as a task with a progress bar, print counts."""
    selection = Selection(
        space, status, since, until, reason, rule, query_file, conflicts, skip_unchanged
    )
    change_status(selection, dry_run=dry_run, yes=yes)


def fixed_status_command(status: WorkflowStatus, summary: str) -> Callable[..., None]:
    """`open` and `acknowledge`: `close` with the status fixed and no reason."""

    def command(
        space: SpaceOption = "default",
        since: SinceOption = None,
        until: UntilOption = None,
        query_file: QueryFileOption = None,
        rule: RuleOption = None,
        conflicts: ConflictsOption = Conflicts.PROCEED,
        skip_unchanged: SkipUnchangedOption = True,
        dry_run: DryRunOption = False,
        yes: YesOption = False,
    ) -> None:
        selection = Selection(
            space, status, since, until, None, rule, query_file, conflicts, skip_unchanged
        )
        change_status(selection, dry_run=dry_run, yes=yes)

    command.__doc__ = summary
    return command


reopen = fixed_status_command(
    WorkflowStatus.OPEN, "Reopen a time range's alerts (close --status open)."
)
acknowledge = fixed_status_command(
    WorkflowStatus.ACKNOWLEDGED, "Acknowledge a time range's alerts (close --status acknowledged)."
)
