"""F1: the search guard checked `query` only; aggregations and sorts carried unchecked queries.

A viewer of space A calls Kibana's signals/search. Queries hidden in aggregation filters (`filter`,
`filters`, `adjacency_matrix`, `significant_terms.background_filter`, `top_hits` highlights) and in
`sort[].nested.filter` ran painless through `wrapper`, read space B's alerts and the API-key index
with `terms` lookups, and used `percolate`/`more_like_this`/`has_child` as oracles. Each is now a
400 in the siem shape and Elasticsearch receives no search at all (docs/security.md, "The query
guard"); Kibana's own searches still pass, sent as the model re-serialises them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import orjson
import pytest

from alertstatus.engine.indices import alerts_alias
from tests.integration.hostile.recording import RecordingProxy, recording_proxy

SEARCH = "/api/detection_engine/signals/search"
SCRIPT_QUERY = {"script": {"script": {"source": "doc['host.name'].value.length() > 0"}}}


def wrapped(query: dict) -> dict:
    return {"wrapper": {"query": base64.b64encode(orjson.dumps(query)).decode()}}


def lookup(index: str, doc_id: str, path: str) -> dict:
    return {"terms": {"kibana.alert.rule.name": {"index": index, "id": doc_id, "path": path}}}


@pytest.fixture
def proxy(es_url: str) -> Iterator[RecordingProxy]:
    with recording_proxy(es_url) as proxy:
        yield proxy


@pytest.fixture
def other_space(seed, space) -> tuple[str, str]:
    """Space B and one of its alert ids: what a viewer of space A must not read."""
    other = f"{space}-b"
    return other, sorted(seed(other, 3))[0]


@pytest.fixture
def viewer(make_client, make_key, seed, space, proxy):
    """A viewer of space A only, whose service talks to Elasticsearch through the proxy."""
    seed(space, 5)
    return make_client(authorization=make_key("viewer", (space,)), ELASTICSEARCH_URL=proxy.url)


def hostile_bodies(other: str, other_id: str) -> dict[str, dict]:
    cross_space = lookup(alerts_alias(other), other_id, "kibana.alert.rule.name")
    api_keys = lookup(".alertstatus-api-keys", "bootstrap-admin", "role")
    return {
        "agg filter: wrapper around a script": {
            "size": 0,
            "aggs": {"t": {"filter": wrapped(SCRIPT_QUERY)}},
        },
        "agg filter: script": {"size": 0, "aggs": {"t": {"filter": SCRIPT_QUERY}}},
        "agg filter: terms lookup into another space": {
            "size": 0,
            "aggs": {"t": {"filter": cross_space}},
        },
        "agg filter: terms lookup into the api-key index": {
            "size": 0,
            "aggs": {"t": {"filter": api_keys}},
        },
        "agg filter: percolate": {
            "size": 0,
            "aggs": {"t": {"filter": {"percolate": {"field": "q", "index": "x", "id": "1"}}}},
        },
        "agg filter: more_like_this": {
            "size": 0,
            "aggs": {
                "t": {
                    "filter": {
                        "more_like_this": {
                            "like": [{"_index": alerts_alias(other), "_id": other_id}]
                        }
                    }
                }
            },
        },
        "agg filter: has_child": {
            "size": 0,
            "aggs": {"t": {"filter": {"has_child": {"type": "c", "query": {"match_all": {}}}}}},
        },
        "filters agg: lookup": {
            "size": 0,
            "aggs": {"t": {"filters": {"filters": {"leak": cross_space}}}},
        },
        "sub-aggregation filter: lookup": {
            "size": 0,
            "aggs": {
                "by_host": {
                    "terms": {"field": "host.name"},
                    "aggs": {"t": {"filter": api_keys}},
                }
            },
        },
        "adjacency_matrix": {
            "size": 0,
            "aggs": {"t": {"adjacency_matrix": {"filters": {"a": cross_space}}}},
        },
        "significant_terms background_filter": {
            "size": 0,
            "aggs": {
                "t": {"significant_terms": {"field": "host.name", "background_filter": cross_space}}
            },
        },
        "top_hits highlight query": {
            "size": 0,
            "aggs": {
                "t": {
                    "top_hits": {
                        "highlight": {"fields": {"*": {"highlight_query": wrapped(SCRIPT_QUERY)}}}
                    }
                }
            },
        },
        "sort nested filter": {
            "sort": [
                {"host.name": {"order": "asc", "nested": {"path": "x", "filter": cross_space}}}
            ]
        },
        "script sort": {"sort": [{"_script": {"type": "number", "script": {"source": "1"}}}]},
        "terms agg script": {
            "size": 0,
            "aggs": {"t": {"terms": {"script": {"source": "doc['host.name'].value"}}}},
        },
    }


CASES = list(hostile_bodies("b", "x"))


@pytest.mark.parametrize("case", CASES)
def test_hostile_search_is_refused_and_nothing_runs(case, viewer, proxy, other_space, space):
    body = hostile_bodies(*other_space)[case]
    proxy.clear()
    response = viewer.post(f"/s/{space}{SEARCH}", json=body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert set(answer) == {"message", "status_code"} and answer["status_code"] == 400
    assert proxy.to("_search") == [], "the refused search reached Elasticsearch"


def test_refusals_name_the_reason(viewer, other_space, space):
    bodies = hostile_bodies(*other_space)
    expected = {
        "agg filter: wrapper around a script": "query type [wrapper] is not allowed",
        "agg filter: terms lookup into another space": (
            "terms lookup reads other documents and is not allowed"
        ),
        "agg filter: terms lookup into the api-key index": (
            "terms lookup reads other documents and is not allowed"
        ),
        "agg filter: percolate": "query type [percolate] reads other documents and is not allowed",
        "agg filter: has_child": "query type [has_child] is not allowed",
        "adjacency_matrix": "aggregation type [adjacency_matrix] is not allowed",
        "significant_terms background_filter": (
            "aggregation type [significant_terms] is not allowed"
        ),
        "top_hits highlight query": "[aggs.t.top_hits.highlight] is not allowed",
        "sort nested filter": "[sort[0].host.name.nested] is not allowed",
    }
    for case, message in expected.items():
        response = viewer.post(f"/s/{space}{SEARCH}", json=bodies[case])
        assert response.json() == {"message": message, "status_code": 400}, case


def test_kibana_searches_still_run_as_re_serialised(viewer, proxy, space):
    """The alerts page's shapes: a bool filter, terms with a top_hits, a date histogram."""
    body = {
        "size": 0,
        "track_total_hits": True,
        "query": {
            "bool": {
                "filter": [
                    {
                        "bool": {
                            "must": [],
                            "filter": [{"match_phrase": {"kibana.alert.workflow_status": "open"}}],
                            "should": [],
                            "must_not": [{"exists": {"field": "kibana.alert.building_block_type"}}],
                        }
                    },
                    {
                        "range": {
                            "@timestamp": {
                                "gte": "2024-10-01T00:00:00.000Z",
                                "lte": "2025-01-01T00:00:00.000Z",
                                "format": "strict_date_optional_time",
                            }
                        }
                    },
                ]
            }
        },
        "aggs": {
            "alertsByRule": {
                "terms": {
                    "field": "kibana.alert.rule.name",
                    "size": 10,
                    "order": {"_count": "desc"},
                },
                "aggs": {
                    "latest": {
                        "top_hits": {
                            "size": 1,
                            "sort": [{"@timestamp": {"order": "desc"}}],
                            "_source": {"includes": ["kibana.alert.rule.name"]},
                        }
                    }
                },
            },
            "open": {"filter": {"term": {"kibana.alert.workflow_status": "open"}}},
            "severities": {
                "filters": {
                    "filters": {
                        "high": {"term": {"kibana.alert.severity": "high"}},
                        "low": {"term": {"kibana.alert.severity": "low"}},
                    }
                }
            },
            "overTime": {
                "date_histogram": {
                    "field": "@timestamp",
                    "fixed_interval": "1d",
                    "min_doc_count": 0,
                    "extended_bounds": {"min": "2024-11-01", "max": "2024-12-01"},
                }
            },
            "hosts": {"cardinality": {"field": "host.name"}},
        },
        "sort": [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
    }
    proxy.clear()
    response = viewer.post(f"/s/{space}{SEARCH}", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["hits"]["total"]["value"] == 5
    assert answer["aggregations"]["hosts"]["value"] >= 1
    (sent,) = proxy.to("_search")
    assert sent.body == {**body, "timeout": "30s"}  # all of it, nothing more than the timeout
