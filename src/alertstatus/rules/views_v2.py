"""Kibana's 2023-10-31 rule routes (`/api/alerting/rule/{id}`), each also under `/s/{space_id}`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from alertstatus.dialects.kibana.errors import KibanaPlatformRoute
from alertstatus.http import json_response
from alertstatus.rules.dependencies import Reader, Service, Space, Writer, route_with_spaces
from alertstatus.rules.models import RuleCreateBody, RuleUpdateBody
from alertstatus.rules.translate import rule_create_attributes, rule_update_attributes, to_v2

BASE = "/api/alerting/rule"
API_VERSION = "2023-10-31"
VERSION_HEADER = "elastic-api-version"


async def api_version(request: Request) -> None:
    """Only the 2023-10-31 version exists; no header means that one, as in Kibana."""
    asked = request.headers.get(VERSION_HEADER)
    if asked is not None and asked != API_VERSION:
        raise HTTPException(
            status_code=400,
            detail=f'Invalid version. Received "{asked}", expected one of ["{API_VERSION}"]',
        )


router = APIRouter(
    route_class=KibanaPlatformRoute,
    tags=["Kibana alerting rules"],
    dependencies=[Depends(api_version)],
)

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid schema or parameters."},
    403: {"description": "Forbidden."},
    404: {"description": "No rule with this id."},
    409: {"description": "The rule was changed by someone else meanwhile."},
}


def route(method: str, path: str, **options: Any) -> Callable[[Callable], Callable]:
    return route_with_spaces(router, method, BASE + path, responses=RESPONSES, **options)


def rule_response(rule: dict[str, Any]) -> Response:
    response = json_response(to_v2(rule))
    response.headers[VERSION_HEADER] = API_VERSION
    return response


@route("POST", "", summary="Create a rule")
@route("POST", "/{id}", summary="Create a rule with a given UUID v1/v4 id")
async def create_rule(
    principal: Writer, space_id: Space, request: Request, body: RuleCreateBody, service: Service
) -> Response:
    rule_id = request.path_params.get("id")
    rule = await service.create(space_id, rule_id, rule_create_attributes(body), principal.actor)
    return rule_response(rule)


@route("GET", "/{id}", summary="Get a rule")
async def get_rule(_: Reader, space_id: Space, id: str, service: Service) -> Response:
    return rule_response(await service.get(space_id, id))


@route("PUT", "/{id}", summary="Update a rule")
async def update_rule(
    principal: Writer, space_id: Space, id: str, body: RuleUpdateBody, service: Service
) -> Response:
    rule = await service.update(space_id, id, rule_update_attributes(body), principal.actor)
    return rule_response(rule)


@route("DELETE", "/{id}", summary="Delete a rule", status_code=204)
async def delete_rule(_: Writer, space_id: Space, id: str, service: Service) -> Response:
    await service.delete(space_id, id)
    return Response(status_code=204)
