"""Kibana serves every API route under a space prefix too: `/path` and `/s/{space_id}/path`.

`SpacedRouter` is the one way to declare such a route: each `@router.get/post/...` registers both
paths, with stable operation ids (`<name>` and `<name>_in_space`) and the `space_id` path
parameter documented (and validated) on the second. A route reads its space through the `SpaceId`
alias of api/deps.py, whichever of the two paths was called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.params import Depends as DependsParam

from alertstatus.engine.model import validate_space_id

SPACE_PREFIX = "/s/{space_id}"
IN_SPACE_SUFFIX = "_in_space"


def space_path_parameter(
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


class SpacedRouter(APIRouter):
    """An APIRouter whose every route also exists under `/s/{space_id}`."""

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        operation_id: str | None = None,
        dependencies: Sequence[DependsParam] | None = None,
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
