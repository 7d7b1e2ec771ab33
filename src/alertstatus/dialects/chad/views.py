"""CHAD's alert API on the one engine (space: settings.chad_space_id)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.chad.errors import ForbiddenTransition, UpdateFailed, render
from alertstatus.dialects.chad.models import (
    AlertOut,
    BulkResult,
    BulkStatus,
    CommentOut,
    FailedId,
    NewComment,
    StatusUpdated,
    UpdateStatus,
)
from alertstatus.dialects.common import error_route, request_id, workflow_service
from alertstatus.engine.history import Provenance
from alertstatus.engine.transitions import chad_allowed_states
from alertstatus.engine.vocabulary import ChadStatus, Dialect, chad_target, states_saying, word
from alertstatus.engine.workflow import AlertRef, DialectChange, Outcome, Result, WorkflowService
from alertstatus.errors import AlertNotFound

router = APIRouter(route_class=error_route(render), tags=["CHAD"])

ANSWERED = {400: {}, 401: {}, 403: {}, 404: {}, 409: {"description": "Forbidden transition"}}


def chad_space(request: Request) -> str:
    return request.app.state.settings.chad_space_id


def chad_status(alert: AlertRef) -> ChadStatus:
    return ChadStatus(word(Dialect.CHAD, alert.state))


async def acknowledgement(
    service: WorkflowService, alert: AlertRef
) -> tuple[str | None, str | None]:
    """When and by whom the alert was last acknowledged: from its history, else its fields."""
    for entry in reversed(await service.history_entries(alert)):
        if entry.get("to") == "acknowledged":
            return entry.get("at"), entry.get("actor")
    if alert.source.get("kibana.alert.workflow_status") == "acknowledged":
        return (
            alert.source.get("kibana.alert.workflow_status_updated_at"),
            alert.source.get("kibana.alert.workflow_user"),
        )
    return None, None


def _change(
    space_id: str, ids: list[str], status: ChadStatus, comment: str | None, principal: Principal,
    request: Request, *, read_back: bool = False,
) -> DialectChange:  # fmt: skip
    return DialectChange(
        space_id=space_id,
        keys=tuple(ids),
        target=chad_target(status),
        already_there=states_saying(Dialect.CHAD, status),
        allowed_from=chad_allowed_states(status),
        provenance=Provenance(
            Dialect.CHAD, principal.actor, comment, request_id(request), principal.name
        ),
        comment=comment,
        read_back=read_back,
    )


def _failure(outcome: Outcome, target: ChadStatus) -> str:
    if outcome.result is Result.FORBIDDEN and outcome.alert:
        return str(ForbiddenTransition(chad_status(outcome.alert), target))
    return outcome.error or outcome.result.value


@router.patch(
    "/api/alerts/{alert_id}", response_model=StatusUpdated, responses=ANSWERED,
    summary="Update alert status",
)  # fmt: skip
async def update_status(
    alert_id: str,
    body: UpdateStatus,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(chad_space)],
) -> StatusUpdated:
    change = _change(
        space_id, [alert_id], body.status, body.comment, principal, request, read_back=True
    )
    (outcome,) = await service.change(change)
    match outcome:
        case Outcome(result=Result.NOT_FOUND):
            raise AlertNotFound([alert_id])
        case Outcome(result=Result.FORBIDDEN, alert=AlertRef() as alert):
            raise ForbiddenTransition(chad_status(alert), body.status)
        case Outcome(result=Result.UPDATED | Result.UNCHANGED, alert=AlertRef() as alert):
            acknowledged_at, acknowledged_by = await acknowledgement(service, alert)
            return StatusUpdated(
                id=alert_id,
                status=chad_status(alert),
                acknowledged_at=acknowledged_at,
                acknowledged_by=acknowledged_by,
                comment_added=outcome.comment is not None,
            )
    raise UpdateFailed(outcome.error or "the alert was not updated")


@router.post(
    "/api/alerts/bulk/status", response_model=BulkResult, responses=ANSWERED,
    summary="Update the status of several alerts",
)  # fmt: skip
async def bulk_update_status(
    body: BulkStatus,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(chad_space)],
) -> BulkResult:
    outcomes = await service.change(
        _change(space_id, body.ids, body.status, body.comment, principal, request)
    )
    reached = (Result.UPDATED, Result.UNCHANGED)
    return BulkResult(
        updated=sum(outcome.result in reached for outcome in outcomes),
        failed=[
            FailedId(id=outcome.key, reason=_failure(outcome, body.status))
            for outcome in outcomes
            if outcome.result not in reached
        ],
    )


@router.get("/api/alerts/{alert_id}", response_model=AlertOut, responses=ANSWERED,
            summary="Read one alert")  # fmt: skip
async def get_alert(
    alert_id: str,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(chad_space)],
) -> AlertOut:
    alert = await service.get(space_id, alert_id)
    acknowledged_at, acknowledged_by = await acknowledgement(service, alert)
    source: dict[str, Any] = alert.source
    return AlertOut(
        id=alert_id,
        status=chad_status(alert),
        acknowledged_at=acknowledged_at,
        acknowledged_by=acknowledged_by,
        title=source.get("kibana.alert.rule.name"),
        severity=source.get("kibana.alert.severity"),
        tags=list(source.get("kibana.alert.workflow_tags") or []),
    )


@router.post(
    "/api/alerts/{alert_id}/comments", response_model=CommentOut, responses=ANSWERED,
    summary="Add a comment without changing status",
)  # fmt: skip
async def add_comment(
    alert_id: str,
    body: NewComment,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(chad_space)],
) -> CommentOut:
    comment = await service.add_comment(space_id, alert_id, principal.actor, body.text)
    return CommentOut(id=comment.id, alert_id=alert_id, user=comment.user, text=comment.text,
                      created_at=comment.created_at)  # fmt: skip


@router.get(
    "/api/alerts/{alert_id}/comments", response_model=list[CommentOut], responses=ANSWERED,
    summary="The comments of an alert, oldest first",
)  # fmt: skip
async def list_comments(
    alert_id: str,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[WorkflowService, Depends(workflow_service)],
    space_id: Annotated[str, Depends(chad_space)],
) -> list[CommentOut]:
    comments = await service.comments(space_id, alert_id)
    return [
        CommentOut(id=c.id, alert_id=alert_id, user=c.user, text=c.text, created_at=c.created_at)
        for c in comments
    ]
