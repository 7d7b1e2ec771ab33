"""One `_update_by_query` body from several: what a split id list answers (docs/scale.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Counters Elasticsearch reports per call; the merged body carries their sums.
SUMMED = frozenset(
    {
        "took",
        "total",
        "updated",
        "created",
        "deleted",
        "batches",
        "version_conflicts",
        "noops",
        "throttled_millis",
    }
)


def merge_update_by_query(bodies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Merge responses into one of the same shape, keys in the first response's order.

    Counters and `took` are summed, `retries` summed per key, `failures` concatenated,
    `timed_out` is true if any was, `throttled_until_millis` is the largest; any other key
    (`requests_per_second`, ...) keeps the first response's value.
    """
    if not bodies:
        raise ValueError("nothing to merge")
    if len(bodies) == 1:
        return bodies[0]
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(key for body in bodies for key in body):
        values = [body[key] for body in bodies if key in body]
        if key in SUMMED:
            merged[key] = sum(values)
        elif key == "timed_out":
            merged[key] = any(values)
        elif key == "failures":
            merged[key] = [failure for value in values for failure in value]
        elif key == "retries":
            merged[key] = {
                name: sum(value.get(name, 0) for value in values)
                for name in dict.fromkeys(name for value in values for name in value)
            }
        elif key == "throttled_until_millis":
            merged[key] = max(values)
        else:
            merged[key] = values[0]
    return merged
