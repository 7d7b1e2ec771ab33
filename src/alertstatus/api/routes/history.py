"""alertstatus's own routes: the status history of one alert, whichever dialect changed it, and
a space's recent changes (the change records, newest first)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from alertstatus.api.deps import SpaceId, StatusHistoryDep, Viewer, WorkflowServiceDep
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.schemas.console import ChangesPage
from alertstatus.api.spaces import SpacedRouter
from alertstatus.engine.history import MAX_CHANGES_PAGE

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


@router.get(
    "/api/alertstatus/changes",
    summary="The space's recent status changes, newest first",
    description="One entry per change record (who, when, through which API, what, how many); "
    'docs/dialects.md, "Console routes". Empty when status history is off.',
)
async def recent_changes(
    principal: Viewer,
    space_id: SpaceId,
    history: StatusHistoryDep,
    size: Annotated[int, Query(ge=1, le=MAX_CHANGES_PAGE, description="Changes per page.")] = 20,
    search_after: Annotated[
        str | None, Query(max_length=200, description="The `next` of the previous page.")
    ] = None,
) -> ChangesPage:
    changes, following = await history.changes(space_id, size, search_after)
    return ChangesPage.model_validate({"changes": changes, "next": following})
