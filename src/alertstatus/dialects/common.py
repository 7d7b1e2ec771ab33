"""What every dialect's routes share: the engine services, the request id, the error route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

from alertstatus.engine.tags import AlertFieldsService
from alertstatus.engine.workflow import WorkflowService
from alertstatus.observability.middleware import request_id as observed_request_id


def workflow_service(request: Request) -> WorkflowService:
    return request.app.state.workflow_service


def alert_fields_service(request: Request) -> AlertFieldsService:
    return request.app.state.alert_fields_service


def request_id(request: Request) -> str:
    """The id the observability middleware echoes in `X-Request-Id`: kept in the status history."""
    known = request.scope.get("state", {}).get("request_id")
    return known if isinstance(known, str) else observed_request_id(request.scope)


def error_route(render: Callable[[Request, Exception], Response]) -> type[APIRoute]:
    """A route class answering every error of its routes, validation included, with `render`."""

    class DialectRoute(APIRoute):
        render_error = staticmethod(render)  # also used before routing (limits.BodySizeLimit)

        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except Exception as error:
                    return render(request, error)

            return handle

    return DialectRoute
