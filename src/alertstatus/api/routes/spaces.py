"""Kibana's Spaces API: `GET /api/spaces/space`, `GET/POST/PUT/DELETE /api/spaces/space/{id}`.

Served under `/s/{space_id}` too, as Kibana serves it: the prefix changes nothing, the space a
route acts on is the one it names. Authorization follows Kibana's spaces client, where a key's
spaces play the part of Kibana's per-space privileges: a viewer lists only the spaces it may
enter and reading another is 403 `Unauthorized to get <id> space`; an admin creates, updates and
deletes spaces among its own (every space for a key without a list), else 403
`Unauthorized to <create|update|delete> spaces`. Deleting a space never deletes its alerts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from alertstatus.api.config_schema import KIBANA_CONFIG_SCHEMA
from alertstatus.api.deps import Caller, SpaceAdmin, SpaceServiceDep, space_management_refusal
from alertstatus.api.errors import dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.schemas.spaces import GetAllPurpose, SpaceBody
from alertstatus.api.spaces import SpacedRouter
from alertstatus.auth.models import Principal, Role
from alertstatus.errors import Forbidden, SpaceRefused
from alertstatus.spaces.models import Space

router = SpacedRouter(route_class=dialect_route(KIBANA_CONFIG_SCHEMA), tags=["Spaces"])

BASE = "/api/spaces/space"
# `{id}` as Kibana names it (`{space_id}` is the prefix's, api/spaces.py)
TargetSpace = Annotated[str, Path(alias="id", description="The space identifier.")]
NOT_FOUND = {404: {"description": "No such space: `{statusCode: 404, ..., message: Not Found}`."}}
SPACE_ANSWER = {200: {"description": "The space, in Kibana's shape."}}


def may_manage(principal: Principal, space_id: str, request: Request) -> None:
    """Kibana manages spaces with global privileges; here an admin manages the spaces it holds."""
    if not principal.may_enter(space_id):
        raise Forbidden(space_management_refusal(request))


def refuse_project_routing(body: SpaceBody, action: str) -> None:
    if body.projectRouting is not None:
        raise SpaceRefused(
            f"Unable to {action} Space, projectRouting property is only allowed when CPS is enabled"
        )


def answer(space: Space) -> Response:
    return json_response(space.to_kibana())


@router.get(BASE, summary="Get all spaces")
async def get_all_spaces(
    principal: Caller,
    service: SpaceServiceDep,
    purpose: Annotated[
        GetAllPurpose | None,
        Query(description="Which authorization the spaces listed must allow (default `any`)."),
    ] = None,
    include_authorized_purposes: Annotated[
        bool | None,
        Query(description="Each space also says what the caller may do in it."),
    ] = None,
) -> Response:
    """The spaces the caller may enter (every space with alerts or a record, and `default`),
    by name. Copying and sharing saved objects are admin purposes here (403 for others)."""
    if purpose is not None and include_authorized_purposes:
        raise SpaceRefused(
            "[request query]: include_authorized_purposes can only be false when purpose is "
            "specified"
        )
    manages = principal.role.allows(Role.ADMIN)
    if purpose not in (None, "any") and not manages:
        raise Forbidden("Forbidden")  # Kibana: no space where the caller is authorized for it
    spaces = await service.list(principal.may_enter)
    bodies = [space.to_kibana() for space in spaces]
    if include_authorized_purposes:
        purposes = {
            "any": True,
            "copySavedObjectsIntoSpace": manages,
            "findSavedObjects": True,
            "shareSavedObjectsIntoSpace": manages,
        }
        bodies = [{**body, "authorizedPurposes": purposes} for body in bodies]
    return json_response(bodies)


@router.get(BASE + "/{id}", summary="Get a space", responses={**SPACE_ANSWER, **NOT_FOUND})
async def get_space(target: TargetSpace, principal: Caller, service: SpaceServiceDep) -> Response:
    """A space the caller may enter; `default` always exists, a space with alerts and no record
    is shown with its id as name."""
    if not principal.may_enter(target):
        raise Forbidden(f"Unauthorized to get {target[:100]} space")
    return answer(await service.get(target))


@router.post(
    BASE,
    summary="Create a space",
    responses={
        **SPACE_ANSWER,
        409: {"description": "`A space with the identifier <id> already exists.`"},
    },
)
async def create_space(
    body: SpaceBody, principal: SpaceAdmin, service: SpaceServiceDep, request: Request
) -> Response:
    """Create a space and install its alerts alias (`.alerts-security.alerts-<id>`); past
    `ALERTSTATUS_MAX_SPACES` spaces with alerts, 400."""
    may_manage(principal, body.id, request)
    refuse_project_routing(body, "create")
    return answer(await service.create(body.to_space(body.id)))


@router.put(BASE + "/{id}", summary="Update a space", responses={**SPACE_ANSWER, **NOT_FOUND})
async def update_space(
    target: TargetSpace,
    body: SpaceBody,
    principal: SpaceAdmin,
    service: SpaceServiceDep,
    request: Request,
) -> Response:
    """Replace a space's attributes. The path's id is the space updated, as in Kibana (the body's
    `id` is validated, not used); `_reserved` cannot change."""
    may_manage(principal, target, request)
    refuse_project_routing(body, "update")
    return answer(await service.update(body.to_space(target)))


@router.delete(
    BASE + "/{id}",
    summary="Delete a space",
    status_code=204,
    responses={
        204: {"description": "Deleted: no body."},
        400: {"description": "`The default space cannot be deleted because it is reserved.`"},
        **NOT_FOUND,
    },
)
async def delete_space(
    target: TargetSpace, principal: SpaceAdmin, service: SpaceServiceDep, request: Request
) -> Response:
    """Delete the space's record. Its alerts are **never** deleted: they stay in
    `.alerts-security.alerts-<id>`, readable and changeable through `/s/<id>/...`, and the space is
    no longer listed (Kibana deletes the space's saved objects; alerts are not saved objects)."""
    may_manage(principal, target, request)
    await service.delete(target)
    return Response(status_code=204)
