"""Admission control: how many status writes run in Elasticsearch at once, and how many may wait.

Every concurrent `_update_by_query` on an alias competes for the same shards; past a few, more
of them at once only lengthen every one's latency (docs/performance.md, "Admission"). So a
status write takes a slot first: at most `per_alias` run on one alias and `total` on the
cluster. Writes without a slot wait in one first-come queue; a write that finds the queue full
is refused at once with `Overloaded` (429 with `Retry-After` in every dialect) before anything
is recorded or sent, rather than piling up in Elasticsearch.

A slot is handed over directly from the write that ends to the first waiter that may run, so
the bounds hold at every instant and a waiter is never overtaken by a newcomer. A waiter whose
alias is full does not block waiters of other aliases behind it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from alertstatus.errors import Overloaded

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    """The bounds (settings `ALERTSTATUS_UPDATES_PER_ALIAS`, `..._TOTAL`, `..._QUEUE`)."""

    per_alias: int = 16
    total: int = 32
    queue: int = 1024
    retry_after: int = 1  # seconds a refused caller is told to wait


@dataclass(slots=True)
class _Waiter:
    alias: str
    admitted: asyncio.Future[None]


class Admission:
    """Slots for status writes; `running`/`peak` are read by the tests."""

    def __init__(self, limits: AdmissionLimits | None = None) -> None:
        self.limits = limits or AdmissionLimits()
        self.running: Counter[str] = Counter()
        self.total = 0
        self.peak = 0  # the most writes ever running at once
        self._queue: deque[_Waiter] = deque()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @asynccontextmanager
    async def slot(self, alias: str) -> AsyncIterator[None]:
        """Hold a slot on `alias` for the block; Overloaded when the queue is full."""
        async with self.slot_after(alias, _nothing()):
            yield

    @asynccontextmanager
    async def slot_after(self, alias: str, meanwhile: Coroutine[Any, Any, T]) -> AsyncIterator[T]:
        """Hold a slot on `alias` for the block, running `meanwhile` (the change record's
        write) while the write waits for it; the block receives its result.

        Under load the record's round trip is hidden in the queue instead of lengthening the
        slot. A refused write (Overloaded) runs nothing of it; when it fails, the place in the
        queue (or the slot) is given up and its error raised.
        """
        try:
            waiter = self._enter(alias)  # Overloaded here, before anything runs
        except Overloaded:
            meanwhile.close()
            raise
        try:
            prepared = await meanwhile
            if waiter is not None:
                await waiter.admitted
        except BaseException:
            self._leave(alias, waiter)
            raise
        try:
            yield prepared
        finally:
            self._release(alias)

    def alone(self, alias: str) -> bool:
        """Whether the caller's slot is the only write on `alias`, running or waiting."""
        return self.running[alias] <= 1 and not any(waiter.alias == alias for waiter in self._queue)

    def _may_run(self, alias: str) -> bool:
        return self.running[alias] < self.limits.per_alias and self.total < self.limits.total

    def _take(self, alias: str) -> None:
        self.running[alias] += 1
        self.total += 1
        self.peak = max(self.peak, self.total)

    def _enter(self, alias: str) -> _Waiter | None:
        """Take a slot now (None), or a place in the queue; Overloaded when it is full."""
        if self._may_run(alias):  # then no waiter may run either: _admit ran at every release
            self._take(alias)
            return None
        if len(self._queue) >= self.limits.queue:
            raise Overloaded(
                f"too many status changes at once ({self.total} running, "
                f"{len(self._queue)} waiting); retry in {self.limits.retry_after} s",
                self.limits.retry_after,
            )
        waiter = _Waiter(alias, asyncio.get_running_loop().create_future())
        self._queue.append(waiter)
        return waiter

    def _leave(self, alias: str, waiter: _Waiter | None) -> None:
        """Give back what `_enter` gave when the write goes away (cancelled, or failed)."""
        if waiter is None or (waiter.admitted.done() and not waiter.admitted.cancelled()):
            self._release(alias)  # it held a slot, or was handed one just as it went away
        else:
            if waiter in self._queue:
                self._queue.remove(waiter)
            waiter.admitted.cancel()

    def _release(self, alias: str) -> None:
        self.running[alias] -= 1
        if not self.running[alias]:
            del self.running[alias]
        self.total -= 1
        self._admit()

    def _admit(self) -> None:
        """Hand free slots to the first waiters that may run, in arrival order."""
        for waiter in list(self._queue):
            if waiter.admitted.cancelled():  # its caller is going away: `_leave` will find it gone
                self._queue.remove(waiter)
                continue
            if self.total >= self.limits.total:
                return
            if self._may_run(waiter.alias):
                self._queue.remove(waiter)
                self._take(waiter.alias)
                waiter.admitted.set_result(None)


async def _nothing() -> None:
    """What a plain `slot` runs while it waits."""
