"""Admission control's bounds, queue and hand-over, without a cluster."""

from __future__ import annotations

import asyncio
import random
import warnings

import pytest

from alertstatus.engine.admission import Admission, AdmissionLimits
from alertstatus.errors import Overloaded


def test_the_bounds_hold_under_a_random_load() -> None:
    limits = AdmissionLimits(per_alias=2, total=3, queue=1000)
    admission = Admission(limits)
    running: dict[str, int] = {}
    seen = {"total": 0, "alias": 0}

    async def write(alias: str, rng: random.Random) -> None:
        async with admission.slot(alias):
            running[alias] = running.get(alias, 0) + 1
            seen["alias"] = max(seen["alias"], running[alias])
            seen["total"] = max(seen["total"], sum(running.values()))
            await asyncio.sleep(rng.random() / 500)
            running[alias] -= 1

    async def scenario() -> None:
        rng = random.Random(16)
        await asyncio.gather(*(write(rng.choice("abc"), rng) for _ in range(300)))

    asyncio.run(scenario())
    assert seen == {"total": 3, "alias": 2}  # reached, never passed
    assert admission.total == 0 and not admission.running and admission.waiting == 0


def test_past_the_queue_limit_a_write_is_refused_at_once() -> None:
    admission = Admission(AdmissionLimits(per_alias=1, total=10, queue=1, retry_after=7))

    async def scenario() -> None:
        hold = asyncio.Event()

        async def write() -> None:
            async with admission.slot("a"):
                await hold.wait()

        running = asyncio.create_task(write())
        queued = asyncio.create_task(write())
        await asyncio.sleep(0.01)
        assert (admission.total, admission.waiting) == (1, 1)
        with pytest.raises(Overloaded) as refused:
            async with admission.slot("a"):
                pytest.fail("admitted past the queue limit")
        assert refused.value.retry_after == 7 and refused.value.status == 429
        async with admission.slot("b"):  # another alias still has room
            pass
        hold.set()
        await asyncio.gather(running, queued)

    asyncio.run(scenario())
    assert admission.total == 0


def test_waiters_are_served_in_order_and_a_full_alias_does_not_block_others() -> None:
    admission = Admission(AdmissionLimits(per_alias=1, total=2, queue=10))
    order: list[str] = []

    async def scenario() -> None:
        gate = asyncio.Event()

        async def write(name: str, alias: str) -> None:
            async with admission.slot(alias):
                order.append(name)
                await gate.wait()

        tasks = [asyncio.create_task(write("a1", "a"))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(write("a2", "a")), asyncio.create_task(write("b1", "b"))]
        await asyncio.sleep(0.01)
        assert order == ["a1", "b1"]  # b1 is not stuck behind a2, whose alias is full
        gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert order == ["a1", "b1", "a2"]


def test_a_waiter_that_goes_away_gives_its_place_back() -> None:
    admission = Admission(AdmissionLimits(per_alias=1, total=1, queue=1))

    async def scenario() -> None:
        gate = asyncio.Event()

        async def write() -> None:
            async with admission.slot("a"):
                await gate.wait()

        running = asyncio.create_task(write())
        leaving = asyncio.create_task(write())
        await asyncio.sleep(0.01)
        leaving.cancel()
        await asyncio.sleep(0.01)
        assert admission.waiting == 0
        later = asyncio.create_task(write())  # the queue has room again
        await asyncio.sleep(0.01)
        assert admission.waiting == 1
        gate.set()
        await asyncio.gather(running, later)

    asyncio.run(scenario())
    assert admission.total == 0


def test_the_record_is_written_while_the_write_waits_and_never_when_refused() -> None:
    admission = Admission(AdmissionLimits(per_alias=1, total=1, queue=1))
    events: list[str] = []

    async def record(name: str) -> str:
        events.append(f"record {name}")
        return name

    async def scenario() -> None:
        gate = asyncio.Event()

        async def write(name: str) -> None:
            async with admission.slot_after("a", record(name)) as recorded:
                events.append(f"run {recorded}")
                await gate.wait()

        first = asyncio.create_task(write("first"))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(write("second"))
        await asyncio.sleep(0.01)
        assert events == ["record first", "run first", "record second"]  # recorded, queued
        with pytest.raises(Overloaded):
            async with admission.slot_after("a", record("refused")):
                pytest.fail("admitted past the queue limit")
        gate.set()
        await asyncio.gather(first, second)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the refused write's record is closed, never awaited
        asyncio.run(scenario())
    assert events == ["record first", "run first", "record second", "run second"]
    assert admission.total == 0 and admission.waiting == 0


def test_a_record_that_fails_gives_the_place_back() -> None:
    admission = Admission(AdmissionLimits(per_alias=1, total=1, queue=1))

    async def failing() -> None:
        raise RuntimeError("records index unavailable")

    async def scenario() -> None:
        gate = asyncio.Event()

        async def hold() -> None:
            async with admission.slot("a"):
                await gate.wait()

        running = asyncio.create_task(hold())
        await asyncio.sleep(0.01)
        with pytest.raises(RuntimeError, match="unavailable"):
            async with admission.slot_after("a", failing()):
                pytest.fail("ran without its record")
        assert (admission.total, admission.waiting) == (1, 0)  # queued, then gone
        with pytest.raises(RuntimeError):
            gate.set()
            await running
            async with admission.slot_after("a", failing()):  # a free slot, then given back
                pass
        assert admission.total == 0

    asyncio.run(scenario())
