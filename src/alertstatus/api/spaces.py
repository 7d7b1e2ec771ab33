"""Kibana serves every API route under a space prefix too: `/path` and `/s/{space_id}/path`.

(UTMStack and CHAD know no spaces: `configured_space_router` serves them in a configured one.)

`SpacedRouter` is the one way to declare such a route: each `@router.get/post/...` registers both
paths, with stable operation ids (`<name>` and `<name>_in_space`) and the `space_id` path
parameter documented (and validated) on the second. A route reads its space through the `SpaceId`
alias of api/deps.py, whichever of the two paths was called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, params

from alertstatus.api.deps import configured_space
from alertstatus.api.errors import ErrorDialect, dialect_route
from alertstatus.engine.model import validate_space_id
from alertstatus.settings import Settings

SPACE_PREFIX = "/s/{space_id}"
IN_SPACE_SUFFIX = "_in_space"


async def space_path_parameter(
    space_id: Annotated[
        str,
        Path(
            description="Kibana space id: lowercase letters, digits, `_` and `-` (at most 100).",
            examples=["default"],
        ),
    ],
) -> None:
    """Documents `{space_id}` in OpenAPI and refuses a malformed one with 400."""
    validate_space_id(space_id)


def configured_space_router(
    dialect: ErrorDialect, tag: str, space: Callable[[Settings], str]
) -> APIRouter:
    """A router for a dialect that knows no spaces (UTMStack, CHAD): it acts in one space, a
    setting, which authorization checks before the route runs (api/deps.py)."""
    return APIRouter(
        route_class=dialect_route(dialect),
        tags=[tag],
        dependencies=[Depends(configured_space(space))],
    )


class SpacedRouter(APIRouter):
    """An APIRouter whose every route also exists under `/s/{space_id}`."""

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        operation_id: str | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        **options: Any,
    ) -> None:
        name = name or endpoint.__name__
        operation_id = operation_id or name
        super().add_api_route(
            path,
            endpoint,
            name=name,
            operation_id=operation_id,
            dependencies=dependencies,
            **options,
        )
        super().add_api_route(
            SPACE_PREFIX + path,
            endpoint,
            name=name + IN_SPACE_SUFFIX,
            operation_id=operation_id + IN_SPACE_SUFFIX,
            dependencies=[Depends(space_path_parameter), *(dependencies or ())],
            **options,
        )
