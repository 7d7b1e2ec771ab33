"""The query guard: what a user-supplied selection query may contain (docs/security.md).

A query-based closure runs `_update_by_query` with the caller's query, as the service's own
Elasticsearch user. So a query may only *select alerts in the space's alias*: clauses that run code
(scripts) or read other documents or indices (lookups) are refused unless a setting allows them,
and size and depth are bounded. Anything not on the allow-list is refused, so a query type added
to Elasticsearch later is refused until someone looks at it. Pure code: no I/O, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from alertstatus.engine.model import AlertIds, AlertQuery, Selector
from alertstatus.errors import QueryRefused

# Clauses that only select documents of the target index by their own fields.
LEAF_QUERIES = frozenset(
    {
        "match_all",
        "match_none",
        "term",
        "terms",
        "terms_set",
        "range",
        "exists",
        "prefix",
        "wildcard",
        "regexp",
        "fuzzy",
        "ids",
        "match",
        "match_phrase",
        "match_phrase_prefix",
        "match_bool_prefix",
        "multi_match",
        "combined_fields",
        "query_string",
        "simple_query_string",
    }
)
# Compound clauses, and where their sub-queries sit (a clause or a list of clauses).
COMPOUND_QUERIES: dict[str, tuple[str, ...]] = {
    "bool": ("must", "filter", "should", "must_not"),
    "constant_score": ("filter",),
    "dis_max": ("queries",),
    "boosting": ("positive", "negative"),
    "nested": ("query",),
}
# Clauses that run Painless: allowed only with `query_allow_scripts`.
SCRIPT_QUERIES: dict[str, tuple[str, ...]] = {
    "script": (),
    "script_score": ("query",),
    "function_score": ("query",),
}
# Clauses that read other documents (possibly in other indices): only with `query_allow_lookups`.
LOOKUP_QUERIES = frozenset({"more_like_this", "percolate"})
# Never allowed: `wrapper` hides a base64 query the guard cannot see.
NEVER_QUERIES = frozenset({"wrapper"})


@dataclass(frozen=True, slots=True)
class QueryPolicy:
    """The bounds and switches a selection query is checked against."""

    allow_scripts: bool = False
    allow_lookups: bool = False
    max_depth: int = 20  # nesting of query clauses
    max_clauses: int = 1024  # every clause, at every level (Elasticsearch's max_clause_count)
    max_json_depth: int = 64  # nesting of objects and arrays anywhere in the query
    max_string_length: int = 10_000
    max_terms: int = 65_536  # values of one `terms` (Elasticsearch's index.max_terms_count)
    max_ids: int = 100_000  # ids in one request (the body limit usually binds first)
    max_id_length: int = 512  # bytes: Elasticsearch's own `_id` limit


DEFAULT_POLICY = QueryPolicy()


def check_selection(selector: Selector, policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """Bounds on ids, or the query guard; QueryRefused before anything reaches Elasticsearch."""
    match selector:
        case AlertIds(ids=ids):
            if len(ids) > policy.max_ids:
                raise QueryRefused(f"at most {policy.max_ids} alert ids per request")
            limit, short = policy.max_id_length, policy.max_id_length // 4  # 4 bytes/char max
            if any(len(i) > short and len(i.encode()) > limit for i in ids):
                raise QueryRefused(f"alert ids are limited to {policy.max_id_length} bytes")
        case AlertQuery(query=query):
            check_query(query, policy)


def check_query(query: Any, policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """Raise QueryRefused unless `query` is within `policy`; returns nothing on success."""
    _check_json(query, policy, depth=0)
    counter = [0]
    _check_clause(query, policy, depth=1, counter=counter)


def check_runtime_mappings(mappings: Any, policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """Runtime fields carry Painless scripts: refused unless scripts are allowed."""
    if not mappings:
        return
    if not isinstance(mappings, dict):
        raise QueryRefused("runtime_mappings must be an object")
    _check_json(mappings, policy, depth=0)
    if not policy.allow_scripts and any(_script_keys(mappings)):
        raise QueryRefused("runtime_mappings with scripts are not allowed")


def check_search(body: dict[str, Any], policy: QueryPolicy = DEFAULT_POLICY) -> None:
    """A `_search` body (Kibana's signals/search): the query under the same allow-list, and no
    Painless anywhere (runtime fields, script aggregations, `_script` sorts) unless allowed."""
    if "query" in body:
        check_query(body["query"], policy)
    check_runtime_mappings(body.get("runtime_mappings"), policy)
    rest = {key: value for key, value in body.items() if key not in ("query", "runtime_mappings")}
    _check_json(rest, policy, depth=0)
    if not policy.allow_scripts and any(_script_keys(rest)):
        raise QueryRefused("scripts are not allowed in searches")


def _check_json(node: Any, policy: QueryPolicy, depth: int) -> None:
    if depth > policy.max_json_depth:
        raise QueryRefused(f"query is nested deeper than {policy.max_json_depth} levels")
    if isinstance(node, dict):
        for key, value in node.items():
            _check_string(key, policy)
            _check_json(value, policy, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _check_json(item, policy, depth + 1)
    elif isinstance(node, str):
        _check_string(node, policy)
    elif isinstance(node, int) and not -(2**63) <= node < 2**64:
        raise QueryRefused("numbers are limited to 64 bits")  # JSON and Elasticsearch's longs


def _check_string(text: str, policy: QueryPolicy) -> None:
    if len(text) > policy.max_string_length:
        raise QueryRefused(f"query strings are limited to {policy.max_string_length} characters")


def _clauses(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _script_keys(node: Any) -> Iterator[str]:
    """Keys that carry Painless anywhere below `node` (`script`, `*_script`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "script" or key.endswith("_script"):
                yield key
            yield from _script_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _script_keys(item)


def _check_clause(clause: Any, policy: QueryPolicy, depth: int, counter: list[int]) -> None:
    if depth > policy.max_depth:
        raise QueryRefused(f"query clauses are nested deeper than {policy.max_depth} levels")
    counter[0] += 1
    if counter[0] > policy.max_clauses:
        raise QueryRefused(f"query has more than {policy.max_clauses} clauses")
    if not isinstance(clause, dict) or len(clause) != 1:
        raise QueryRefused("each query clause must be an object with exactly one query type")
    ((kind, body),) = clause.items()
    name = kind[:100]
    if kind in NEVER_QUERIES:
        raise QueryRefused(f"query type [{name}] is not allowed")
    if kind in SCRIPT_QUERIES:
        if not policy.allow_scripts:
            raise QueryRefused(f"query type [{name}] runs a script and is not allowed")
        _check_children(body, SCRIPT_QUERIES[kind], policy, depth, counter)
        return
    if kind in LOOKUP_QUERIES:
        if not policy.allow_lookups:
            raise QueryRefused(f"query type [{name}] reads other documents and is not allowed")
        return
    if kind in COMPOUND_QUERIES:
        if not isinstance(body, dict):
            raise QueryRefused(f"query type [{name}] must be an object")
        leftovers = {k: v for k, v in body.items() if k not in COMPOUND_QUERIES[kind]}
        _check_leaf_parameters(name, leftovers, policy)
        _check_children(body, COMPOUND_QUERIES[kind], policy, depth, counter)
        return
    if kind not in LEAF_QUERIES:
        raise QueryRefused(f"query type [{name}] is not allowed")
    if kind == "terms":
        _check_terms(body, policy)
    _check_leaf_parameters(name, body, policy)


def _check_children(
    body: Any, positions: tuple[str, ...], policy: QueryPolicy, depth: int, counter: list[int]
) -> None:
    if not isinstance(body, dict):
        return
    for position in positions:
        if position in body:
            for child in _clauses(body[position]):
                _check_clause(child, policy, depth + 1, counter)


def _check_leaf_parameters(name: str, body: Any, policy: QueryPolicy) -> None:
    if not policy.allow_scripts and any(_script_keys(body)):
        raise QueryRefused(f"query type [{name}] with a script is not allowed")


def _check_terms(body: Any, policy: QueryPolicy) -> None:
    """`terms` with a list of values is fine; an object is a lookup into another document."""
    if not isinstance(body, dict):
        raise QueryRefused("query type [terms] must be an object")
    for field, values in body.items():
        if field in ("boost", "_name"):
            continue
        if isinstance(values, dict):
            if not policy.allow_lookups:
                raise QueryRefused("terms lookup reads other documents and is not allowed")
        elif isinstance(values, list) and len(values) > policy.max_terms:
            raise QueryRefused(f"terms queries are limited to {policy.max_terms} values")
