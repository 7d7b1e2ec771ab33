"""The status history's two parts on the real node: one change record per request, written
before any alert is touched, and in each changed alert a compact entry pointing at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from alertstatus.engine.history import HISTORY_FIELD, RECORDS_INDEX, StatusHistory
from alertstatus.engine.indices import alerts_alias
from tests.conftest import create_space, run_with_gateway, status_path
from tests.integration.dialect_helpers import doc_id, put_alerts, source_of

A, B = "5d0f3d49-7c1e-4f4e-9a51-0c0dc0a7f001", "5d0f3d49-7c1e-4f4e-9a51-0c0dc0a7f002"
MISSING = "5d0f3d49-7c1e-4f4e-9a51-0c0dc0a7f0ff"


def record(es, record_id: str) -> dict:
    return es.call("GET", f"/{RECORDS_INDEX}/_doc/{record_id}")["_source"]


def test_kibana_query_closure_stores_one_record_and_compact_entries(
    client, es, seed, space
) -> None:
    before = seed(space, 6)
    query = {"bool": {"filter": [{"terms": {"_id": sorted(before)[:4]}}]}}
    response = client.post(
        status_path(space),
        headers={"x-request-id": "close-4"},
        json={"query": query, "status": "closed", "reason": "false_positive"},
    )
    assert response.status_code == 200 and response.json()["updated"] == 4, response.text

    after = es.sources(alerts_alias(space))
    entries = [after[alert_id][HISTORY_FIELD] for alert_id in sorted(before)[:4]]
    record_ids = {stored.split(" ")[0] for stored in entries}
    assert len(record_ids) == 1  # one record for the whole request
    (record_id,) = record_ids
    assert len(record_id) == 12
    assert all(stored == f"{record_id} open" for stored in entries)  # "<record id> <from>": no more
    assert all(HISTORY_FIELD not in after[alert_id] for alert_id in sorted(before)[4:])

    stored = record(es, record_id)
    assert stored["request_id"] == "close-4" and stored["dialect"] == "kibana"
    assert stored["space_id"] == space and stored["caller"] == "test admin"
    assert stored["actor"] is None  # an API key: `workflow_user` null, as Kibana stores it
    assert stored["target"] == {"status": "closed", "reason": "false_positive"}
    assert stored["selection"] == {"query": query}
    assert (
        stored["@timestamp"] == after[sorted(before)[0]]["kibana.alert.workflow_status_updated_at"]
    )

    (entry,) = es.history(after[sorted(before)[0]])
    assert (entry["from"], entry["from_reason"], entry["to"], entry["reason"]) == (
        "open",
        None,
        "closed",
        "false_positive",
    )
    assert (entry["record_id"], entry["request_id"], entry["caller"]) == (
        record_id,
        "close-4",
        "test admin",
    )


def test_reopening_keeps_the_reason_it_leaves(client, es, seed, space) -> None:
    alert = sorted(seed(space, 1))[0]
    for body in ({"status": "closed", "reason": "duplicate"}, {"status": "open"}):
        response = client.post(status_path(space), json={"signal_ids": [alert], **body})
        assert response.json()["updated"] == 1, response.text
    stored = es.sources(alerts_alias(space))[alert][HISTORY_FIELD]
    assert [line.split(" ")[1:] for line in stored.split("\n")] == [
        ["open"],
        ["closed", "duplicate"],
    ]
    steps = [(e["from"], e["from_reason"], e["to"]) for e in es.history({HISTORY_FIELD: stored})]
    assert steps == [("open", None, "closed"), ("closed", "duplicate", "open")]


def test_utmstack_record_is_annotated_with_each_alerts_result(
    make_client, es, es_url, space
) -> None:
    put_alerts(es, es_url, space, [A, B])
    utm = make_client(utmstack_space_id=space)
    first = {"alertIds": [A], "status": 5, "statusObservation": "done"}
    assert utm.post("/api/utm-alerts/status", json=first).status_code == 200
    both = {"alertIds": [A, B], "status": 5, "statusObservation": "both"}
    assert utm.post("/api/utm-alerts/status", json=both).status_code == 200

    record_id, _ = source_of(es, space, B)[HISTORY_FIELD].split(" ")
    stored = record(es, record_id)
    assert stored["dialect"] == "utmstack" and stored["note"] == "both"
    assert stored["alert_ids"] == [A, B]
    assert stored["results"]["updated"] == [B] and stored["results"]["unchanged"] == [A]


@pytest.fixture
def records_refused(es) -> Iterator[None]:
    """The records index refusing writes (a full disk, a read-only block), lifted afterwards."""
    run_with_gateway(es.url, lambda gateway: StatusHistory(gateway).ensure_index())
    es.call("PUT", f"/{RECORDS_INDEX}/_settings", {"index.blocks.write": True})
    try:
        yield
    finally:
        es.call("PUT", f"/{RECORDS_INDEX}/_settings", {"index.blocks.write": None})


def test_no_change_when_the_record_cannot_be_written(
    client, make_client, es, es_url, seed, space, records_refused
) -> None:
    before = seed(space, 5)
    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )
    assert response.status_code >= 400
    assert response.json()["status_code"] == response.status_code

    put_alerts(es, es_url, f"{space}-utm", [A])
    utm = make_client(utmstack_space_id=f"{space}-utm")
    refused = utm.post("/api/utm-alerts/status", json={"alertIds": [A], "status": 5})
    assert refused.status_code >= 400

    assert es.sources(alerts_alias(space)) == before  # no alert touched, no entry written
    assert source_of(es, f"{space}-utm", A)["kibana.alert.workflow_status"] == "open"
    assert HISTORY_FIELD not in source_of(es, f"{space}-utm", A)


def test_an_entry_outlives_a_deleted_record(client, es, seed, space) -> None:
    alert = sorted(seed(space, 1))[0]
    client.post(status_path(space), json={"signal_ids": [alert], "status": "acknowledged"})
    source = es.sources(alerts_alias(space))[alert]
    record_id = source[HISTORY_FIELD].split(" ")[0]
    client.portal.call(client.app.state.services.history.flush)  # its counts, queued
    es.call("DELETE", f"/{RECORDS_INDEX}/_doc/{record_id}")
    (entry,) = es.history(source)
    assert (entry["record_id"], entry["from"], entry["to"], entry["caller"]) == (
        record_id,
        "open",
        None,
        None,
    )


def test_history_off_writes_no_record(make_client, es, es_url, space) -> None:
    put_alerts(es, es_url, space, [A])
    utm = make_client(utmstack_space_id=space, status_history=False)
    response = utm.post(
        "/api/utm-alerts/status",
        json={"alertIds": [A], "status": 3, "statusObservation": "off-marker"},
    )
    assert response.status_code == 200
    es.call("POST", f"/{RECORDS_INDEX}/_refresh")
    hits = es.call("POST", f"/{RECORDS_INDEX}/_search", {"query": {"term": {"space_id": space}}})[
        "hits"
    ]["hits"]
    assert hits == []
    assert HISTORY_FIELD not in es.sources(alerts_alias(space))[doc_id(A)]


def test_odd_status_values_round_trip_through_the_entry(client, es, es_url, space) -> None:
    """Whatever another writer left in the alert comes back as it was: the entry encodes it."""
    odd_status, odd_reason = "in review 100%\nmaybe", "a b%20c"
    alias = create_space(es_url, space)
    es.call(
        "PUT",
        f"/{alias}/_doc/odd",
        {
            "@timestamp": "2024-11-02T00:00:00Z",
            "kibana.alert.workflow_status": odd_status,
            "kibana.alert.workflow_reason": odd_reason,
        },
        refresh="true",
    )
    for body in ({"status": "closed", "reason": "duplicate"}, {"status": "open"}):
        response = client.post(status_path(space), json={"signal_ids": ["odd"], **body})
        assert response.json()["updated"] == 1, response.text
    source = es.sources(alerts_alias(space))["odd"]
    assert source[HISTORY_FIELD].count("\n") == 1  # two entries, one per line
    steps = [(e["from"], e["from_reason"], e["to"]) for e in es.history(source)]
    assert steps == [(odd_status, odd_reason, "closed"), ("closed", "duplicate", "open")]


def test_the_bound_keeps_the_newest_entries(make_client, es, seed, space) -> None:
    client = make_client(status_history_limit=2)
    alert = sorted(seed(space, 1))[0]
    for status in ("acknowledged", "closed", "in-progress"):
        client.post(status_path(space), json={"signal_ids": [alert], "status": status})
    entries = es.history(es.sources(alerts_alias(space))[alert])
    assert [(e["from"], e["to"]) for e in entries] == [
        ("acknowledged", "closed"),
        ("closed", "in-progress"),
    ]


def test_a_taken_record_id_is_retried_not_overwritten(es_url, es, monkeypatch) -> None:
    """Two requests drawing the same id: `op_type=create` refuses the second, which draws again."""
    from alertstatus.engine import history as history_module
    from alertstatus.engine.history import ChangeRecord, Provenance

    taken = f"t{uuid.uuid4().hex[:11]}"
    fresh = f"f{uuid.uuid4().hex[:11]}"
    draws = iter([taken, taken, fresh])
    monkeypatch.setattr(history_module, "new_record_id", lambda: next(draws))

    def record(note: str) -> ChangeRecord:
        return ChangeRecord(
            "default", "closed", None, Provenance(note=note), "2026-11-23T00:00:00Z"
        )

    async def write_two(gateway) -> list[str | None]:
        history = StatusHistory(gateway)
        return [await history.record(record("first")), await history.record(record("second"))]

    assert run_with_gateway(es_url, write_two) == [taken, fresh]
    assert es.call("GET", f"/{RECORDS_INDEX}/_doc/{taken}")["_source"]["note"] == "first"
    assert es.call("GET", f"/{RECORDS_INDEX}/_doc/{fresh}")["_source"]["note"] == "second"


def test_a_records_index_from_an_earlier_version_gains_the_new_fields(es_url, es) -> None:
    """An index made before `caller` and `target` existed is given them, not recreated."""
    es.call("DELETE", f"/{RECORDS_INDEX}")
    es.call(
        "PUT",
        f"/{RECORDS_INDEX}",
        {
            "settings": {"index.hidden": True},
            "mappings": {"dynamic": False, "properties": {"request_id": {"type": "keyword"}}},
        },
    )
    es.call("PUT", f"/{RECORDS_INDEX}/_doc/old-record", {"request_id": "old"}, refresh="true")

    run_with_gateway(es_url, lambda gateway: StatusHistory(gateway).ensure_index())

    mapping = es.call("GET", f"/{RECORDS_INDEX}/_mapping")[RECORDS_INDEX]["mappings"]
    assert mapping["properties"]["caller"] == {"type": "keyword"}
    assert mapping["properties"]["target"]["properties"]["status"] == {"type": "keyword"}
    assert es.call("GET", f"/{RECORDS_INDEX}/_doc/old-record")["_source"] == {"request_id": "old"}


def test_a_kibana_change_keeps_the_callers_note(client, es, seed, space) -> None:
    """`?note=` (our extension; the console's optional note) is kept in the change record."""
    alert_id = sorted(seed(space, 2))[0]
    response = client.post(
        status_path(space) + "?note=scanner%20noise",
        json={"signal_ids": [alert_id], "status": "acknowledged"},
    )
    assert response.status_code == 200 and response.json()["updated"] == 1, response.text
    record_id = es.sources(alerts_alias(space))[alert_id][HISTORY_FIELD].split(" ")[0]
    assert record(es, record_id)["note"] == "scanner noise"

    too_long = client.post(
        status_path(space) + "?note=" + "x" * 1001,
        json={"signal_ids": [alert_id], "status": "closed"},
    )
    assert too_long.status_code == 400, too_long.text
    assert es.sources(alerts_alias(space))[alert_id]["kibana.alert.workflow_status"] == (
        "acknowledged"
    )
