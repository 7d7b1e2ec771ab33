"""CHAD's alert API on the one engine, in the space `ALERTSTATUS_CHAD_SPACE_ID`.

CHAD's own transition rules are checked in painless (engine/transitions.py), per alert.
"""

from __future__ import annotations

from typing import Any

from alertstatus.api.deps import (
    AnalystChange,
    Change,
    SpaceId,
    Viewer,
    WorkflowServiceDep,
)
from alertstatus.api.errors import CHAD
from alertstatus.api.schemas.chad import (
    AlertOut,
    BulkResult,
    BulkStatus,
    CommentOut,
    FailedId,
    NewComment,
    StatusUpdated,
    UpdateStatus,
)
from alertstatus.api.spaces import configured_space_router
from alertstatus.engine.comments import Comment
from alertstatus.engine.history import Provenance
from alertstatus.engine.transitions import chad_allowed_states
from alertstatus.engine.vocabulary import ChadStatus, Dialect, chad_target, states_saying, word
from alertstatus.engine.workflow import (
    REACHED,
    AlertRef,
    DialectChange,
    Outcome,
    Result,
    WorkflowService,
)
from alertstatus.errors import AlertNotFound, ForbiddenTransition, UpdateFailed

router = configured_space_router(CHAD, "CHAD", lambda settings: settings.chad_space_id)


def chad_status(alert: AlertRef) -> ChadStatus:
    return ChadStatus(word(Dialect.CHAD, alert.state))


def forbidden(alert: AlertRef, target: ChadStatus) -> ForbiddenTransition:
    return ForbiddenTransition(chad_status(alert).value, target.value)


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


def status_change(
    who: Change, ids: list[str], status: ChadStatus, comment: str | None, *, read_back: bool = False
) -> DialectChange:
    principal = who.principal
    return DialectChange(
        space_id=who.space_id,
        keys=tuple(ids),
        target=chad_target(status),
        already_there=states_saying(Dialect.CHAD, status),
        allowed_from=chad_allowed_states(status),
        provenance=Provenance(
            Dialect.CHAD, principal.actor, comment, who.request_id, principal.name
        ),
        comment=comment,
        read_back=read_back,
    )


def failure_reason(outcome: Outcome, target: ChadStatus) -> str:
    if outcome.result is Result.FORBIDDEN and outcome.alert:
        return forbidden(outcome.alert, target).message
    return outcome.error or outcome.result.value


def comment_out(comment: Comment, alert_id: str) -> CommentOut:
    return CommentOut(
        id=comment.id,
        alert_id=alert_id,
        user=comment.user,
        text=comment.text,
        created_at=comment.created_at,
    )


@router.patch("/api/alerts/{alert_id}", response_model=StatusUpdated, summary="Update alert status")
async def update_status(
    alert_id: str, body: UpdateStatus, who: AnalystChange, service: WorkflowServiceDep
) -> StatusUpdated:
    change = status_change(who, [alert_id], body.status, body.comment, read_back=True)
    (outcome,) = await service.change(change)
    match outcome:
        case Outcome(result=Result.NOT_FOUND):
            raise AlertNotFound([alert_id])
        case Outcome(result=Result.FORBIDDEN, alert=AlertRef() as alert):
            raise forbidden(alert, body.status)
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


@router.post("/api/alerts/bulk/status", response_model=BulkResult, summary="Update several alerts")
async def bulk_update_status(
    body: BulkStatus, who: AnalystChange, service: WorkflowServiceDep
) -> BulkResult:
    change = status_change(who, body.ids, body.status, body.comment)
    outcomes = await service.change(change)
    return BulkResult(
        updated=sum(outcome.result in REACHED for outcome in outcomes),
        failed=[
            FailedId(id=outcome.key, reason=failure_reason(outcome, body.status))
            for outcome in outcomes
            if outcome.result not in REACHED
        ],
    )


@router.get("/api/alerts/{alert_id}", response_model=AlertOut, summary="Read one alert")
async def get_alert(
    alert_id: str, principal: Viewer, space_id: SpaceId, service: WorkflowServiceDep
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


@router.post("/api/alerts/{alert_id}/comments", response_model=CommentOut, summary="Add a comment")
async def add_comment(
    alert_id: str, body: NewComment, who: AnalystChange, service: WorkflowServiceDep
) -> CommentOut:
    actor = who.principal.actor
    comment = await service.add_comment(who.space_id, alert_id, actor, body.text)
    return comment_out(comment, alert_id)


@router.get(
    "/api/alerts/{alert_id}/comments",
    response_model=list[CommentOut],
    summary="The comments of an alert, oldest first",
)
async def list_comments(
    alert_id: str, principal: Viewer, space_id: SpaceId, service: WorkflowServiceDep
) -> list[CommentOut]:
    comments = await service.comments(space_id, alert_id)
    return [comment_out(comment, alert_id) for comment in comments]
