"""The body limits by caller (api/limits.py), on a bare ASGI app: no cluster, no routes.

Routes that need a caller refuse an unauthenticated one before reading (hostile/test_f05); this is
the guard for every other body read: a few KiB from anyone unauthenticated, then their 401.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from alertstatus.api.authentication import PRINCIPAL_SCOPE_KEY, REFUSAL_SCOPE_KEY
from alertstatus.api.limits import BodyLimits, BodyTimeout, PayloadTooLarge, RefusedWhileReading
from alertstatus.auth.service import ANONYMOUS
from alertstatus.errors import Unauthenticated


async def read_everything(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads the whole body, as a route does."""
    while (await receive()).get("more_body"):
        pass


def call(chunks: list[bytes], *, authenticated: bool, stall: bool = False, **headers: str) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [
            (name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()
        ],
    }
    if authenticated:
        scope[PRINCIPAL_SCOPE_KEY] = ANONYMOUS
    else:
        scope[REFUSAL_SCOPE_KEY] = Unauthenticated("Unauthorized")
    messages = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1 or stall}
        for index, chunk in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # a client that stopped sending
        raise AssertionError("unreachable")

    limits = BodyLimits(
        read_everything, max_bytes=1_000_000, max_unauthenticated_bytes=4096, timeout=0.2
    )
    asyncio.run(asyncio.wait_for(limits(scope, receive, None), 5))


def test_an_unauthenticated_caller_gets_its_401_past_a_few_kib() -> None:
    call([b"x" * 4096], authenticated=False)
    with pytest.raises(RefusedWhileReading) as refused:
        call([b"x" * 4000, b"x" * 200], authenticated=False)
    assert isinstance(refused.value.error, Unauthenticated)
    with pytest.raises(RefusedWhileReading):  # declared: refused before the first read
        call([b""], authenticated=False, content_length="5000")


def test_an_authenticated_caller_has_the_full_limit() -> None:
    call([b"x" * 500_000, b"x" * 500_000], authenticated=True)
    with pytest.raises(PayloadTooLarge):
        call([b"x" * 500_000, b"x" * 500_001], authenticated=True)


def test_a_body_that_stops_arriving_times_out() -> None:
    with pytest.raises(BodyTimeout):
        call([b"{"], authenticated=True, stall=True)
