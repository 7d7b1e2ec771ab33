"""`alertstatus tasks list|show|cancel`: the task routes' service, from a terminal.

`show` and `cancel` print the task route's own JSON document, so scripts parse one shape whether
they ask the HTTP API or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from alertstatus.cli.console import fail
from alertstatus.cli.session import CliSession
from alertstatus.errors import InvalidTaskId, TaskNotFound
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import get_settings
from alertstatus.tasks.models import TaskProgress

tasks_app = typer.Typer(help="Asynchronous status changes (Elasticsearch update-by-query tasks).")

TaskSpaceOption = Annotated[str, typer.Option(help="Space the task works on.")]
# Node ids are URL-safe base64 and may start with `-`: such a task id is an argument, not an option.
TASK_ID_ARGUMENT = {"ignore_unknown_options": True}


def print_report(report: TaskProgress) -> None:
    """The same JSON document the task route answers."""
    typer.echo(report.model_dump_json(indent=2))


def run_task_command(work: Callable[[CliSession], None]) -> None:
    """Run one task command: a malformed id exits 2; unknown or foreign tasks, cluster errors 1."""
    try:
        with CliSession(get_settings()) as session:
            work(session)
    except InvalidTaskId as error:
        raise typer.BadParameter(str(error)) from error
    except TaskNotFound as error:
        raise fail(str(error)) from error
    except ElasticsearchError as error:
        raise fail(error.reason()) from error


def print_running(session: CliSession, space_id: str | None) -> None:
    running = session.run(session.services.tasks.running(space_id))
    if not running:
        typer.echo("no running status changes")
        return
    table = Table("task", "space", "done/total", "updated", "noops", "conflicts", "seconds")
    for space, report in running:
        done = report.updated + report.noops + report.version_conflicts
        table.add_row(
            report.task,
            space,
            f"{done}/{report.total}",
            str(report.updated),
            str(report.noops),
            str(report.version_conflicts),
            f"{report.elapsed_seconds:g}",
        )
    Console(width=120).print(table)


@tasks_app.command("list")
def list_tasks(
    space: Annotated[str | None, typer.Option(help="Only this space (default: all).")] = None,
) -> None:
    """Running status changes on the alerts aliases, with their progress."""
    run_task_command(lambda session: print_running(session, space))


@tasks_app.command("show", context_settings=TASK_ID_ARGUMENT)
def show(task_id: str, space: TaskSpaceOption = "default") -> None:
    """Progress (or result) of one task, as the task route's JSON."""
    run_task_command(
        lambda session: print_report(session.run(session.services.tasks.progress(space, task_id)))
    )


@tasks_app.command("cancel", context_settings=TASK_ID_ARGUMENT)
def cancel(task_id: str, space: TaskSpaceOption = "default") -> None:
    """Cancel one task; a finished one is reported as it is."""
    run_task_command(
        lambda session: print_report(session.run(session.services.tasks.cancel(space, task_id)))
    )
