"""alertstatus's own routes: the status history of one alert, whichever dialect changed it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.common import workflow_service
from alertstatus.dialects.kibana.errors import KibanaRoute
from alertstatus.dialects.kibana.views import space
from alertstatus.engine.model import DEFAULT_SPACE
from alertstatus.engine.workflow import WorkflowService
from alertstatus.http import json_response

HISTORY_PATH = "/api/alertstatus/alerts/{alert_id}/history"

router = APIRouter(route_class=KibanaRoute, tags=["Status history"])


async def _history(service: WorkflowService, space_id: str, alert_id: str) -> Response:
    alert, entries = await service.history(space_id, alert_id)
    body: dict[str, Any] = {
        "alert_id": alert.id,
        "space_id": space_id,
        "workflow_status": alert.source.get("kibana.alert.workflow_status"),
        "history": entries,
    }
    return json_response(body)


@router.get(HISTORY_PATH, summary="Status changes of one alert, oldest first")
async def alert_history(
    alert_id: str,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
) -> Response:
    return await _history(service, DEFAULT_SPACE, alert_id)


@router.get("/s/{space_id}" + HISTORY_PATH, summary="Status changes of one alert in a space")
async def alert_history_in_space(
    space_id: Annotated[str, Depends(space)],
    alert_id: str,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
) -> Response:
    return await _history(service, space_id, alert_id)
