"""Elastic Security's alert routes (`/api/detection_engine/signals/...`): status, tags, assignees,
search. Each parses its body (api/schemas/signals.py), calls one engine function and answers with
Elasticsearch's own response, unchanged."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Query, Response

from alertstatus.api.deps import (
    AlertFieldsServiceDep,
    Analyst,
    AnalystChange,
    SettingsDep,
    SpaceId,
    StatusServiceDep,
    Viewer,
)
from alertstatus.api.errors import KIBANA, dialect_route
from alertstatus.api.responses import json_response, raw_json_response
from alertstatus.api.schemas.signals import (
    KeywordEditBody,
    QuerySignalsBody,
    SetAlertAssigneesBody,
    SetAlertsStatusBody,
    SetAlertTagsBody,
)
from alertstatus.api.spaces import SpacedRouter

STATUS_PATH = "/api/detection_engine/signals/status"
router = SpacedRouter(route_class=dialect_route(KIBANA), tags=["Elastic Security"])

UPDATE_BY_QUERY_RESPONSE = {
    200: {"description": "Elasticsearch's `_update_by_query` response, unchanged."}
}

# Our extension (docs/scale.md): false starts an Elasticsearch task and answers `{"task": id}`.
WaitForCompletion = Annotated[
    bool,
    Query(description='false: run as a task, answer `{"task": id}` (alertstatus extension)'),
]
# Our extension (docs/dialects.md, "Counting"): the faster noop-skip, as an explicit choice.
SkipUnchanged = Annotated[
    bool | None,
    Query(
        description=(
            "true: alerts already in the target status are left untouched and counted `noops` "
            "(faster); false: Kibana's counting, every match rewritten and counted `updated`. "
            "Default: ALERTSTATUS_SKIP_UNCHANGED (false). alertstatus extension."
        )
    ),
]
# Our extension: a note kept in the change record (GET /api/alertstatus/changes), as the other
# dialects' comments are; Kibana's body has no such member.
Note = Annotated[
    str | None,
    Query(max_length=1000, description="Kept with the change record (alertstatus extension)"),
]


@router.post(STATUS_PATH, responses=UPDATE_BY_QUERY_RESPONSE, summary="Set the status of alerts")
async def set_alerts_status(
    body: SetAlertsStatusBody,
    who: AnalystChange,
    service: StatusServiceDep,
    settings: SettingsDep,
    wait_for_completion: WaitForCompletion = True,
    skip_unchanged: SkipUnchanged = None,
    note: Note = None,
) -> Response:
    change = body.to_change(
        who.space_id,
        actor=who.principal.actor,
        extra_reasons=settings.extra_close_reasons,
        skip_unchanged=skip_unchanged,
    )
    change = replace(
        change, request_id=who.request_id, caller=who.principal.name, note=note or None
    )
    if not wait_for_completion:
        return json_response({"task": await service.start(change)})
    result = await service.apply(change)
    return raw_json_response(result.raw, result.status)


def register_keyword_edit(path: str, body_model: type[KeywordEditBody], name: str) -> None:
    """Tags and assignees: the same route on two bodies (each validates its own arrays)."""

    async def edit(
        body: KeywordEditBody, principal: Analyst, space_id: SpaceId, service: AlertFieldsServiceDep
    ) -> Response:
        result = await service.edit(body.to_edit(space_id))
        return raw_json_response(result.raw, result.status)

    edit.__annotations__["body"] = body_model  # what FastAPI validates and documents
    summary = f"Add and remove alert {name.removeprefix('set_alert_')}"
    router.post(path, name=name, responses=UPDATE_BY_QUERY_RESPONSE, summary=summary)(edit)


register_keyword_edit("/api/detection_engine/signals/tags", SetAlertTagsBody, "set_alert_tags")
register_keyword_edit(
    "/api/detection_engine/signals/assignees", SetAlertAssigneesBody, "set_alert_assignees"
)


@router.post(
    "/api/detection_engine/signals/search",
    responses={200: {"description": "Elasticsearch's search response, unchanged."}},
    summary="Search alerts",
)
async def search_alerts(
    body: QuerySignalsBody, principal: Viewer, space_id: SpaceId, service: AlertFieldsServiceDep
) -> Response:
    result = await service.search(space_id, body.search_body())
    return raw_json_response(result.raw, result.status)
