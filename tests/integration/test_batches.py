"""Batched small writes on the real node: concurrent records go together, each keeps its own
result, and a `_bulk` that fails as a whole fails every write in it (engine/batches.py)."""

from __future__ import annotations

import asyncio

import pytest

from alertstatus.engine.batches import BulkBatcher
from alertstatus.engine.history import RECORDS_INDEX, ChangeRecord, Provenance, StatusHistory
from alertstatus.es.gateway import ConnectionSettings, ElasticsearchUnavailable, Gateway
from tests.conftest import run_with_gateway

pytestmark = pytest.mark.storage


def test_concurrent_records_share_bulks_and_are_all_stored(es, es_url, space) -> None:
    def change(number: int) -> ChangeRecord:
        return ChangeRecord(space, "closed", None, Provenance(note=f"n{number}"), "2024-11-01")

    async def record_many(gateway) -> tuple[list[str | None], int]:
        history = StatusHistory(gateway)
        await history.ensure_index()
        ids = await asyncio.gather(*(history.record(change(number)) for number in range(40)))
        await asyncio.gather(*(history.annotate(record_id, {"task": "t:1"}) for record_id in ids))
        return list(ids), history.writes.sent

    ids, sent = run_with_gateway(es_url, record_many)

    assert len(set(ids)) == 40 and None not in ids
    assert sent <= 10  # 40 creates and 40 updates: one alone, the rest together
    stored = es.call("POST", f"/{RECORDS_INDEX}/_mget", {"ids": ids})["docs"]
    assert sorted(doc["_source"]["note"] for doc in stored) == sorted(f"n{n}" for n in range(40))
    assert {doc["_source"]["task"] for doc in stored} == {"t:1"}


def test_each_write_gets_its_own_item(es, es_url, space) -> None:
    index = f"strict-{space}"
    es.call(
        "PUT",
        f"/{index}",
        {"mappings": {"dynamic": "strict", "properties": {"a": {"type": "keyword"}}}},
    )

    async def two_writes(gateway) -> list[dict]:
        batcher = BulkBatcher(gateway.bulk)
        return list(
            await asyncio.gather(
                batcher.write({"create": {"_index": index, "_id": "good"}}, {"a": "x"}),
                batcher.write({"create": {"_index": index, "_id": "bad"}}, {"unmapped": 1}),
                batcher.write({"create": {"_index": index, "_id": "good"}}, {"a": "y"}),
            )
        )

    try:
        good, bad, taken = run_with_gateway(es_url, two_writes)
        stored = es.sources(index)
    finally:
        es.call("DELETE", f"/{index}")
    assert good["status"] == 201
    assert bad["status"] == 400 and bad["error"]["type"] == "strict_dynamic_mapping_exception"
    assert taken["status"] == 409
    assert stored == {"good": {"a": "x"}}


def test_a_bulk_without_an_answer_fails_every_write_in_it() -> None:
    async def unreachable() -> list[object]:
        gateway = Gateway(ConnectionSettings(url="http://127.0.0.1:9", max_retries=0))
        batcher = BulkBatcher(gateway.bulk)
        try:
            return await asyncio.gather(
                *(batcher.write({"create": {"_index": "x", "_id": str(n)}}, {}) for n in range(3)),
                return_exceptions=True,
            )
        finally:
            await gateway.close()

    outcomes = asyncio.run(unreachable())

    assert [type(outcome) for outcome in outcomes] == [ElasticsearchUnavailable] * 3


def test_a_later_write_rides_with_the_next_write_or_goes_after_the_linger(es, es_url, space):
    index = f"later-{space}"

    def action(doc_id: str) -> dict:
        return {"index": {"_index": index, "_id": doc_id}}

    async def later_writes(gateway) -> dict:
        riding = BulkBatcher(gateway.bulk, linger=30)  # a long linger: only a ride sends it
        counts = riding.write_later(action("counts"), {"a": "1"})
        await asyncio.sleep(0.3)
        unsent = (counts.done(), riding.sent)
        record = await riding.write(action("record"), {"a": "2"})
        lingering = BulkBatcher(gateway.bulk, linger=0.05)
        alone = await asyncio.wait_for(lingering.write_later(action("alone"), {"a": "3"}), 10)
        flushing = BulkBatcher(gateway.bulk, linger=30)
        flushed = flushing.write_later(action("flushed"), {"a": "4"})
        await flushing.flush()
        return {
            "unsent": unsent,
            "rode": (riding.sent, counts.result()["status"], record["status"]),
            "alone": (lingering.sent, alone["status"]),
            "flushed": (flushing.sent, flushed.done() and flushed.result()["status"]),
        }

    try:
        outcome = run_with_gateway(es_url, later_writes)
        stored = es.sources(index)
    finally:
        es.call("DELETE", f"/{index}")
    assert outcome == {
        "unsent": (False, 0),
        "rode": (1, 201, 201),  # one `_bulk` carried both
        "alone": (1, 201),
        "flushed": (1, 201),
    }
    assert sorted(stored) == ["alone", "counts", "flushed", "record"]
