"""What authentication remembers between requests, and how it avoids doing one thing twice at once.

Several worker processes share nothing but Elasticsearch (docs/security.md, "API keys"), so what a
process may remember is bounded in time:

- `TimedCache`: entries for `ttl` seconds of the monotonic clock, bounded in number.
- `SingleFlight`: concurrent callers that ask for the same key share one run of the work (one
  argon2 check of a credential, one read of a record), whatever its outcome.
- `StoredRecords`: documents read by id (real time, no refresh needed) and trusted for `ttl`
  seconds: API key and session records, so that a revocation, a new expiry or a logout written by
  any process is seen by every other within that time. A missing document is remembered as
  missing too, so an unknown key id takes the same path, and the same time, as a known one.

Hand-written rather than taken from a caching library: the entries are keyed by fingerprints
(never by a secret) and outcomes are shared while running but remembered only on success, which
no general-purpose decorator offers as such (docs/dependencies.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from alertstatus.es.gateway import Gateway

T = TypeVar("T")


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    until: float


class TimedCache(Generic[T]):
    """Values for `ttl` seconds; `ttl <= 0` remembers nothing; `forget` drops one at once."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, _Entry[T]] = {}

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.until < time.monotonic():
            del self._entries[key]
            return None
        return entry.value

    def put(self, key: str, value: T) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude but bounded: a flood of keys only costs reading again
        self._entries[key] = _Entry(value, time.monotonic() + self.ttl)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


class SingleFlight(Generic[T]):
    """Callers asking for the same key while its work runs wait for that run instead of starting
    another. The work runs in a task of its own, so a caller that gives up cancels only its wait."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            task.add_done_callback(partial(self._finished, key))
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # seen: every waiter may have given up before it ended


@dataclass(frozen=True, slots=True)
class _Read:
    record: dict[str, Any] | None  # None: there was no such document


class StoredRecords:
    """Documents of one index read by id, each trusted for `ttl` seconds, one read at a time."""

    def __init__(self, gateway: Gateway, index: str, ttl: float) -> None:
        self.gateway = gateway
        self.index = index
        self._recent: TimedCache[_Read] = TimedCache(ttl)
        self._reads: SingleFlight[_Read] = SingleFlight()

    async def get(self, doc_id: str) -> dict[str, Any] | None:
        """The document's `_source` (None when missing), at most `ttl` seconds old."""
        recent = self._recent.get(doc_id)
        if recent is None:
            recent = await self._reads.run(doc_id, partial(self._read, doc_id))
        return recent.record

    async def _read(self, doc_id: str) -> _Read:
        response = await self.gateway.get_document(self.index, doc_id)
        read = _Read(None if response.status == 404 else response.json()["_source"])
        self._recent.put(doc_id, read)
        return read

    def forget(self, doc_id: str) -> None:
        """This process reads the document again next time (after it changed it)."""
        self._recent.forget(doc_id)
