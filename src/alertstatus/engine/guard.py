"""The query guard: what a caller's query, search or id list may hold (docs/security.md).

Queries run as the service's own Elasticsearch user, so a query may only *select alerts in the
space's alias by their own fields*. Every query the API accepts (a status selection, a search with
its aggregations and sorts, a CLI query file, the compiled KQL of the rules API) is parsed into
the typed model of engine/querymodel/ and Elasticsearch gets only what that model re-serialises:
an unknown type or parameter is refused, not passed on. Before the model, a cheap walk bounds the
JSON itself (depth, string length, integer size), so no later step recurses into hostile nesting.
Pure code: no I/O, no HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from alertstatus.engine.query import repair_null_ranges
from alertstatus.engine.querymodel.base import GUARD_CONTEXT, FieldName, GuardState
from alertstatus.engine.querymodel.policy import DEFAULT_POLICY, QueryPolicy
from alertstatus.engine.querymodel.queries import Query
from alertstatus.engine.querymodel.refusals import refusal
from alertstatus.engine.querymodel.search import RuntimeField, SearchBody
from alertstatus.errors import QueryRefused

__all__ = [
    "DEFAULT_POLICY",
    "QueryPolicy",
    "allowed_query",
    "allowed_runtime_mappings",
    "allowed_search",
    "check_ids",
    "check_json",
]

QUERY_MODEL: TypeAdapter[Any] = TypeAdapter(Query)
SEARCH_MODEL: TypeAdapter[SearchBody] = TypeAdapter(SearchBody)
RUNTIME_MODEL: TypeAdapter[dict[str, RuntimeField]] = TypeAdapter(dict[FieldName, RuntimeField])


def check_ids(ids: Sequence[str], policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """Bounds on an id selection; QueryRefused before anything reaches Elasticsearch."""
    if len(ids) > policy.max_ids:
        raise QueryRefused(f"at most {policy.max_ids} alert ids per request")
    limit, short = policy.max_id_length, policy.max_id_length // 4  # 4 bytes/char max
    if any(len(i) > short and len(i.encode()) > limit for i in ids):
        raise QueryRefused(f"alert ids are limited to {policy.max_id_length} bytes")


def allowed_query(
    query: Any, policy: QueryPolicy = DEFAULT_POLICY, *, repair_null_range: bool = False
) -> dict[str, Any]:
    """The query as the model re-serialises it; QueryRefused when it is outside `policy`.

    `repair_null_range` first rewrites Kibana's documented `range: null` slip (engine/query.py),
    after the JSON bounds, so the repair never sees deeper nesting than the guard allows.
    """
    check_json(query, policy)
    if repair_null_range:
        query = repair_null_ranges(query)
    return _validated(QUERY_MODEL, query, policy, root="query")


def allowed_search(body: Any, policy: QueryPolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """A `_search` body (query, aggregations, sort, ...) as the model re-serialises it, with
    Elasticsearch's `timeout` set from the policy; QueryRefused when outside `policy`.

    An empty `runtime_mappings` is dropped (it means nothing; Elasticsearch 7.10 refuses it)."""
    check_json(body, policy)
    if not isinstance(body, dict):
        raise QueryRefused("a search body must be an object")
    _check_runtime_count(body.get("runtime_mappings"), policy)
    return {**_validated(SEARCH_MODEL, body, policy, root=""), "timeout": policy.timeout}


def allowed_runtime_mappings(mappings: Any, policy: QueryPolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """Runtime fields for a status change's query, typed as a search's are (a script only where
    the policy allows scripts); an empty or absent one is `{}`. QueryRefused otherwise."""
    if not mappings:
        return {}
    check_json(mappings, policy)
    _check_runtime_count(mappings, policy)
    return _validated(RUNTIME_MODEL, mappings, policy, root="runtime_mappings")


def _check_runtime_count(mappings: Any, policy: QueryPolicy) -> None:
    if isinstance(mappings, dict) and len(mappings) > policy.max_runtime_fields:
        raise QueryRefused(
            f"at most {policy.max_runtime_fields} runtime fields per request (got {len(mappings)})"
        )


def _validated(
    model: TypeAdapter[Any], value: Any, policy: QueryPolicy, *, root: str
) -> dict[str, Any]:
    try:
        parsed = model.validate_python(value, context={GUARD_CONTEXT: GuardState(policy)})
    except ValidationError as error:
        raise refusal(error, root) from error
    return model.dump_python(parsed, by_alias=True, exclude_unset=True)


def check_json(node: Any, policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """Depth, string length and integer size of any JSON value, without recursion."""
    pending: list[tuple[Any, int]] = [(node, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > policy.max_json_depth:
            raise QueryRefused(f"query is nested deeper than {policy.max_json_depth} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, policy)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_string(value, policy)
        elif isinstance(value, int) and not -(2**63) <= value < 2**64:
            raise QueryRefused("numbers are limited to 64 bits")  # JSON and Elasticsearch's longs


def _check_string(text: str, policy: QueryPolicy) -> None:
    if len(text) > policy.max_string_length:
        raise QueryRefused(f"query strings are limited to {policy.max_string_length} characters")
