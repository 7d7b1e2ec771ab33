"""Kibana's error bodies, rendered by one route class for every Kibana route.

- request validation: Kibana platform shape `{"statusCode", "error", "message"}`;
- route-level and Elasticsearch errors: the security solution's `{"message", "status_code"}`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException  # FastAPI's is a subclass; body parsing raises this

from alertstatus.errors import (
    AlertNotFound,
    AuthError,
    InvalidArrays,
    InvalidSpaceId,
    InvalidTaskId,
    RuleError,
    SelectionTooLarge,
    StatusChangeError,
    TaskNotFound,
)
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.http import json_response

log = logging.getLogger(__name__)

INVALID_JSON = "Invalid request payload JSON format"


def platform_error(status: int, message: str) -> Response:
    return json_response(
        {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}, status
    )


def siem_error(status: int, message: Any) -> Response:
    return json_response({"message": message, "status_code": status}, status)


def _validation_message(errors: Sequence[Any]) -> str:
    """`[request body].field: message` for each problem, joined as Kibana joins them."""
    parts = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return INVALID_JSON
        where, *path = error.get("loc") or ("body",)
        prefix = "[request body]" if where == "body" else f"[request {where}]"
        text = "Required" if error.get("type") == "missing" else error.get("msg", "Invalid")
        text = text.removeprefix("Value error, ")
        location = prefix + "".join(f".{part}" for part in path)
        parts.append(f"{location}: {text}")
    return ", ".join(parts) or "[request body]: Invalid input"


def render(error: Exception) -> Response:
    """The Kibana response for an error raised while serving a Kibana route."""
    match error:
        case RequestValidationError():
            return platform_error(400, _validation_message(error.errors()))
        case InvalidSpaceId():
            return platform_error(400, f"[request params].space_id: {error}")
        case StatusChangeError():
            return siem_error(400, str(error))
        case InvalidArrays():
            return siem_error(400, error.messages)
        case AlertNotFound():
            return platform_error(404, f"Alert [{error.missing[0]}] not found")
        case SelectionTooLarge():
            return platform_error(400, f"[request body].signal_ids: {error}")
        case InvalidTaskId():
            return platform_error(400, f"[request params].task_id: {error}")
        case TaskNotFound():
            return platform_error(404, str(error))
        case ElasticsearchError():
            return siem_error(error.status, error.reason())
        case AuthError():
            return platform_error(error.status, error.message)
        case RuleError():
            return platform_error(error.status, error.message)
        case HTTPException():
            return platform_error(error.status_code, str(error.detail))
    log.exception("unexpected error", exc_info=error)
    return siem_error(500, "Internal Server Error")


def render_platform(error: Exception) -> Response:
    """Kibana platform routes (alerting) answer Elasticsearch failures in the platform shape too."""
    if isinstance(error, ElasticsearchError):
        return platform_error(error.status, error.reason())
    return render(error)


class KibanaRoute(APIRoute):
    """Routes whose every error, validation included, is answered in Kibana's shapes."""

    renderer: ClassVar[Callable[[Exception], Response]] = staticmethod(render)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        renderer = type(self).renderer

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:
                return renderer(error)

        return handle


class KibanaPlatformRoute(KibanaRoute):
    """Every error as `{statusCode, error, message}` (Kibana core and alerting routes)."""

    renderer = staticmethod(render_platform)
