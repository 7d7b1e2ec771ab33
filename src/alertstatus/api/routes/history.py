"""alertstatus's own route: the status history of one alert, whichever dialect changed it."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from alertstatus.api.deps import SpaceId, Viewer, WorkflowServiceDep
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["Status history"])


@router.get(
    "/api/alertstatus/alerts/{alert_id}/history",
    summary="Status changes of one alert, oldest first",
)
async def alert_history(
    alert_id: str, principal: Viewer, space_id: SpaceId, service: WorkflowServiceDep
) -> Response:
    alert, entries = await service.history(space_id, alert_id)
    body: dict[str, Any] = {
        "alert_id": alert.id,
        "space_id": space_id,
        "workflow_status": alert.source.get("kibana.alert.workflow_status"),
        "history": entries,
    }
    return json_response(body)
