"""The query guard (engine/guard.py) and its typed model: pure checks, no Elasticsearch."""

from __future__ import annotations

import pytest

from alertstatus.engine.guard import QueryPolicy, allowed_query, allowed_search, check_ids
from alertstatus.errors import QueryRefused

# Each is accepted and re-serialised exactly as sent: the model keeps every member and form.
ALLOWED = [
    {"match_all": {}},
    {"match_none": {"_name": "nothing"}},
    {"term": {"kibana.alert.workflow_status": "open"}},
    {"term": {"kibana.alert.risk_score": {"value": 21, "boost": 2, "case_insensitive": False}}},
    {"terms": {"host.name": ["a", "b"], "boost": 2}},
    {"terms": {"_id": ["x"], "_name": "by id"}},
    {"range": {"@timestamp": {"gte": "now-1d"}}},
    {"range": {"@timestamp": {"gte": None, "lt": 5, "format": "epoch_millis", "time_zone": "Z"}}},
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
    {
        "query_string": {
            "query": "host.name:web* AND NOT user.name:root",
            "analyze_wildcard": True,
            "time_zone": "Europe/Paris",
            "default_field": "*",
        }
    },
    {"simple_query_string": {"query": "web", "fields": ["name"], "default_operator": "OR"}},
    {"nested": {"path": "p", "query": {"match_all": {}}, "score_mode": "none"}},
    {"regexp": {"host.name": {"value": "srv-0[0-9]+", "flags": "ALL", "case_insensitive": True}}},
    {"regexp": {"host.name": {"value": "srv.*", "max_determinized_states": 500}}},
    {"wildcard": {"host.name": {"wildcard": "*srv*"}}},
    {"fuzzy": {"user.name": {"value": "alise", "fuzziness": "AUTO", "max_expansions": 10}}},
    {"match": {"kibana.alert.reason": {"query": "x y", "operator": "and", "fuzziness": 1}}},
    {"match_phrase": {"kibana.alert.workflow_status": "open"}},
    {"match_phrase": {"kibana.alert.reason": {"query": "a b", "slop": 2}}},
    {"match_phrase_prefix": {"kibana.alert.reason": {"query": "a b", "max_expansions": 5}}},
    {"match_bool_prefix": {"kibana.alert.reason": "quick brown f"}},
    {"multi_match": {"query": "x", "fields": ["a", "b^2"], "type": "phrase"}},
    {"terms_set": {"f": {"terms": ["a", "b"], "minimum_should_match_field": "n"}}},
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
    # a lookup where a parameter is expected is not a parameter
    (
        {"terms": {"boost": {"index": "users", "id": "2", "path": "ids"}}},
        "[query.terms.boost]: must be a number",
    ),
    (
        {"terms": {"_name": {"index": "users", "id": "2", "path": "ids"}}},
        "[query.terms._name]: Input should be a valid string",
    ),
    (
        {"terms_set": {"f": {"terms": ["a"], "minimum_should_match_script": {"source": "1"}}}},
        "[query.terms_set.f.minimum_should_match_script]: scripts are not allowed",
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
    (
        {"nested": {"path": "p", "query": {"match_all": {}}, "inner_hits": {}}},
        "[query.nested.inner_hits] is not allowed",
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
    ({"term": {"a": 1, "b": 2}}, "[query.term]: must name exactly one field"),
    (
        {"term": {"a": {"value": 1, "boost": 2}, "boost": 3}},
        "[query.term]: must name exactly one field",
    ),
    ({"term": {"a": ["x"]}}, "[query.term.a]: must be a string, a number or a boolean"),
    ({"term": {"a": {"value": 1, "unknown": 2}}}, "[query.term.a.unknown] is not allowed"),
    ({"exists": {}}, "[query.exists.field] is required"),
    ({"match_all": {"boost": "2"}}, "[query.match_all.boost]: must be a number"),
    (
        {"bool": {"filter": [{"match_all": {}}, {"range": {"t": {"gte": {"x": 1}}}}]}},
        "[query.bool.filter[1].range.t.gte]: must be a string or a number",
    ),
    ({"term": {"a": "x" * 10_001}}, "query strings are limited to 10000 characters"),
    ({"terms": {"a": list(range(65_537))}}, "terms queries are limited to 65536 values"),
    ({"ids": {"values": ["a"] * 65_537}}, "terms queries are limited to 65536 values"),
]

# Cost knobs: only lower than Elasticsearch's defaults, or not at all (docs/security.md).
COSTLY = [
    (
        {"regexp": {"h": {"value": "(a|b)*a(a|b){13}", "max_determinized_states": 20_000}}},
        "[query.regexp.h.max_determinized_states]: must be between 1 and 10000 "
        "(Elasticsearch's default)",
    ),
    (
        {"query_string": {"query": "/a+/", "max_determinized_states": 10_001}},
        "[query.query_string.max_determinized_states]: must be between 1 and 10000 "
        "(Elasticsearch's default)",
    ),
    (
        {"fuzzy": {"h": {"value": "a", "max_expansions": 51}}},
        "[query.fuzzy.h.max_expansions]: must be between 1 and 50 (Elasticsearch's default)",
    ),
    (
        {"query_string": {"query": "a~", "fuzzy_max_expansions": 1_000}},
        "[query.query_string.fuzzy_max_expansions]: must be between 1 and 50 "
        "(Elasticsearch's default)",
    ),
    (
        {"match_phrase": {"h": {"query": "a b", "slop": 101}}},
        "[query.match_phrase.h.slop]: must be between 0 and 100",
    ),
    (
        {"prefix": {"h": {"value": "a", "rewrite": "scoring_boolean"}}},
        "[query.prefix.h.rewrite] is not allowed",
    ),
    (
        {"query_string": {"query": "a~", "fuzzy_rewrite": "top_terms_10000"}},
        "[query.query_string.fuzzy_rewrite] is not allowed",
    ),
    (
        {"match": {"h": {"query": "a", "cutoff_frequency": 0.1}}},
        "[query.match.h.cutoff_frequency] is not allowed",
    ),
    (
        {"regexp": {"h": {"value": "a", "flags": "ALL|MAGIC"}}},
        "[query.regexp.h.flags]: must be flags joined by '|' among ALL ANYSTRING AUTOMATON "
        "COMPLEMENT EMPTY INTERSECTION INTERVAL NONE",
    ),
    (
        {"regexp": {"h": "a" * 257}},
        "regexp, wildcard, prefix and fuzzy patterns are limited to 256 characters",
    ),
    (
        {"wildcard": {"h": {"value": "a" * 257}}},
        "regexp, wildcard, prefix and fuzzy patterns are limited to 256 characters",
    ),
    (
        {"prefix": {"h": "a" * 257}},
        "regexp, wildcard, prefix and fuzzy patterns are limited to 256 characters",
    ),
    (
        {"bool": {"should": [{"wildcard": {"h": "*a" * 22}} for _ in range(3)]}},
        "patterns of one request hold at most 64 wildcard or repetition operators (*, +, ?, {)",
    ),
    (
        {"query_string": {"query": "h:/(.+a){3}/ OR " + "x* " * 63}},
        "patterns of one request hold at most 64 wildcard or repetition operators (*, +, ?, {)",
    ),
    (
        {"query_string": {"query": "a " * 2_049}},
        "query_string queries are limited to 4096 characters",
    ),
]


@pytest.mark.parametrize("query", ALLOWED)
def test_allowed_queries_are_re_serialised_whole(query) -> None:
    assert allowed_query(query) == query


@pytest.mark.parametrize(("query", "message"), REFUSED + COSTLY)
def test_refused_queries_say_why(query, message) -> None:
    with pytest.raises(QueryRefused) as refused:
        allowed_query(query)
    assert str(refused.value) == message


def test_nothing_undeclared_survives_re_serialisation() -> None:
    """The output is built from the model: no member of the input is passed on unchecked."""
    query = {"bool": {"filter": [{"term": {"a": {"value": 1}}}]}}
    sent = allowed_query(query)
    assert sent == query and sent is not query
    assert sent["bool"]["filter"] is not query["bool"]["filter"]


def test_kibanas_range_null_slip_is_repaired_when_asked() -> None:
    slip = {"@timestamp": {"gte": "now-1d", "format": "strict_date_optional_time"}, "range": None}
    repaired = {"range": {"@timestamp": {"gte": "now-1d", "format": "strict_date_optional_time"}}}
    assert allowed_query({"bool": {"filter": [slip]}}, repair_null_range=True) == {
        "bool": {"filter": [repaired]}
    }
    with pytest.raises(QueryRefused, match="exactly one query type"):
        allowed_query(slip)


def nested_bool(levels: int) -> dict:
    query: dict = {"match_all": {}}
    for _ in range(levels - 1):
        query = {"bool": {"filter": query}}
    return query


def test_depth_is_bounded() -> None:
    allowed_query(nested_bool(20))
    with pytest.raises(QueryRefused, match="nested deeper than 20 levels"):
        allowed_query(nested_bool(21))


def test_json_depth_is_bounded_before_anything_recurses() -> None:
    deep: dict = {"x": 1}
    for _ in range(5_000):
        deep = {"x": deep}
    for repair in (True, False):
        with pytest.raises(QueryRefused, match="nested deeper than 64 levels"):
            allowed_query({"term": deep}, repair_null_range=repair)


def test_clause_count_is_bounded() -> None:
    allowed_query({"bool": {"should": [{"term": {"a": i}} for i in range(1023)]}})
    with pytest.raises(QueryRefused, match="more than 1024 clauses"):
        allowed_query({"bool": {"should": [{"term": {"a": i}} for i in range(1024)]}})


def test_settings_can_allow_scripts_and_lookups() -> None:
    open_policy = QueryPolicy(allow_scripts=True, allow_lookups=True)
    for query in (
        {"script": {"script": "true"}},
        {"script": {"script": {"source": "doc['a'].value > params.x", "params": {"x": 1}}}},
        {"terms": {"user": {"index": "users", "id": "2", "path": "ids"}}},
        {"function_score": {"query": {"match_all": {}}, "functions": [{"weight": 2}]}},
        {"terms_set": {"f": {"terms": ["a"], "minimum_should_match_script": {"source": "1"}}}},
        {"more_like_this": {"like": [{"_index": "x", "_id": "1"}, "text"], "min_term_freq": 1}},
        {"percolate": {"field": "q", "document": {"a": 1}}},
    ):
        assert allowed_query(query, open_policy) == query
    # the inner query of an allowed script clause is still checked
    with pytest.raises(QueryRefused, match="wrapper"):
        allowed_query({"script_score": {"query": {"wrapper": {"query": "e30="}}}}, open_policy)
    with pytest.raises(QueryRefused, match="wrapper"):
        allowed_query({"wrapper": {"query": "e30="}}, open_policy)
    with pytest.raises(QueryRefused, match="is not allowed"):  # still typed when allowed
        allowed_query({"script": {"script": "1", "lang": "expression"}}, open_policy)
    # only scripts, only lookups: each switch opens its own door
    with pytest.raises(QueryRefused, match="reads other documents"):
        allowed_query({"percolate": {"field": "q"}}, QueryPolicy(allow_scripts=True))
    with pytest.raises(QueryRefused, match="runs a script"):
        allowed_query({"script": {"script": "1"}}, QueryPolicy(allow_lookups=True))


def test_id_selections_are_bounded() -> None:
    check_ids(("a" * 512,))
    with pytest.raises(QueryRefused, match="limited to 512 bytes"):
        check_ids(("é" * 257,))
    with pytest.raises(QueryRefused, match="at most 3 alert ids"):
        check_ids(("a", "b", "c", "d"), QueryPolicy(max_ids=3))


# --- searches: query, aggregations, sort, runtime fields ---------------------------------------

KIBANA_SEARCHES = [
    {
        "size": 0,
        "query": {"bool": {"filter": [{"term": {"kibana.alert.workflow_status": "open"}}]}},
        "aggs": {
            "alertsByGrouping": {
                "terms": {
                    "field": "host.name",
                    "missing": "(none)",
                    "order": {"_count": "desc"},
                    "size": 10,
                },
                "aggs": {
                    "alerts": {
                        "date_histogram": {
                            "field": "@timestamp",
                            "fixed_interval": "2699999ms",
                            "min_doc_count": 0,
                            "extended_bounds": {"min": 1730419200000, "max": 1733011200000},
                        }
                    }
                },
            }
        },
        "runtime_mappings": {"x": {"type": "keyword"}},
    },
    {
        "aggs": {
            "statusBySeverity": {
                "terms": {"field": "kibana.alert.workflow_status"},
                "aggs": {"severity": {"terms": {"field": "kibana.alert.severity"}}},
            },
            "rules": {
                "terms": {"field": "kibana.alert.rule.name", "size": 1000},
                "aggs": {
                    "last": {
                        "top_hits": {
                            "size": 1,
                            "sort": [{"@timestamp": {"order": "desc"}}],
                            "_source": ["kibana.alert.rule.name"],
                        }
                    },
                    "truncate": {
                        "bucket_sort": {"sort": [{"_count": "desc"}], "from": 0, "size": 25}
                    },
                },
            },
            "hosts": {"cardinality": {"field": "host.name", "precision_threshold": 100}},
            "risk": {"stats": {"field": "kibana.alert.risk_score"}},
            "maxRisk": {"max": {"field": "kibana.alert.risk_score", "missing": 0}},
            "count": {"value_count": {"field": "host.name"}},
            "missingFields": {"missing": {"field": "host.name"}},  # Kibana's grouping example
            "scores": {"histogram": {"field": "kibana.alert.risk_score", "interval": 10}},
            "ranges": {
                "range": {
                    "field": "kibana.alert.risk_score",
                    "ranges": [{"to": 50}, {"from": 50, "key": "high"}],
                }
            },
            "recent": {"date_range": {"field": "@timestamp", "ranges": [{"from": "now-7d"}]}},
            "open": {
                "filter": {"term": {"kibana.alert.workflow_status": "open"}},
                "meta": {"panel": 1},
            },
            "states": {
                "filters": {
                    "filters": [{"match_all": {}}, {"exists": {"field": "x"}}],
                    "other_bucket": True,
                }
            },
        },
        "size": 25,
        "track_total_hits": 10_000,
        "_source": {"includes": ["kibana.*"], "excludes": ["kibana.alert.ancestors"]},
        "fields": ["@timestamp", {"field": "@timestamp", "format": "epoch_millis"}],
        "sort": ["_score", {"@timestamp": "desc"}, {"a": {"order": "asc", "missing": "_last"}}],
    },
    {
        "query": {"match_all": {}},
        "sort": {"@timestamp": {"order": "desc", "unmapped_type": "date"}},
    },
]


@pytest.mark.parametrize("body", KIBANA_SEARCHES)
def test_kibana_searches_are_re_serialised_whole_with_a_timeout(body) -> None:
    assert allowed_search(body) == {**body, "timeout": "30s"}


def test_the_timeout_comes_from_the_policy() -> None:
    assert allowed_search({"size": 0}, QueryPolicy(search_timeout=0.25))["timeout"] == "250ms"
    assert allowed_search({"size": 0}, QueryPolicy(search_timeout=120))["timeout"] == "120s"


def test_an_empty_runtime_mappings_is_dropped() -> None:
    assert allowed_search({"runtime_mappings": {}, "size": 0}) == {"size": 0, "timeout": "30s"}


SEARCH_REFUSED = [
    (
        {"aggs": {"t": {"filter": {"wrapper": {"query": "e30="}}}}},
        "query type [wrapper] is not allowed",
    ),
    (
        {"aggs": {"t": {"filter": {"terms": {"a": {"index": "i", "id": "1", "path": "p"}}}}}},
        "terms lookup reads other documents and is not allowed",
    ),
    (
        {"aggs": {"t": {"filters": {"filters": {"x": {"percolate": {"field": "q"}}}}}}},
        "query type [percolate] reads other documents and is not allowed",
    ),
    (
        {"aggs": {"a": {"terms": {"field": "x"}, "aggs": {"b": {"filter": {"has_child": {}}}}}}},
        "query type [has_child] is not allowed",
    ),
    (
        {"aggs": {"t": {"adjacency_matrix": {"filters": {"a": {"match_all": {}}}}}}},
        "aggregation type [adjacency_matrix] is not allowed",
    ),
    (
        {"aggs": {"t": {"significant_terms": {"field": "x", "background_filter": {}}}}},
        "aggregation type [significant_terms] is not allowed",
    ),
    (
        {"aggs": {"t": {"scripted_metric": {"map_script": "1"}}}},
        "aggregation type [scripted_metric] is not allowed",
    ),
    ({"aggs": {"t": {"terms": {"script": "1"}}}}, "[aggs.t.terms.script]: scripts are not allowed"),
    (
        {"aggs": {"t": {"top_hits": {"highlight": {"fields": {"*": {}}}}}}},
        "[aggs.t.top_hits.highlight] is not allowed",
    ),
    (
        {"aggs": {"t": {"top_hits": {"script_fields": {"x": {"script": "1"}}}}}},
        "[aggs.t.top_hits.script_fields] is not allowed",
    ),
    (
        {"aggs": {"t": {"top_hits": {"size": 101}}}},
        "[aggs.t.top_hits.size]: must be between 0 and 100",
    ),
    (
        {"aggs": {"t": {"top_hits": {"sort": [{"_script": {"script": "1"}}]}}}},
        "[aggs.t.top_hits.sort[0]._script]: sorts are by field only",
    ),
    (
        {"aggs": {"t": {"terms": {"field": "x"}, "extra": {}}}},
        "each aggregation must be an object with exactly one aggregation type",
    ),
    (
        {"aggs": {"a[0]": {"max": {"field": "x"}}}},
        "[aggs.a[0]]: aggregation names are not empty and hold no '[', ']' or '>'",
    ),
    (
        {"sort": [{"_script": {"type": "number", "script": "1"}}]},
        "[sort[0]._script]: sorts are by field only",
    ),
    ({"sort": {"a": {"nested": {"path": "p", "filter": {}}}}}, "[sort.a.nested] is not allowed"),
    ({"sort": {"a": "up"}}, "[sort.a]: Input should be 'asc' or 'desc'"),
    ({"sort": {}}, "[sort]: must name a field"),
    (
        {"runtime_mappings": {"f": {"type": "keyword", "script": {"source": "emit('x')"}}}},
        "[runtime_mappings.f.script]: scripts are not allowed",
    ),
    (
        {"runtime_mappings": {"f": {"type": "lookup"}}},
        "[runtime_mappings.f.type]: Input should be 'boolean', 'date', 'double', 'geo_point', "
        "'ip', 'keyword' or 'long'",
    ),
    ({"query": {"match_all": {}}, "script_fields": {}}, "[script_fields] is not allowed"),
]


@pytest.mark.parametrize(("body", "message"), SEARCH_REFUSED)
def test_refused_searches_say_why(body, message) -> None:
    with pytest.raises(QueryRefused) as refused:
        allowed_search(body)
    assert str(refused.value) == message


def test_aggregations_are_bounded() -> None:
    deep: dict = {"max": {"field": "x"}}
    for _ in range(5):
        deep = {"terms": {"field": "x"}, "aggs": {"a": deep}}
    with pytest.raises(QueryRefused, match="aggregations are nested deeper than 5 levels"):
        allowed_search({"aggs": {"a": deep}})
    many = {f"a{i}": {"max": {"field": "x"}} for i in range(101)}
    with pytest.raises(QueryRefused, match="at most 100 aggregations"):
        allowed_search({"aggs": many})


def test_scripts_in_searches_follow_the_switch() -> None:
    open_policy = QueryPolicy(allow_scripts=True)
    body = {
        "aggs": {"t": {"terms": {"script": {"source": "doc['x'].value"}}}},
        "runtime_mappings": {"f": {"type": "keyword", "script": {"source": "emit('x')"}}},
    }
    assert allowed_search(body, open_policy) == {**body, "timeout": "30s"}
    with pytest.raises(QueryRefused, match="sorts are by field only"):  # never a script sort
        allowed_search({"sort": {"_script": {"script": "1"}}}, open_policy)


def test_the_range_null_repair_never_recurses_past_its_bound() -> None:
    from alertstatus.engine.query import repair_null_ranges

    deep: dict = {"match_all": {}}
    for _ in range(5_000):
        deep = {"bool": {"filter": deep}}
    assert repair_null_ranges(deep) == deep  # untouched below the bound, no RecursionError
