"""Coalesced refreshes: one `_refresh` of an alias serves every write that finished before it began.

Kibana sends each `_update_by_query` with `refresh=true`, so every request forces its own shard
refresh, and many small concurrent closures spend their time refreshing. The engine instead
writes with `refresh=false` and then waits here for a refresh of the alias that *started after*
its write had finished: such a refresh makes the write visible to search, which is exactly the
guarantee `refresh=true` gives (docs/performance.md, "Refresh").

Single flight per alias, in generations: while no refresh of an alias runs, a caller starts one
and waits for it. While one runs, it may have started before the caller's write ended, so a
caller never joins it: it joins the *next* refresh, which starts as soon as the running one ends
and is shared by every caller that arrived meanwhile. Whatever the concurrency, at most one
refresh per alias is in flight and at most one is waiting.

A refresh that fails (an error status, or an answer in which no shard copy refreshed) or takes
longer than the timeout raises `ChangeNotVisible` to every caller that shared it. Some copies
failing is logged, not raised, as `refresh=true` does: a copy on a node that just died is being
replaced, and searches go to the copies that refreshed (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from alertstatus.errors import ChangeNotVisible
from alertstatus.es.gateway import ElasticsearchError

log = logging.getLogger(__name__)

# Calls `_refresh` on an alias within a timeout (seconds); returns Elasticsearch's answer.
RefreshCall = Callable[[str, float], Awaitable[Any]]


@dataclass(slots=True)
class _AliasRefreshes:
    """The refresh of one alias in flight, and the one that waits for it to end."""

    running: asyncio.Future[None] | None = None
    waiting: asyncio.Future[None] | None = None


def shard_counts(answer: Any) -> tuple[int, int]:
    """`(successful, failed)` copies of a `_refresh` answer: a 200 can still say some copies
    did not refresh."""
    shards = answer.get("_shards") if isinstance(answer, dict) else None
    if not isinstance(shards, dict):
        return 0, 0
    return int(shards.get("successful") or 0), int(shards.get("failed") or 0)


class RefreshCoalescer:
    """Makes writes visible to search, sharing refreshes among concurrent writers per alias.

    `issued` counts the refreshes sent (the tests and the bench read it).
    """

    def __init__(self, refresh: RefreshCall, *, timeout: float = 30.0) -> None:
        self._refresh = refresh
        self.timeout = timeout
        self._aliases: dict[str, _AliasRefreshes] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # kept so they are not collected mid-flight
        self.issued = 0

    async def visible(self, alias: str) -> None:
        """Return once a refresh of `alias` that started after this call has ended.

        Call it after the write returned. Raises ChangeNotVisible when that refresh failed.
        """
        state = self._aliases.setdefault(alias, _AliasRefreshes())
        if state.running is None:
            generation = self._start(alias, state, asyncio.get_running_loop().create_future())
        else:  # the running refresh may have begun before this write ended: wait for the next
            if state.waiting is None:
                state.waiting = asyncio.get_running_loop().create_future()
            generation = state.waiting
        try:
            await asyncio.shield(generation)  # a caller that goes away leaves it to the others
        except ChangeNotVisible as error:  # each caller raises its own copy of the shared error
            raise ChangeNotVisible(error.cause) from None

    def _start(
        self, alias: str, state: _AliasRefreshes, generation: asyncio.Future[None]
    ) -> asyncio.Future[None]:
        state.running = generation
        generation.add_done_callback(_retrieve)
        task = asyncio.get_running_loop().create_task(self._run(alias, state, generation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return generation

    async def _run(
        self, alias: str, state: _AliasRefreshes, generation: asyncio.Future[None]
    ) -> None:
        self.issued += 1
        stopped = False
        try:
            answer = await asyncio.wait_for(self._refresh(alias, self.timeout), self.timeout)
            successful, failed = shard_counts(answer)
            if failed and not successful:
                raise ChangeNotVisible(f"none of {failed} shard copies refreshed")
            if failed:
                log.warning("refresh of %s: %d shard copies did not refresh", alias, failed)
            generation.set_result(None)
        except ChangeNotVisible as error:
            log.warning("refresh of %s failed: %s", alias, error.cause)
            generation.set_exception(error)
        except (TimeoutError, ElasticsearchError) as error:
            reason = error.reason() if isinstance(error, ElasticsearchError) else "timed out"
            log.warning("refresh of %s failed: %s", alias, reason)
            generation.set_exception(ChangeNotVisible(f"the refresh failed ({_short(error)})"))
        except BaseException as error:  # cancelled at shutdown, or a bug: never leave waiters
            generation.set_exception(ChangeNotVisible("the refresh did not complete"))
            if not isinstance(error, Exception):
                stopped = True
                raise
            log.exception("refresh of %s failed", alias)
        finally:
            state.running = None
            waiting, state.waiting = state.waiting, None
            if waiting is not None and not stopped:  # all who came meanwhile share the next one
                self._start(alias, state, waiting)
            else:
                self._aliases.pop(alias, None)  # idle: nothing kept between bursts
                if waiting is not None:  # the loop is stopping: no new refresh, no waiter left
                    waiting.add_done_callback(_retrieve)
                    waiting.set_exception(ChangeNotVisible("the refresh did not complete"))


def _short(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ElasticsearchError):
        return f"Elasticsearch answered {error.status}"
    return type(error).__name__


def _retrieve(generation: asyncio.Future[None]) -> None:
    """Mark a failed generation's error as seen even when every waiter went away."""
    if not generation.cancelled():
        generation.exception()
