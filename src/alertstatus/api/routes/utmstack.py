"""UTMStack's alert status API on the one engine, in the space `ALERTSTATUS_UTMSTACK_SPACE_ID`."""

from __future__ import annotations

from fastapi import Response

from alertstatus.api.deps import (
    AnalystChange,
    SpaceId,
    Viewer,
    WorkflowServiceDep,
)
from alertstatus.api.errors import UTMSTACK
from alertstatus.api.schemas.utmstack import UpdateAlertStatusRequest, UtmAlertView
from alertstatus.api.spaces import configured_space_router
from alertstatus.engine.history import Provenance
from alertstatus.engine.vocabulary import (
    FALSE_POSITIVE_TAG,
    Dialect,
    UtmStatus,
    states_saying,
    utmstack_target,
    word,
)
from alertstatus.engine.workflow import DialectChange

router = configured_space_router(UTMSTACK, "UTMStack", lambda settings: settings.utmstack_space_id)


@router.post(
    "/api/utm-alerts/status",
    status_code=200,
    summary="Update alert status (all-or-nothing: any unknown id changes nothing)",
    responses={200: {"description": "Empty body"}},
)
async def update_alert_status(
    body: UpdateAlertStatusRequest, who: AnalystChange, service: WorkflowServiceDep
) -> Response:
    principal = who.principal
    change = DialectChange(
        space_id=who.space_id,
        keys=tuple(body.alertIds),
        target=utmstack_target(body.status, false_positive=body.addFalsePositiveTag),
        already_there=states_saying(Dialect.UTMSTACK, body.status),
        provenance=Provenance(
            Dialect.UTMSTACK,
            principal.actor,
            body.statusObservation,
            who.request_id,
            principal.name,
        ),
        tags_to_add=(FALSE_POSITIVE_TAG,) if body.addFalsePositiveTag else (),
    )
    await service.change(change, all_or_nothing=True)
    return Response(status_code=200)


@router.get("/api/utm-alerts/{alert_id}", response_model=UtmAlertView, summary="Read one alert")
async def get_alert(
    alert_id: str, principal: Viewer, space_id: SpaceId, service: WorkflowServiceDep
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
