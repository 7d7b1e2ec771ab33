"""`alertstatus tasks list|show|cancel`: the task routes' service, from a terminal."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from alertstatus.commands.session import CliSession
from alertstatus.tasks.models import TaskProgress
from alertstatus.tasks.service import TaskService


def print_report(report: TaskProgress) -> None:
    """The same JSON document the task route answers, so scripts parse one shape."""
    typer.echo(report.model_dump_json(indent=2))


def list_running(session: CliSession, space_id: str | None) -> None:
    running = session.run(TaskService(session.gateway).running(space_id))
    if not running:
        typer.echo("no running status changes")
        return
    table = Table("task", "space", "done/total", "updated", "noops", "conflicts", "seconds")
    for space, report in running:
        done = report.updated + report.noops + report.version_conflicts
        table.add_row(
            report.task, space, f"{done}/{report.total}", str(report.updated),
            str(report.noops), str(report.version_conflicts), f"{report.elapsed_seconds:g}",
        )  # fmt: skip
    Console(width=120).print(table)


def show(session: CliSession, space_id: str, task_id: str) -> None:
    print_report(session.run(TaskService(session.gateway).progress(space_id, task_id)))


def cancel(session: CliSession, space_id: str, task_id: str) -> None:
    print_report(session.run(TaskService(session.gateway).cancel(space_id, task_id)))
