"""Normalising user queries before the guard parses them (engine/guard.py)."""

from __future__ import annotations

from typing import Any

_RANGE_PARAMETERS = frozenset(
    {
        "gt",
        "gte",
        "lt",
        "lte",
        "format",
        "time_zone",
        "relation",
        "boost",
        "from",
        "to",
        "include_lower",
        "include_upper",
    }
)


def repair_null_ranges(node: Any, max_depth: int = 64) -> Any:
    """Rewrite `{"<field>": {<range params>}, "range": null}` into `{"range": {"<field>": {...}}}`.

    Kibana's own API documentation shows bulk-close queries in that shape (a serialisation slip
    of the `range` clause). Elasticsearch rejects it as `unknown query [@timestamp]`; the caller
    meant a range, so we send one. Anything else is passed through untouched, and nothing below
    `max_depth` levels is looked at: the guard bounds the depth before this runs (engine/guard.py),
    so deeper input never gets here, and if it did this would not recurse into it.
    """
    if max_depth <= 0:
        return node
    if isinstance(node, list):
        return [repair_null_ranges(item, max_depth - 1) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 2 and "range" in node and node["range"] is None:
        ((field, params),) = ((k, v) for k, v in node.items() if k != "range")
        if isinstance(params, dict) and params and set(params) <= _RANGE_PARAMETERS:
            return {"range": {field: params}}
    return {key: repair_null_ranges(value, max_depth - 1) for key, value in node.items()}
