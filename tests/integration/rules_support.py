"""Helpers for the rule API tests: compare a response with a seed example."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

XSRF = {"kbn-xsrf": "true"}
V2 = {
    **XSRF,
    "elastic-api-version": "2023-10-31",
    "content-type": "application/json; Elastic-Api-Version=2023-10-31",
}
OPAQUE = {"rules_opaque_types": ["test.alert.type"]}
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def is_iso(value: Any) -> bool:
    return isinstance(value, str) and bool(_ISO.fullmatch(value))


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError):
        return False


def pending_since_creation(value: Any) -> bool:
    """Rules are not executed here: execution status stays `pending` with an ISO date."""
    if "status" not in value or value["status"] != "pending":
        return False
    date = value.get("lastExecutionDate", value.get("last_execution_date"))
    return is_iso(date)


def legacy(path: str, space: str) -> str:
    return f"/s/{space}/api/alerts{path}"


def v2(path: str, space: str) -> str:
    return f"/s/{space}/api/alerting/rule{path}"


def assert_like_example(
    actual: dict[str, Any],
    example: dict[str, Any],
    *,
    generated: dict[str, Callable[[Any], bool]],
    caller: Iterable[str] = (),
    differ: dict[str, Any] | None = None,
) -> None:
    """Same keys as the example; equal values except generated ones (checked by predicate),
    the caller's identity (one value for all `caller` keys: a name, or null when anonymous) and
    the seed's own slips (`differ`: the value the request implies)."""
    differ = differ or {}
    assert set(actual) == set(example), set(actual) ^ set(example)
    for key, expected in example.items():
        if key in generated:
            assert generated[key](actual[key]), (key, actual[key])
        elif key in differ:
            assert actual[key] == differ[key], (key, actual[key])
        elif key not in caller:
            assert actual[key] == expected, (key, actual[key], expected)
    callers = {actual[key] for key in caller}
    assert len(callers) <= 1 and all(c is None or isinstance(c, str) for c in callers), callers


LEGACY_GENERATED: dict[str, Callable[[Any], bool]] = {
    "id": is_uuid,
    "createdAt": is_iso,
    "updatedAt": is_iso,
    "scheduledTaskId": is_uuid,
    "executionStatus": pending_since_creation,
}
LEGACY_CALLER = ("apiKeyOwner", "createdBy", "updatedBy")
V2_CALLER = ("api_key_owner", "created_by", "updated_by")
