"""UTMStack's alert status API on the one engine (space: settings.utmstack_space_id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.common import error_route, request_id, workflow_service
from alertstatus.dialects.utmstack.errors import render
from alertstatus.dialects.utmstack.models import UpdateAlertStatusRequest, UtmAlertView
from alertstatus.engine.history import Provenance
from alertstatus.engine.vocabulary import (
    FALSE_POSITIVE_TAG,
    Dialect,
    UtmStatus,
    states_saying,
    utmstack_target,
    word,
)
from alertstatus.engine.workflow import DialectChange, WorkflowService

router = APIRouter(route_class=error_route(render), tags=["UTMStack"])


def utmstack_space(request: Request) -> str:
    return request.app.state.settings.utmstack_space_id


@router.post(
    "/api/utm-alerts/status",
    status_code=200,
    summary="Update alert status (all-or-nothing: any unknown id changes nothing)",
    responses={200: {"description": "Empty body"}, 400: {}, 401: {}, 404: {}, 500: {}},
)
async def update_alert_status(
    body: UpdateAlertStatusRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(utmstack_space)],
) -> Response:
    change = DialectChange(
        space_id=space_id,
        keys=tuple(body.alertIds),
        target=utmstack_target(body.status, false_positive=body.addFalsePositiveTag),
        already_there=states_saying(Dialect.UTMSTACK, body.status),
        provenance=Provenance(
            Dialect.UTMSTACK,
            principal.actor,
            body.statusObservation,
            request_id(request),
            principal.name,
        ),
        tags_to_add=(FALSE_POSITIVE_TAG,) if body.addFalsePositiveTag else (),
    )
    await service.change(change, all_or_nothing=True)
    return Response(status_code=200)


@router.get("/api/utm-alerts/{alert_id}", response_model=UtmAlertView, summary="Read one alert")
async def get_alert(
    alert_id: str,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(utmstack_space)],
) -> UtmAlertView:
    alert = await service.get(space_id, alert_id)
    status = UtmStatus(word(Dialect.UTMSTACK, alert.state))
    notes = [entry.get("note") for entry in await service.history_entries(alert)]
    return UtmAlertView(
        id=alert_id,
        status=status.value,
        statusLabel=status.name,
        statusObservation=notes[-1] if notes else None,
        tags=list(alert.source.get("kibana.alert.workflow_tags") or []),
    )
