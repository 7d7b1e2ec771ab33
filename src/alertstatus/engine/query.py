"""Normalising user queries before they reach Elasticsearch."""

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


def repair_null_ranges(node: Any) -> Any:
    """Rewrite `{"<field>": {<range params>}, "range": null}` into `{"range": {"<field>": {...}}}`.

    Kibana's own API documentation shows bulk-close queries in that shape (a serialisation slip
    of the `range` clause). Elasticsearch rejects it as `unknown query [@timestamp]`; the caller
    meant a range, so we send one. Anything else is passed through untouched.
    """
    if isinstance(node, list):
        return [repair_null_ranges(item) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 2 and "range" in node and node["range"] is None:
        ((field, params),) = ((k, v) for k, v in node.items() if k != "range")
        if isinstance(params, dict) and params and set(params) <= _RANGE_PARAMETERS:
            return {"range": {field: params}}
    return {key: repair_null_ranges(value) for key, value in node.items()}
