"""Batched small writes: concurrent writes of single documents sent as one `_bulk`.

Every status change writes its change record before it runs and puts Elasticsearch's counts on
it after (engine/history.py). Sent one by one, 64 concurrent changes make 128 index requests,
each with its own translog sync, competing with the changes themselves for the node's write
threads. Sent here, they travel together: single flight, in generations, as refreshes do
(engine/refreshes.py). With no `_bulk` in flight, a write is sent at once, alone, so a lone
caller waits no longer than before; while one is in flight, writes gather and go in the next
one, which starts as soon as the running one ends. At most one `_bulk` is in flight.

Each caller gets its own item's result (`status`, and `error` when it failed); a `_bulk` that
fails as a whole (an error answer, or no answer) raises its error to every caller in it.

A write nobody waits for (the counts put on a record after its change, best effort) is left to
ride along: `write_later` sends nothing itself but joins the next `_bulk` another write starts,
or one of its own after `linger` seconds when none does. So a lone caller's next change carries
its last change's counts in the `_bulk` of its record, and no answer waits for them. `flush`
sends what is left and waits for it: readers of the records and shutdown call it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from alertstatus.es.gateway import ElasticsearchError, ElasticsearchUnavailable, EsResponse

# Sends `_bulk` lines (action and source objects) with `refresh=false`; returns the answer.
BulkCall = Callable[[Iterable[Mapping[str, Any]]], Awaitable[EsResponse]]


@dataclass(slots=True)
class _Write:
    action: Mapping[str, Any]  # e.g. {"create": {"_index": ..., "_id": ...}}
    source: Mapping[str, Any]  # the document, or `{"doc": fields}` for an update
    result: asyncio.Future[dict[str, Any]]
    waited_for: bool  # False: `write_later`, sent with the next `_bulk` or after the linger


class BulkBatcher:
    """Sends concurrent single-document writes together, one `_bulk` in flight at a time.

    `sent` counts the `_bulk` requests made (the tests read it).
    """

    def __init__(self, bulk: BulkCall, *, linger: float = 0.2) -> None:
        self._bulk = bulk
        self.linger = linger  # seconds a `write_later` waits for a `_bulk` to ride along with
        self._pending: list[_Write] = []
        self._in_flight: list[_Write] = []
        self._running: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.sent = 0

    async def write(self, action: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
        """Write one document; its item of the `_bulk` answer (`{"status": ..., ...}`).

        Raises the `_bulk`'s own error (ElasticsearchError, or the transport's) when the whole
        request failed.
        """
        result = self._add(action, source, waited_for=True)
        self._start()
        return await asyncio.shield(result)  # a caller that goes away leaves the others theirs

    def write_later(
        self, action: Mapping[str, Any], source: Mapping[str, Any]
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue one write nobody waits for; the future of its item (its error is retrieved)."""
        result = self._add(action, source, waited_for=False)
        result.add_done_callback(_retrieve)
        if self._running is None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.linger, self._start)
        return result

    async def flush(self) -> None:
        """Send every queued write now and wait for all writes begun so far, whatever their
        outcome (each caller hears its own)."""
        for write in self._pending:
            write.waited_for = True
        outstanding = [write.result for write in (*self._in_flight, *self._pending)]
        self._start()
        if outstanding:
            await asyncio.wait([asyncio.shield(result) for result in outstanding])

    def _add(
        self, action: Mapping[str, Any], source: Mapping[str, Any], *, waited_for: bool
    ) -> asyncio.Future[dict[str, Any]]:
        result: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Write(action, source, result, waited_for))
        return result

    def _start(self) -> None:
        """A `_bulk` of everything queued, unless one is in flight (it takes them next)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is None and self._pending:
            self._running = asyncio.get_running_loop().create_task(self._send_all())

    async def _send_all(self) -> None:
        try:
            while True:
                self._in_flight, self._pending = self._pending, []
                await self._send(self._in_flight)
                self._in_flight = []
                if not any(write.waited_for for write in self._pending):
                    break  # only writes nobody waits for: they wait for a ride, or the linger
        except BaseException as error:  # cancelled at shutdown, or a bug: nobody is left waiting
            stranded, self._pending, self._in_flight = [*self._in_flight, *self._pending], [], []
            unsent = ElasticsearchUnavailable(503, "the write was not sent", "not sent")
            _fail(stranded, error if isinstance(error, Exception) else unsent)
            raise
        finally:
            self._running = None
        if self._pending:
            self._timer = asyncio.get_running_loop().call_later(self.linger, self._start)

    async def _send(self, batch: list[_Write]) -> None:
        self.sent += 1
        lines: list[Mapping[str, Any]] = []
        for write in batch:
            lines += (write.action, write.source)
        try:
            answer = (await self._bulk(lines)).json()
        except ElasticsearchError as error:  # an error answer, or none: every write in it failed
            _fail(batch, error)
            return
        items = answer.get("items") or []
        for write, item in zip(batch, items, strict=False):
            outcome = next(iter(item.values()), {}) if isinstance(item, dict) else {}
            write.result.set_result(outcome if isinstance(outcome, dict) else {})
        _fail(batch[len(items) :], ElasticsearchError(502, b"", "no item in the _bulk answer"))


def _fail(writes: list[_Write], error: BaseException) -> None:
    for write in writes:
        if not write.result.done():
            write.result.set_exception(error)
            write.result.add_done_callback(_retrieve)


def _retrieve(result: asyncio.Future[dict[str, Any]]) -> None:
    """Mark a failed write's error as seen even when its caller went away."""
    if not result.cancelled():
        result.exception()
