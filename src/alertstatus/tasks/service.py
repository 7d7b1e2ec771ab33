"""Progress and cancel of status-change tasks, read from Elasticsearch (so any replica can).

Elasticsearch keeps running tasks in `_tasks` and writes finished ones (started with
`wait_for_completion=false`) into its `.tasks` index; `GET _tasks/<id>` reads both. The first
time a task is seen done, its counts go onto its change record (engine/history.py), so the
changes listing says how many alerts it changed.
"""

from __future__ import annotations

from typing import Any

from alertstatus.engine.history import StatusHistory
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import validate_space_id
from alertstatus.engine.outcome import UpdateCounts
from alertstatus.errors import InvalidSpaceId, TaskNotFound
from alertstatus.es.gateway import ElasticsearchError, Gateway
from alertstatus.tasks.models import TaskProgress, validate_task_id

UPDATE_BY_QUERY_ACTION = "indices:data/write/update/byquery"
CANCELED_ERROR = "task_cancelled_exception"
_ALIAS_TASK = "update-by-query [" + alerts_alias("x")[:-1]  # the description up to the space id


def _belongs_to(task: dict[str, Any], space_id: str) -> bool:
    """Only our status changes on this space's alias: other tasks stay invisible."""
    description = str(task.get("description") or "")
    return task.get("action") == UPDATE_BY_QUERY_ACTION and description.startswith(
        f"update-by-query [{alerts_alias(space_id)}]"
    )


def space_of(task: dict[str, Any]) -> str | None:
    """The space whose alerts alias a status-change task updates; None for any other task."""
    description = str(task.get("description") or "")
    if task.get("action") != UPDATE_BY_QUERY_ACTION or not description.startswith(_ALIAS_TASK):
        return None
    try:
        return validate_space_id(description[len(_ALIAS_TASK) :].split("]", 1)[0])
    except InvalidSpaceId:
        return None


def progress_of(task_id: str, body: dict[str, Any]) -> TaskProgress:
    """The report for one `GET _tasks/<id>` answer."""
    task = body.get("task") or {}
    done = bool(body.get("completed"))
    response = body.get("response") if done else None
    counts = response if isinstance(response, dict) else task.get("status") or {}
    error = body.get("error")
    return TaskProgress(
        task=task_id,
        done=done,
        failed=bool(error) or bool((response or {}).get("failures")),
        canceled=bool((response or {}).get("canceled"))
        or bool(counts.get("canceled"))
        or CANCELED_ERROR in str(error),  # canceled during the first search: an error
        total=counts.get("total", 0),
        updated=counts.get("updated", 0),
        noops=counts.get("noops", 0),
        version_conflicts=counts.get("version_conflicts", 0),
        batches=counts.get("batches", 0),
        elapsed_seconds=round(task.get("running_time_in_nanos", 0) / 1e9, 3),
        response=response,
        error=error,
    )


class TaskService:
    def __init__(self, gateway: Gateway, history: StatusHistory | None = None) -> None:
        self.gateway = gateway
        self.history = history

    async def _task(self, space_id: str, task_id: str) -> dict[str, Any]:
        try:
            body = (await self.gateway.get_task(validate_task_id(task_id))).json()
        except ElasticsearchError as error:
            if error.status == 404:
                raise TaskNotFound(f"no status change task {task_id}") from error
            raise
        if not _belongs_to(body.get("task") or {}, space_id):
            raise TaskNotFound(f"no status change task {task_id}")
        return body

    async def progress(self, space_id: str, task_id: str) -> TaskProgress:
        return await self._reported(
            space_id, progress_of(task_id, await self._task(space_id, task_id))
        )

    async def cancel(self, space_id: str, task_id: str) -> TaskProgress:
        """Ask Elasticsearch to cancel; a finished task is reported as it is."""
        body = await self._task(space_id, task_id)
        if not body.get("completed"):
            await self.gateway.cancel_task(task_id)
            body = await self._task(space_id, task_id)
        return await self._reported(space_id, progress_of(task_id, body))

    async def _reported(self, space_id: str, progress: TaskProgress) -> TaskProgress:
        """A finished task's counts onto its change record (best effort), then the report."""
        if progress.done and self.history is not None:
            failures = (progress.response or {}).get("failures")
            counts = UpdateCounts(
                total=progress.total,
                updated=progress.updated,
                noops=progress.noops,
                version_conflicts=progress.version_conflicts,
                failures=len(failures) if isinstance(failures, list) else int(progress.failed),
            )
            await self.history.task_done(space_id, progress.task, counts)
        return progress

    async def running(self, space_id: str | None = None) -> list[tuple[str, TaskProgress]]:
        """Running status changes (of one space, or of every space) as `(space, progress)`.

        Slices of a sliced change are left out: their parent reports the whole.
        """
        found = await self.gateway.list_tasks(UPDATE_BY_QUERY_ACTION)
        running: list[tuple[str, TaskProgress]] = []
        for node in (found.get("nodes") or {}).values():
            for task_id, task in (node.get("tasks") or {}).items():
                task_space = space_of(task)
                if task_space is None or task.get("parent_task_id"):
                    continue
                if space_id is None or task_space == space_id:
                    running.append((task_space, progress_of(task_id, {"task": task})))
        return sorted(running, key=lambda item: item[1].task)
