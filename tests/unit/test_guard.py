"""The query guard (engine/guard.py): pure checks, no Elasticsearch."""

from __future__ import annotations

import pytest

from alertstatus.engine.guard import (
    QueryPolicy,
    check_query,
    check_runtime_mappings,
    check_selection,
)
from alertstatus.engine.model import AlertIds
from alertstatus.errors import QueryRefused

ALLOWED = [
    {"match_all": {}},
    {"term": {"kibana.alert.workflow_status": "open"}},
    {"terms": {"host.name": ["a", "b"], "boost": 2}},
    {"range": {"@timestamp": {"gte": "now-1d"}}},
    {
        "bool": {
            "filter": [{"exists": {"field": "x"}}],
            "must_not": {"ids": {"values": ["1"]}},
            "should": [],
            "minimum_should_match": 1,
        }
    },
    {"constant_score": {"filter": {"prefix": {"host.name": "web"}}}},
    {"dis_max": {"queries": [{"match": {"message": "x"}}, {"wildcard": {"a": "b*"}}]}},
    {
        "boosting": {
            "positive": {"match_all": {}},
            "negative": {"term": {"a": 1}},
            "negative_boost": 0.5,
        }
    },
    {"query_string": {"query": "host.name:web*"}},
    {"nested": {"path": "p", "query": {"match_all": {}}}},
]

REFUSED = [
    ({"script": {"script": "true"}}, "query type [script] runs a script and is not allowed"),
    (
        {"script_score": {"query": {"match_all": {}}, "script": {"source": "1"}}},
        "query type [script_score] runs a script and is not allowed",
    ),
    (
        {"function_score": {"query": {"match_all": {}}}},
        "query type [function_score] runs a script and is not allowed",
    ),
    ({"wrapper": {"query": "eyJtYXRjaF9hbGwiOnt9fQ=="}}, "query type [wrapper] is not allowed"),
    (
        {"percolate": {"field": "q", "index": "other", "id": "1"}},
        "query type [percolate] reads other documents and is not allowed",
    ),
    (
        {"more_like_this": {"like": [{"_index": "secrets", "_id": "1"}]}},
        "query type [more_like_this] reads other documents and is not allowed",
    ),
    (
        {"terms": {"user": {"index": "users", "id": "2", "path": "ids"}}},
        "terms lookup reads other documents and is not allowed",
    ),
    (
        {"terms_set": {"f": {"terms": ["a"], "minimum_should_match_script": {"source": "1"}}}},
        "query type [terms_set] with a script is not allowed",
    ),
    (
        {"has_child": {"type": "c", "query": {"match_all": {}}}},
        "query type [has_child] is not allowed",
    ),
    (
        {"geo_shape": {"l": {"indexed_shape": {"index": "shapes", "id": "x"}}}},
        "query type [geo_shape] is not allowed",
    ),
    (
        {"bool": {"filter": [{"bool": {"must": {"script": {"script": "1"}}}}]}},
        "query type [script] runs a script and is not allowed",
    ),
    ({}, "each query clause must be an object with exactly one query type"),
    (
        {"term": {"a": 1}, "match_all": {}},
        "each query clause must be an object with exactly one query type",
    ),
    (
        {"bool": {"filter": ["not a clause"]}},
        "each query clause must be an object with exactly one query type",
    ),
    ({"term": {"a": "x" * 10_001}}, "query strings are limited to 10000 characters"),
    ({"terms": {"a": list(range(65_537))}}, "terms queries are limited to 65536 values"),
]


@pytest.mark.parametrize("query", ALLOWED)
def test_allowed_queries_pass(query) -> None:
    check_query(query)


@pytest.mark.parametrize(("query", "message"), REFUSED)
def test_refused_queries_say_why(query, message) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query(query)
    assert str(refused.value) == message


def nested_bool(levels: int) -> dict:
    query: dict = {"match_all": {}}
    for _ in range(levels - 1):
        query = {"bool": {"filter": query}}
    return query


def test_depth_is_bounded() -> None:
    check_query(nested_bool(20))
    with pytest.raises(QueryRefused, match="nested deeper than 20 levels"):
        check_query(nested_bool(21))


def test_json_depth_is_bounded_inside_leaf_parameters() -> None:
    deep: dict = {"x": 1}
    for _ in range(70):
        deep = {"x": deep}
    with pytest.raises(QueryRefused, match="nested deeper than 64 levels"):
        check_query({"term": deep})


def test_clause_count_is_bounded() -> None:
    check_query({"bool": {"should": [{"term": {"a": i}} for i in range(1023)]}})
    with pytest.raises(QueryRefused, match="more than 1024 clauses"):
        check_query({"bool": {"should": [{"term": {"a": i}} for i in range(1024)]}})


def test_settings_can_allow_scripts_and_lookups() -> None:
    open_policy = QueryPolicy(allow_scripts=True, allow_lookups=True)
    check_query({"script": {"script": "true"}}, open_policy)
    check_query({"terms": {"user": {"index": "users", "id": "2", "path": "ids"}}}, open_policy)
    check_query({"function_score": {"query": {"match_all": {}}}}, open_policy)
    # the inner query of an allowed script clause is still checked
    with pytest.raises(QueryRefused, match="wrapper"):
        check_query({"script_score": {"query": {"wrapper": {"query": "e30="}}}}, open_policy)
    with pytest.raises(QueryRefused, match="wrapper"):
        check_query({"wrapper": {"query": "e30="}}, open_policy)


def test_runtime_mappings_with_scripts_are_refused() -> None:
    check_runtime_mappings({"f": {"type": "keyword"}})
    with pytest.raises(QueryRefused, match="runtime_mappings with scripts"):
        check_runtime_mappings({"f": {"type": "keyword", "script": {"source": "emit('x')"}}})
    check_runtime_mappings({"f": {"script": "emit('x')"}}, QueryPolicy(allow_scripts=True))


def test_id_selections_are_bounded() -> None:
    check_selection(AlertIds(("a" * 512,)))
    with pytest.raises(QueryRefused, match="limited to 512 bytes"):
        check_selection(AlertIds(("é" * 257,)))
    with pytest.raises(QueryRefused, match="at most 3 alert ids"):
        check_selection(AlertIds(("a", "b", "c", "d")), QueryPolicy(max_ids=3))
