"""Request limits enforced before any route runs: a body larger than the limit never gets parsed.

Kibana (hapi) answers an oversized payload with 413 and this body; we do the same, whether the
size is declared (`Content-Length`) or only discovered while reading a chunked body. A route of
another dialect (UTMStack, CHAD) answers in its own shape, through its own error renderer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from fastapi import HTTPException
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _error_body(status: int, error: str, message: str) -> bytes:
    return orjson.dumps({"statusCode": status, "error": error, "message": message})


class BodySizeLimit:
    """ASGI middleware: 413 for bodies over `max_bytes`, 400 for a malformed Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _reply(send, 400, _error_body(400, "Bad Request", "Invalid Content-Length"))
            return
        if declared is not None:
            if declared > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit, then hand the body on.
        messages: list[Message] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Payload content length greater than maximum allowed: {self.max_bytes}"
        render = _route_renderer(scope)
        if render is not None:
            response = render(Request(scope), HTTPException(413, message))
            response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        await _reply(send, 413, _error_body(413, "Request Entity Too Large", message))


def _route_renderer(scope: Scope) -> Any:
    """The error renderer of the dialect route this request is for; None for Kibana's routes."""
    router = getattr(scope.get("app"), "router", None)
    for route in _routes(getattr(router, "routes", ())):
        if route.matches(scope)[0] is Match.FULL:
            return getattr(route, "render_error", None)
    return None


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Routes in matching order; FastAPI keeps an included router's own routes behind it."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when unreadable."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers: list[Any] = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
