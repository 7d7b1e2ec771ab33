"""Elastic Security's alert status routes: parse, call the engine, return Elasticsearch's answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.common import alert_fields_service, request_id
from alertstatus.dialects.kibana.errors import KibanaRoute
from alertstatus.dialects.kibana.models import (
    QuerySignalsBody,
    SetAlertAssigneesBody,
    SetAlertsStatusBody,
    SetAlertTagsBody,
)
from alertstatus.engine.model import DEFAULT_SPACE, validate_space_id
from alertstatus.engine.service import StatusService
from alertstatus.engine.tags import AlertFieldsService, KeywordEdit
from alertstatus.http import json_response, raw_json_response
from alertstatus.settings import Settings

STATUS_PATH = "/api/detection_engine/signals/status"

router = APIRouter(route_class=KibanaRoute, tags=["Elastic Security"])

UPDATE_BY_QUERY_RESPONSE = {
    200: {"description": "Elasticsearch's `_update_by_query` response, unchanged."},
    400: {
        "description": "Invalid input: `{statusCode, error, message}` or `{message, status_code}`."
    },
    500: {"description": "`{message, status_code}`; Elasticsearch errors keep their status."},
}


def status_service(request: Request) -> StatusService:
    return request.app.state.status_service


def settings(request: Request) -> Settings:
    return request.app.state.settings


# Our extension (docs/scale.md): false starts an Elasticsearch task and answers `{"task": id}`.
WaitForCompletion = Annotated[
    bool,
    Query(description='false: run as a task, answer `{"task": id}` (alertstatus extension)'),
]


def space(space_id: str) -> str:
    """The `{space_id}` path segment, checked before anything reaches Elasticsearch."""
    return validate_space_id(space_id)


async def _set_status(
    request: Request,
    space_id: str,
    body: SetAlertsStatusBody,
    principal: Principal,
    service: StatusService,
    config: Settings,
    wait_for_completion: bool = True,
) -> Response:
    change = body.to_change(
        space_id, actor=principal.actor, extra_reasons=config.extra_close_reasons
    )
    change = replace(change, request_id=request_id(request), caller=principal.name)
    if not wait_for_completion:
        return json_response({"task": await service.start(change)})
    result = await service.apply(change)
    return raw_json_response(result.raw, result.status)


@router.post(STATUS_PATH, responses=UPDATE_BY_QUERY_RESPONSE, summary="Set the status of alerts")
async def set_alerts_status(
    request: Request,
    body: SetAlertsStatusBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[StatusService, Depends(status_service)],
    config: Annotated[Settings, Depends(settings)],
    wait_for_completion: WaitForCompletion = True,
) -> Response:
    return await _set_status(
        request, DEFAULT_SPACE, body, principal, service, config, wait_for_completion
    )


@router.post(
    "/s/{space_id}" + STATUS_PATH,
    responses=UPDATE_BY_QUERY_RESPONSE,
    summary="Set the status of alerts in a space",
)
async def set_alerts_status_in_space(
    request: Request,
    space_id: Annotated[str, Depends(space)],
    body: SetAlertsStatusBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[StatusService, Depends(status_service)],
    config: Annotated[Settings, Depends(settings)],
    wait_for_completion: WaitForCompletion = True,
) -> Response:
    return await _set_status(
        request, space_id, body, principal, service, config, wait_for_completion
    )


# --- tags, assignees, search: Kibana's sibling APIs, raw Elasticsearch answers -------------------

TAGS_PATH = "/api/detection_engine/signals/tags"
ASSIGNEES_PATH = "/api/detection_engine/signals/assignees"
SEARCH_PATH = "/api/detection_engine/signals/search"


async def _edit(edit: KeywordEdit, service: AlertFieldsService) -> Response:
    result = await service.edit(edit)
    return raw_json_response(result.raw, result.status)


@router.post(TAGS_PATH, responses=UPDATE_BY_QUERY_RESPONSE, summary="Add and remove alert tags")
async def set_alert_tags(
    body: SetAlertTagsBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _edit(body.to_edit(DEFAULT_SPACE), service)


@router.post("/s/{space_id}" + TAGS_PATH, responses=UPDATE_BY_QUERY_RESPONSE,
             summary="Add and remove alert tags in a space")  # fmt: skip
async def set_alert_tags_in_space(
    space_id: Annotated[str, Depends(space)],
    body: SetAlertTagsBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _edit(body.to_edit(space_id), service)


@router.post(ASSIGNEES_PATH, responses=UPDATE_BY_QUERY_RESPONSE, summary="Assign alerts")
async def set_alert_assignees(
    body: SetAlertAssigneesBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _edit(body.to_edit(DEFAULT_SPACE), service)


@router.post("/s/{space_id}" + ASSIGNEES_PATH, responses=UPDATE_BY_QUERY_RESPONSE,
             summary="Assign alerts in a space")  # fmt: skip
async def set_alert_assignees_in_space(
    space_id: Annotated[str, Depends(space)],
    body: SetAlertAssigneesBody,
    principal: Annotated[Principal, Depends(require(Role.ANALYST))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _edit(body.to_edit(space_id), service)


async def _search(space_id: str, body: QuerySignalsBody, service: AlertFieldsService) -> Response:
    result = await service.search(space_id, body.search_body())
    return raw_json_response(result.raw, result.status)


@router.post(SEARCH_PATH, summary="Search alerts (raw Elasticsearch response)")
async def search_alerts(
    body: QuerySignalsBody,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _search(DEFAULT_SPACE, body, service)


@router.post("/s/{space_id}" + SEARCH_PATH, summary="Search alerts in a space")
async def search_alerts_in_space(
    space_id: Annotated[str, Depends(space)],
    body: QuerySignalsBody,
    principal: Annotated[Principal, Depends(require(Role.VIEWER))],
    service: Annotated[AlertFieldsService, Depends(alert_fields_service)],
) -> Response:
    return await _search(space_id, body, service)
