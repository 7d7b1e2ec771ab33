"""`/api/alertstatus/tasks/{task_id}`: progress and cancel of asynchronous status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from alertstatus.api.deps import Analyst, SpaceId, TaskServiceDep, Viewer
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.spaces import SpacedRouter
from alertstatus.tasks.models import TaskProgress, validate_task_id

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["Tasks"])

TaskId = Annotated[str, Depends(validate_task_id)]  # checked before it reaches a URL


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
