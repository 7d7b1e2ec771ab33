"""Pure ASGI middleware: request id, timing, route metrics and the request's log line."""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alertstatus.observability.logs import RequestLog, current_request, write_request_line
from alertstatus.observability.metrics import Metrics

REQUEST_ID_HEADER = "x-request-id"
# Ids from proxies (uuids, hex, ULIDs, `abc-123.4`): anything else is replaced, not echoed.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"


def request_id(scope: Scope) -> str:
    """The caller's `X-Request-Id` when it is a sane token, else a fresh uuid4."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
            break
    return str(uuid.uuid4())


def route_labels(scope: Scope) -> tuple[str, str]:
    """(route template, dialect): `/s/{space_id}/api/...` and `kibana`, never raw paths.

    The dialect is the one the matched route answers in (api/errors.py, `ErrorDialect.name`).
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED, "none"
    dialect = getattr(route, "error_dialect", None)
    return template, getattr(dialect, "name", "none")


class HttpMiddleware:
    """Pure ASGI middleware that acts on HTTP requests only; lifespan and others pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class ObservabilityMiddleware(HttpMiddleware):
    """Gives every HTTP request an id (echoed in `X-Request-Id`), a metric and a log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = RequestLog(request_id(scope), scope["method"], scope["path"])
        scope.setdefault("state", {})["request_id"] = entry.request_id  # for the status history
        header = (REQUEST_ID_HEADER.encode(), entry.request_id.encode())
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = current_request.set(entry)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            entry.route, entry.dialect = route_labels(scope)
            entry.status, entry.duration_ms = status, round(seconds * 1000, 2)
            self.metrics.observe_request(entry.route, entry.dialect, entry.method, status, seconds)
            write_request_line(entry)
            current_request.reset(token)
