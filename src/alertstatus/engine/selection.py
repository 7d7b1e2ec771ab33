"""The query behind "close this time range": window, rule and an optional query of the user's.

Kept pure so the CLI's `close`/`open`/`acknowledge` commands only parse options and call this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from alertstatus.engine.timerange import TimeWindow
from alertstatus.errors import QueryFileError

RULE_NAME_FIELD = "kibana.alert.rule.name"
RULE_UUID_FIELD = "kibana.alert.rule.uuid"


def read_query_file(path: Path) -> dict[str, Any]:
    """An Elasticsearch query from a JSON file: the query itself or `{"query": {...}}`."""
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as error:
        raise QueryFileError(f"cannot read {path}: {error.strerror}") from error
    except orjson.JSONDecodeError as error:
        raise QueryFileError(f"{path} is not JSON: {error}") from error
    if isinstance(document, dict) and set(document) == {"query"}:
        document = document["query"]
    if not isinstance(document, dict) or not document:
        raise QueryFileError(f"{path} must hold one Elasticsearch query object")
    return document


def rule_filter(rule: str) -> dict[str, Any]:
    """Alerts of one rule, named by its name or its uuid (whichever the analyst has at hand)."""
    return {
        "bool": {
            "should": [{"term": {RULE_NAME_FIELD: rule}}, {"term": {RULE_UUID_FIELD: rule}}],
            "minimum_should_match": 1,
        }
    }


def closure_query(
    window: TimeWindow, *, rule: str | None = None, query: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every given condition must hold; nothing given selects every alert of the space."""
    filters: list[dict[str, Any]] = []
    if (time_range := window.range_query()) is not None:
        filters.append(time_range)
    if rule:
        filters.append(rule_filter(rule))
    if query:
        filters.append(query)
    if not filters:
        return {"match_all": {}}
    return {"bool": {"filter": filters}}
