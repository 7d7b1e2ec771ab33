"""`/api/alertstatus/tasks/{task_id}`: progress and cancel of asynchronous status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.kibana.errors import KibanaRoute
from alertstatus.engine.model import DEFAULT_SPACE, validate_space_id
from alertstatus.tasks.models import TaskProgress, validate_task_id
from alertstatus.tasks.service import TaskService

TASK_PATH = "/api/alertstatus/tasks/{task_id}"

router = APIRouter(route_class=KibanaRoute, tags=["Tasks"])


def task_service(request: Request) -> TaskService:
    return request.app.state.task_service


def path_space(request: Request) -> str:
    """`{space_id}` when the path has one (validated), else Kibana's default space."""
    return validate_space_id(request.path_params.get("space_id", DEFAULT_SPACE))


def task(task_id: str) -> str:
    """The `{task_id}` path segment, checked before it reaches an Elasticsearch URL."""
    return validate_task_id(task_id)


@router.get(TASK_PATH, summary="Progress of an asynchronous status change")
@router.get("/s/{space_id}" + TASK_PATH, summary="Progress of a status change in a space")
async def task_progress(
    space_id: Annotated[str, Depends(path_space)],
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.progress(space_id, task_id)


@router.post(TASK_PATH + "/_cancel", summary="Cancel an asynchronous status change")
@router.post("/s/{space_id}" + TASK_PATH + "/_cancel", summary="Cancel a change in a space")
async def cancel_task(
    space_id: Annotated[str, Depends(path_space)],
    task_id: Annotated[str, Depends(task)],
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[TaskService, Depends(task_service)],
) -> TaskProgress:
    return await service.cancel(space_id, task_id)
