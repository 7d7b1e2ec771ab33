"""What every dialect's routes share: the engine services, the request id, the error route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

from alertstatus.engine.tags import AlertFieldsService
from alertstatus.engine.workflow import WorkflowService, new_request_id

REQUEST_ID_HEADERS = ("x-request-id", "x-opaque-id")


def workflow_service(request: Request) -> WorkflowService:
    return request.app.state.workflow_service


def alert_fields_service(request: Request) -> AlertFieldsService:
    return request.app.state.alert_fields_service


def request_id(request: Request) -> str:
    """The caller's request id (X-Request-Id, X-Opaque-Id), else a fresh one: kept in history."""
    for header in REQUEST_ID_HEADERS:
        value = request.headers.get(header)
        if value:
            return value[:200]
    return new_request_id()


def error_route(render: Callable[[Request, Exception], Response]) -> type[APIRoute]:
    """A route class answering every error of its routes, validation included, with `render`."""

    class DialectRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except Exception as error:
                    return render(request, error)

            return handle

    return DialectRoute
