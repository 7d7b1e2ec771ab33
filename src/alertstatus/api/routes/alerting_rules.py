"""Kibana's 2023-10-31 rule routes (`/api/alerting/rule/{id}`), each also under `/s/{space_id}`
(docs/rules.md)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, HTTPException, Request, Response

from alertstatus.api.deps import RulesToRead, RulesToWrite
from alertstatus.api.errors import KIBANA_PLATFORM, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
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


router = SpacedRouter(
    route_class=dialect_route(KIBANA_PLATFORM),
    tags=["Kibana alerting rules"],
    dependencies=[Depends(api_version)],
)

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid schema or parameters."},
    403: {"description": "Forbidden."},
    404: {"description": "No rule with this id."},
    409: {"description": "The rule was changed by someone else meanwhile."},
}


def rule_response(rule: dict[str, Any]) -> Response:
    response = json_response(to_v2(rule))
    response.headers[VERSION_HEADER] = API_VERSION
    return response


@router.post(BASE, responses=RESPONSES, summary="Create a rule")
@router.post(
    BASE + "/{id}", name="create_rule_with_id", responses=RESPONSES, summary="Create with a UUID id"
)
async def create_rule(request: Request, body: RuleCreateBody, rules: RulesToWrite) -> Response:
    rule_id = request.path_params.get("id")
    attributes = rule_create_attributes(body)
    return rule_response(
        await rules.service.create(rules.space_id, rule_id, attributes, rules.actor)
    )


@router.get(BASE + "/{id}", responses=RESPONSES, summary="Get a rule")
async def get_rule(id: str, rules: RulesToRead) -> Response:
    return rule_response(await rules.service.get(rules.space_id, id))


@router.put(BASE + "/{id}", responses=RESPONSES, summary="Update a rule")
async def update_rule(id: str, body: RuleUpdateBody, rules: RulesToWrite) -> Response:
    attributes = rule_update_attributes(body)
    return rule_response(await rules.service.update(rules.space_id, id, attributes, rules.actor))


@router.delete(BASE + "/{id}", responses=RESPONSES, summary="Delete a rule", status_code=204)
async def delete_rule(id: str, rules: RulesToWrite) -> Response:
    await rules.service.delete(rules.space_id, id)
    return Response(status_code=204)
