"""Requests made through an app's ASGI interface on the app's own event loop (httpx's
ASGITransport), where a test must see what a socket would hide: how many body bytes the app pulled,
a body that stalls, many requests in flight at once. The app is one `make_client` already started,
so its services (built in the lifespan) are there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from fastapi.testclient import TestClient

T = TypeVar("T")


@dataclass
class CountedBody:
    """A request body handed out chunk by chunk, counting what the app actually read."""

    chunks: list[bytes]
    stall_after: int | None = None  # after this many chunks, wait forever (a slow client)
    bytes_read: int = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if self.stall_after is not None and index >= self.stall_after:
                await asyncio.Event().wait()
            self.bytes_read += len(chunk)
            yield chunk


def on_app_loop(client: TestClient, work: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Run `work(http)` on `client`'s event loop, `http` speaking ASGI to `client.app`."""

    async def run() -> T:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=None
        ) as http:
            return await work(http)

    assert client.portal is not None
    return client.portal.call(run)


def send(
    client: TestClient, method: str, path: str, *, seconds: float = 30.0, **options: Any
) -> httpx.Response:
    """One request through the ASGI interface; fails (TimeoutError) instead of hanging."""

    async def work(http: httpx.AsyncClient) -> httpx.Response:
        async with asyncio.timeout(seconds):
            return await http.request(method, path, **options)

    return on_app_loop(client, work)
