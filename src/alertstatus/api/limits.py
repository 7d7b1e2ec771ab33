"""Request body limits: how many bytes, from whom, and how long they may take to arrive.

Kibana (hapi) answers an oversized payload with 413 before parsing it. Here a pure ASGI middleware
counts the bytes as they are read and raises past the limit, or at the first read when
`Content-Length` already says so; the route that was reading the body answers in its own dialect's
shape (api/errors.py), so a UTMStack or CHAD caller gets UTMStack's or CHAD's body. A declared
length over the limit is refused by every route, even one that reads no body.

It runs after authentication (api/authentication.py), so the limit depends on the caller:
`ALERTSTATUS_MAX_BODY_BYTES` for an authenticated one, `ALERTSTATUS_MAX_UNAUTHENTICATED_BODY_BYTES`
(a few KiB) for anyone else, who gets the 401 of their failed authentication past it. (Routes that
need a caller answer that 401 before reading any byte; the small limit guards the others.)

A body must also have arrived `ALERTSTATUS_BODY_TIMEOUT` seconds after the request started: a
client that sends it slowly gets 408 instead of holding the request for ever. uvicorn has no
such setting, nor one for slow headers, which the proxy in front must bound (docs/security.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alertstatus.api.authentication import authentication_refusal
from alertstatus.api.middleware import HttpMiddleware
from alertstatus.errors import AlertstatusError

LIMIT_SCOPE_KEY = "alertstatus.max_body_bytes"
DECLARED_SCOPE_KEY = "alertstatus.declared_body_bytes"

# FastAPI passes on an HTTPException raised while it reads a body and turns any other exception
# into its generic 400, so what is raised from `receive` is an HTTPException.


class PayloadTooLarge(HTTPException):
    """413: the body is larger than the caller's limit."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Payload content length greater than maximum allowed: {max_bytes}")


class BodyTimeout(HTTPException):
    """408: the body did not arrive in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"The request body did not arrive within {seconds:g} s")


class RefusedWhileReading(HTTPException):
    """Carries a domain error (the caller's failed authentication) out of a body read; the
    route's dialect renders `error` itself (api/errors.py)."""

    def __init__(self, error: AlertstatusError) -> None:
        super().__init__(error.status, error.message)
        self.error = error


def body_refusal(scope: Scope, limit: int) -> HTTPException:
    """What a body over `limit` gets: the failed authentication's answer, else 413."""
    refusal = authentication_refusal(scope)
    return PayloadTooLarge(limit) if refusal is None else RefusedWhileReading(refusal)


def check_declared_size(scope: Scope) -> None:
    """Raise when the request declared a body over its limit (routes call it before reading)."""
    limit = scope.get(LIMIT_SCOPE_KEY)
    declared = scope.get(DECLARED_SCOPE_KEY)
    if limit is not None and declared is not None and declared > limit:
        raise body_refusal(scope, limit)


def body_pending(scope: Scope) -> bool:
    """Whether the request announced a body (a length above 0, or chunks)."""
    declared = scope.get(DECLARED_SCOPE_KEY)
    chunked = any(name == b"transfer-encoding" for name, _ in scope.get("headers", ()))
    return chunked or bool(declared)


class BodyLimits(HttpMiddleware):
    """Counts body bytes against the caller's limit and times their arrival; 400 for a bad
    Content-Length."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_unauthenticated_bytes: int, timeout: float
    ) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.max_unauthenticated_bytes = max_unauthenticated_bytes
        self.timeout = timeout

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared == -1:
            await _reply_invalid_length(send)
            return
        limit = self.max_bytes
        if authentication_refusal(scope) is not None:
            limit = min(limit, self.max_unauthenticated_bytes)
        scope[LIMIT_SCOPE_KEY] = limit
        scope[DECLARED_SCOPE_KEY] = declared
        deadline = asyncio.get_running_loop().time() + self.timeout
        received = 0
        complete = False

        async def receive_within_limits() -> Message:
            nonlocal received, complete
            if declared is not None and declared > limit:
                raise body_refusal(scope, limit)
            if complete:  # later reads only wait for a disconnect: no deadline
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise body_refusal(scope, limit)
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, receive_within_limits, send)


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
