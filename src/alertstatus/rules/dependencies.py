"""Dependencies shared by both rule routers: the service, the space, who may read and write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.dialects.kibana.xsrf import require_xsrf
from alertstatus.engine.model import DEFAULT_SPACE, validate_space_id
from alertstatus.rules.service import RuleService

SPACE_PREFIX = "/s/{space_id}"


def route_with_spaces(
    router: APIRouter, method: str, path: str, **options: Any
) -> Callable[[Callable], Callable]:
    """Register a handler on `path` and on its `/s/{space_id}` form."""

    def register(handler: Callable) -> Callable:
        for prefix in ("", SPACE_PREFIX):
            router.add_api_route(prefix + path, handler, methods=[method], **options)
        return handler

    return register


def rule_service(request: Request) -> RuleService:
    return request.app.state.rule_service


def rule_space(request: Request) -> str:
    """`{space_id}` of `/s/{space_id}/...` routes, Kibana's default space otherwise."""
    return validate_space_id(request.path_params.get("space_id", DEFAULT_SPACE))


async def write_access(
    principal: Annotated[Principal, Depends(require(Role.ADMIN))],
    _: Annotated[None, Depends(require_xsrf)],
) -> Principal:
    """Rules are admin-only to change; the XSRF check comes after authentication, as in Kibana."""
    return principal


Service = Annotated[RuleService, Depends(rule_service)]
Space = Annotated[str, Depends(rule_space)]
Reader = Annotated[Principal, Depends(require(Role.VIEWER))]
Writer = Annotated[Principal, Depends(write_access)]
