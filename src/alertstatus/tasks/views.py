"""`/api/alertstatus/tasks/{task_id}`: progress and cancel of asynchronous status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.kibana.errors import KibanaRoute
from alertstatus.dialects.kibana.views import space
from alertstatus.engine.model import DEFAULT_SPACE
from alertstatus.tasks.models import TaskProgress, validate_task_id
from alertstatus.tasks.service import TaskService

TASK_PATH = "/api/alertstatus/tasks/{task_id}"

router = APIRouter(route_class=KibanaRoute, tags=["Tasks"])


def task_service(request: Request) -> TaskService:
    return request.app.state.task_service


def task(task_id: str) -> str:
    """The `{task_id}` path segment, checked before it reaches an Elasticsearch URL."""
    return validate_task_id(task_id)


@router.get(TASK_PATH, summary="Progress of an asynchronous status change")
async def task_progress(
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.progress(DEFAULT_SPACE, task_id)


@router.get("/s/{space_id}" + TASK_PATH, summary="Progress of a status change in a space")
async def task_progress_in_space(
    space_id: Annotated[str, Depends(space)],
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.progress(space_id, task_id)


@router.post(TASK_PATH + "/_cancel", summary="Cancel an asynchronous status change")
async def cancel_task(
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.cancel(DEFAULT_SPACE, task_id)


@router.post("/s/{space_id}" + TASK_PATH + "/_cancel", summary="Cancel a status change in a space")
async def cancel_task_in_space(
    space_id: Annotated[str, Depends(space)],
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.cancel(space_id, task_id)
