"""`/api/alertstatus/tasks/{task_id}`: progress and cancel of asynchronous status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from alertstatus.api.deps import Analyst, SpaceId, TaskServiceDep, Viewer
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.spaces import SpacedRouter
from alertstatus.tasks.models import TaskProgress, validate_task_id

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["Tasks"])


async def task_id_of(task_id: str) -> str:
    """The path's task id, checked before it reaches a URL."""
    return validate_task_id(task_id)


TaskId = Annotated[str, Depends(task_id_of)]


@router.get("/api/alertstatus/tasks/{task_id}", summary="Progress of an asynchronous status change")
async def task_progress(
    task_id: TaskId, principal: Viewer, space_id: SpaceId, service: TaskServiceDep
) -> TaskProgress:
    return await service.progress(space_id, task_id)


@router.post(
    "/api/alertstatus/tasks/{task_id}/_cancel", summary="Cancel an asynchronous status change"
)
async def cancel_task(
    task_id: TaskId, principal: Analyst, space_id: SpaceId, service: TaskServiceDep
) -> TaskProgress:
    return await service.cancel(space_id, task_id)
