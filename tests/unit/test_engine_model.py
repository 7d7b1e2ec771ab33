"""Pure engine rules: space ids, closing reasons, the `range: null` repair, the request shape."""

from __future__ import annotations

import pytest

from alertstatus.engine.model import (
    AlertIds,
    AlertQuery,
    StatusChange,
    WorkflowStatus,
    closing_reason,
    validate_space_id,
)
from alertstatus.engine.query import repair_null_ranges
from alertstatus.engine.scripts import SET_WORKFLOW_STATUS
from alertstatus.engine.service import EngineOptions, update_by_query_request
from alertstatus.errors import InvalidSpaceId, StatusChangeError


@pytest.mark.parametrize("space_id", ["default", "a", "soc-team_2", "0", "x" * 100])
def test_kibana_space_ids_are_accepted(space_id: str) -> None:
    assert validate_space_id(space_id) == space_id


@pytest.mark.parametrize(
    "space_id", ["", "A", "_all", "-x", "a*", "a,b", "..", "a/b", "a b", "é", "x" * 101]
)
def test_other_space_ids_are_refused(space_id: str) -> None:
    with pytest.raises(InvalidSpaceId):
        validate_space_id(space_id)


def test_reason_is_kept_only_when_closing() -> None:
    assert closing_reason(WorkflowStatus.CLOSED, "duplicate") == "duplicate"
    assert closing_reason(WorkflowStatus.OPEN, "duplicate") is None
    assert closing_reason(WorkflowStatus.OPEN, "not-a-reason") is None
    assert closing_reason(WorkflowStatus.CLOSED, None) is None
    assert closing_reason(WorkflowStatus.CLOSED, "mine", ["mine"]) == "mine"
    with pytest.raises(StatusChangeError, match=r"^bored is an invalid closing reason\.$"):
        closing_reason(WorkflowStatus.CLOSED, "bored")


def test_null_range_is_repaired_only_in_its_exact_shape() -> None:
    slip = {"@timestamp": {"gte": "now-1d", "format": "strict_date_optional_time"}, "range": None}
    assert repair_null_ranges({"bool": {"filter": [slip]}}) == {
        "bool": {"filter": [{"range": {"@timestamp": slip["@timestamp"]}}]}
    }
    untouched = [
        {"@timestamp": {"query": "x"}, "range": None},  # not range parameters
        {"@timestamp": {"gte": 1}, "range": None, "other": 1},  # more keys
        {"range": {"@timestamp": {"gte": 1}}},
    ]
    for node in untouched:
        assert repair_null_ranges(node) == node


def test_ids_and_query_become_one_update_by_query() -> None:
    change = StatusChange("default", AlertIds(("a", "b")), WorkflowStatus.CLOSED, "duplicate")
    params, body = update_by_query_request(change, EngineOptions())
    assert params == {"refresh": True, "ignore_unavailable": True, "conflicts": "abort"}
    # coalesced (the service's default): the refresh comes after, shared (engine/refreshes.py)
    coalesced, _ = update_by_query_request(change, EngineOptions(coalesce_refresh=True))
    assert coalesced == {"refresh": False, "ignore_unavailable": True, "conflicts": "abort"}
    assert body["query"] == {"bool": {"filter": {"terms": {"_id": ["a", "b"]}}}}
    assert body["script"]["source"] == SET_WORKFLOW_STATUS
    assert body["script"]["params"]["status"] == "closed"
    assert body["script"]["params"]["reason"] == "duplicate"

    by_query = StatusChange("s", AlertQuery({"match_all": {}}), WorkflowStatus.OPEN)
    _, body = update_by_query_request(by_query, EngineOptions())
    assert body["query"] == {"bool": {"filter": {"match_all": {}}}}
    assert "'" not in str(body["script"]["params"]["status"])
