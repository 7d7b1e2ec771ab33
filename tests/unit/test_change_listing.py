"""The changes listing's pure parts (engine/history.py): cursors and the shape of an entry."""

from __future__ import annotations

import base64

import pytest

from alertstatus.engine.history import change_summary, decode_cursor, encode_cursor
from alertstatus.errors import InvalidCursor


def test_a_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor([1732800000000, "AZNr3w9-AbCd"])) == (
        1732800000000,
        "AZNr3w9-AbCd",
    )
    assert decode_cursor(encode_cursor([5, None])) == (5, None)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage!",
        "x" * 201,
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'["2024", "id"]').decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b"[true, null]").decode(),
        base64.urlsafe_b64encode(b'[-1, "id"]').decode(),
        base64.urlsafe_b64encode(b'[1, "a b"]').decode(),
        base64.urlsafe_b64encode(b'[1, "id", 3]').decode(),
    ],
)
def test_anything_else_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor)
    assert refused.value.status == 400


def test_kibana_record_with_counts() -> None:
    source = {
        "@timestamp": "2024-11-01T08:00:00.000Z",
        "dialect": "kibana",
        "actor": None,
        "caller": "ops",
        "note": None,
        "request_id": "r-1",
        "space_id": "default",
        "target": {"status": "closed", "reason": "false_positive"},
        "selection": {"query": {"match_all": {}}},
        "record_id": "AZNr3w9-AbCd",
        "counts": {"total": 4, "updated": 3, "noops": 1, "version_conflicts": 0, "failures": 0},
    }
    assert change_summary("AZNr3w9-AbCd", source) == {
        "id": "AZNr3w9-AbCd",
        "at": "2024-11-01T08:00:00.000Z",
        "dialect": "kibana",
        "actor": None,
        "caller": "ops",
        "note": None,
        "request_id": "r-1",
        "target": {"status": "closed", "reason": "false_positive"},
        "selection": {"query": {"match_all": {}}},
        "result": {"total": 4, "updated": 3, "noops": 1, "version_conflicts": 0, "failures": 0},
        "task": None,
    }


def test_workflow_record_counts_its_per_alert_results() -> None:
    source = {
        "@timestamp": "2024-11-01T08:00:00.000Z",
        "dialect": "utmstack",
        "target": {"status": "closed", "reason": None},
        "alert_ids": ["a", "b", "c"],
        "tags_to_add": [],
        "results": {"updated": ["a"], "unchanged": ["b"], "not_found": ["c"], "failed": []},
    }
    summary = change_summary("id1", source)
    assert summary["selection"] == {"alert_ids": ["a", "b", "c"], "tags_to_add": []}
    assert summary["result"] == {
        "total": 3,
        "updated": 1,
        "noops": 1,
        "version_conflicts": 0,
        "failures": 0,
    }
    assert change_summary("id2", {"selection": {"ids": 2}, "task": "n:1"})["result"] is None
