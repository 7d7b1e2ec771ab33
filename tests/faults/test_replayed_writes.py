"""A create that Elasticsearch replays after a primary failover is the same write, not a conflict.

When a node dies after its primary wrote a document but before it answered, Elasticsearch sends
the write again to the promoted replica, which already holds it: an `op_type=create` then
answers 409 against itself. The fault tests met it on the change record of a UTMStack request
(two records for one request, the first an orphan); `Gateway.create_document` tells the replay
from a real conflict by the document's content (docs/reliability.md). Here the replay is played
by hand on the session's node: the same create sent twice.
"""

from __future__ import annotations

import pytest

from alertstatus.engine import history
from alertstatus.engine.history import RECORDS_INDEX, ChangeRecord, Provenance, StatusHistory
from tests.conftest import run_with_gateway

pytestmark = pytest.mark.storage


def test_the_same_create_twice_is_one_document_and_another_is_a_conflict(es, es_url, space):
    index = f"replayed-{space}"
    body = {"request_id": "r-1", "target": {"status": "closed"}}

    async def creates(gateway):
        return [
            await gateway.create_document(index, "doc", body, refresh="true"),
            await gateway.create_document(index, "doc", body, refresh="true"),
            await gateway.create_document(index, "doc", {**body, "request_id": "r-2"}),
        ]

    try:
        outcomes = run_with_gateway(es_url, creates)
        stored = es.sources(index)
    finally:
        es.call("DELETE", f"/{index}")
    assert outcomes == [True, True, False]
    assert stored == {"doc": body}


def test_a_replayed_change_record_is_not_written_twice(es, es_url, space, monkeypatch):
    record_id = f"rec-{space}"
    monkeypatch.setattr(history, "new_record_id", lambda: record_id)  # the replay: same id
    change = ChangeRecord(space, "closed", None, Provenance(request_id=record_id), "2024-11-01")

    async def record_twice(gateway):
        records = StatusHistory(gateway)
        return [await records.record(change), await records.record(change)]

    assert run_with_gateway(es_url, record_twice) == [record_id, record_id]
    es.call("POST", f"/{RECORDS_INDEX}/_refresh")
    found = es.call(
        "POST",
        f"/{RECORDS_INDEX}/_search",
        {"query": {"term": {"request_id": record_id}}},
    )["hits"]["hits"]
    assert [hit["_id"] for hit in found] == [record_id]
