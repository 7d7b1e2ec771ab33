"""The refresh coalescer's generations and failures, with a scripted refresh (no cluster)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from alertstatus.engine.refreshes import RefreshCoalescer
from alertstatus.errors import ChangeNotVisible
from alertstatus.es.gateway import ElasticsearchError

ALIAS = ".alerts-security.alerts-default"
OK = {"_shards": {"total": 2, "successful": 2, "failed": 0}}


class ScriptedRefreshes:
    """A refresh that runs until the test lets it end, with the answer the test gives."""

    def __init__(self) -> None:
        self.started: list[asyncio.Future[Any]] = []

    async def __call__(self, alias: str, timeout: float) -> Any:
        ending = asyncio.get_running_loop().create_future()
        self.started.append(ending)
        return await ending

    def end(self, number: int, answer: Any = OK) -> None:
        if isinstance(answer, BaseException):
            self.started[number].set_exception(answer)
        else:
            self.started[number].set_result(answer)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_refresh_in_flight_when_a_write_ends_is_not_reused() -> None:
    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        first = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        assert len(refreshes.started) == 1  # the first writer starts a refresh at once

        # two writes end while that refresh runs: it may have begun before them
        second = asyncio.create_task(coalescer.visible(ALIAS))
        third = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        assert len(refreshes.started) == 1  # nobody starts a second one in parallel

        refreshes.end(0)
        await settle()
        assert first.done() and not second.done() and not third.done()
        assert len(refreshes.started) == 2  # the next generation began after the first ended

        refreshes.end(1)
        await settle()
        assert second.done() and third.done()  # both share the second refresh
        assert coalescer.issued == 2

    asyncio.run(scenario())


def test_each_alias_has_its_own_generations() -> None:
    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        waiting = [asyncio.create_task(coalescer.visible(alias)) for alias in ("a", "b", "a", "b")]
        await settle()
        assert len(refreshes.started) == 2  # one per alias, the later two wait for the next
        refreshes.end(0)
        refreshes.end(1)
        await settle()
        assert [task.done() for task in waiting] == [True, True, False, False]
        refreshes.end(2)
        refreshes.end(3)
        await settle()
        assert all(task.done() for task in waiting)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        ElasticsearchError(503, b'{"error": {"type": "x", "reason": "y"}, "status": 503}'),
        {"_shards": {"total": 2, "successful": 0, "failed": 2}},
    ],
    ids=["error-status", "no-copy-refreshed"],
)
def test_a_failed_refresh_fails_every_writer_that_shared_it(answer: Any) -> None:
    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        first = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        second = asyncio.create_task(coalescer.visible(ALIAS))
        third = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        refreshes.end(0)
        await settle()
        refreshes.end(1, answer)
        await settle()
        assert first.result() is None
        for task in (second, third):
            with pytest.raises(ChangeNotVisible):
                task.result()
        # the next write starts afresh
        fourth = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        refreshes.end(2)
        await settle()
        assert fourth.result() is None and coalescer.issued == 3

    asyncio.run(scenario())


def test_a_refresh_some_copies_missed_still_counts(caplog: pytest.LogCaptureFixture) -> None:
    """As `refresh=true`: a copy on a dead node failing is logged; the others refreshed."""

    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        writer = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        refreshes.end(0, {"_shards": {"total": 6, "successful": 4, "failed": 2}})
        await settle()
        assert writer.result() is None

    asyncio.run(scenario())
    assert "2 shard copies did not refresh" in caplog.text


def test_a_refresh_past_the_timeout_fails_its_writers() -> None:
    async def never(alias: str, timeout: float) -> Any:
        await asyncio.sleep(3600)

    async def scenario() -> None:
        coalescer = RefreshCoalescer(never, timeout=0.05)
        with pytest.raises(ChangeNotVisible, match="no answer in time"):
            await coalescer.visible(ALIAS)

    asyncio.run(scenario())


def test_a_writer_that_goes_away_leaves_the_refresh_to_the_others() -> None:
    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        leaving = asyncio.create_task(coalescer.visible(ALIAS))
        staying = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        leaving.cancel()
        await settle()
        refreshes.end(0)
        await settle()
        refreshes.end(1)
        await settle()
        assert leaving.cancelled() and staying.result() is None

    asyncio.run(scenario())


def test_a_refresh_cancelled_at_shutdown_fails_its_writers_and_starts_no_other() -> None:
    async def scenario() -> None:
        refreshes = ScriptedRefreshes()
        coalescer = RefreshCoalescer(refreshes)
        first = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        second = asyncio.create_task(coalescer.visible(ALIAS))
        await settle()
        for task in list(coalescer._tasks):  # what asyncio.run does to tasks left at its end
            task.cancel()
        await asyncio.wait([first, second], timeout=5)
        for task in (first, second):
            with pytest.raises(ChangeNotVisible):
                task.result()
        assert len(refreshes.started) == 1 and coalescer.issued == 1

    asyncio.run(scenario())
