"""The request body limit: a body larger than `ALERTSTATUS_MAX_BODY_BYTES` is never parsed.

Kibana (hapi) answers an oversized payload with 413 before parsing it. Here a pure ASGI middleware
counts the bytes as they are read and raises `PayloadTooLarge` past the limit, or at the first
read when `Content-Length` already says so; the route that was reading the body answers it in its
own dialect's shape (api/errors.py), so a UTMStack or CHAD caller gets UTMStack's or CHAD's body.
A declared length over the limit is refused by every route, even one that reads no body.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alertstatus.api.middleware import HttpMiddleware

LIMIT_SCOPE_KEY = "alertstatus.max_body_bytes"
DECLARED_SCOPE_KEY = "alertstatus.declared_body_bytes"


class PayloadTooLarge(HTTPException):
    """An HTTP error, not a domain one: FastAPI lets an HTTPException raised while reading pass."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Payload content length greater than maximum allowed: {max_bytes}")


def check_declared_size(scope: Scope) -> None:
    """Raise PayloadTooLarge when the request declared a body over the limit (routes call it)."""
    limit = scope.get(LIMIT_SCOPE_KEY)
    declared = scope.get(DECLARED_SCOPE_KEY)
    if limit is not None and declared is not None and declared > limit:
        raise PayloadTooLarge(limit)


class BodySizeLimit(HttpMiddleware):
    """Counts body bytes against `max_bytes`; 400 for a bad Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared == -1:
            await _reply_invalid_length(send)
            return
        scope[LIMIT_SCOPE_KEY] = self.max_bytes
        scope[DECLARED_SCOPE_KEY] = declared
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise PayloadTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)
            return message

        await self.app(scope, receive_within_limit, send)


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


async def _reply_invalid_length(send: Send) -> None:
    body = orjson.dumps(
        {"statusCode": 400, "error": "Bad Request", "message": "Invalid Content-Length"}
    )
    headers: list[Any] = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
