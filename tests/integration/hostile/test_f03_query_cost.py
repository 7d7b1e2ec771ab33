"""F3: callers could lift Elasticsearch's regex safety cap, and nothing bounded a search's time.

`regexp` and `query_string` accepted `max_determinized_states` (and other cost knobs): a regexp
with the cap raised to 20 000 took seconds on 30 alerts, with no search timeout and a 3600 s
request timeout. Now a knob may only lower Elasticsearch's default, rewrite methods are refused,
patterns are bounded, and every search and by-query `_update_by_query` made for a caller's query
carries a timeout (ALERTSTATUS_SEARCH_TIMEOUT; docs/security.md, "The query guard").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path
from tests.integration.hostile.recording import RecordingProxy, recording_proxy

SEARCH = "/api/detection_engine/signals/search"
EXPENSIVE = "(a|b)*a(a|b){13}"  # 2^14 states once determinized: over the default cap of 10 000


@pytest.fixture
def proxy(es_url: str) -> Iterator[RecordingProxy]:
    with recording_proxy(es_url) as proxy:
        yield proxy


@pytest.fixture
def client(make_client, proxy):
    return make_client(ELASTICSEARCH_URL=proxy.url)


COSTLY_QUERIES = {
    "regexp lifting the determinization cap": {
        "regexp": {"host.name": {"value": EXPENSIVE, "max_determinized_states": 20_000}}
    },
    "query_string lifting the determinization cap": {
        "query_string": {"query": f"host.name:/{EXPENSIVE}/", "max_determinized_states": 20_000}
    },
    "fuzzy over the default expansions": {
        "fuzzy": {"host.name": {"value": "srv", "max_expansions": 10_000}}
    },
    "match_phrase_prefix over the default expansions": {
        "match_phrase_prefix": {"kibana.alert.reason": {"query": "a", "max_expansions": 10_000}}
    },
    "query_string fuzzy expansions": {
        "query_string": {"query": "host.name:srv~2", "fuzzy_max_expansions": 10_000}
    },
    "prefix with a scoring rewrite": {
        "prefix": {"host.name": {"value": "s", "rewrite": "scoring_boolean"}}
    },
    "wildcard with a top_terms rewrite": {
        "wildcard": {"host.name": {"value": "*a*", "rewrite": "top_terms_100000"}}
    },
    "query_string fuzzy rewrite": {
        "query_string": {"query": "srv~", "fuzzy_rewrite": "scoring_boolean"}
    },
    "match_phrase slop": {
        "match_phrase": {"kibana.alert.reason": {"query": "a b", "slop": 10_000}}
    },
    # a wildcard's cost grows faster than its length: `*a` 300 times is seconds of uncancellable
    # work per shard on Elasticsearch 7.10, 2500 times more than a quarter of an hour
    "wildcard pattern of 600 characters": {"wildcard": {"host.name": "*a" * 300}},
    "regexp pattern of 1000 characters": {"regexp": {"host.name": ".*a" * 333}},
    "query_string of 5000 characters": {"query_string": {"query": "a OR " * 1_000}},
    "patterns with 90 wildcards together": {
        "bool": {"should": [{"wildcard": {"host.name": "*a" * 30}} for _ in range(3)]}
    },
    "query_string with a long regexp": {"query_string": {"query": f"host.name:/{'.+a' * 70}/"}},
}


@pytest.mark.parametrize("case", list(COSTLY_QUERIES))
def test_cost_knobs_are_refused_on_both_routes(case, client, proxy, es, seed, space):
    before = seed(space, 5)
    query = COSTLY_QUERIES[case]
    proxy.clear()

    searched = client.post(f"/s/{space}{SEARCH}", json={"query": query})
    closed = client.post(status_path(space), json={"query": query, "status": "closed"})

    for response in (searched, closed):
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"message", "status_code"}
    assert proxy.to("_search") == [] and proxy.to("_update_by_query") == []
    assert es.sources(alerts_alias(space)) == before


def test_the_reported_regexp_is_refused_with_its_reason(client, space):
    query = COSTLY_QUERIES["regexp lifting the determinization cap"]
    response = client.post(status_path(space), json={"query": query, "status": "closed"})
    assert response.json() == {
        "message": "[query.regexp.host.name.max_determinized_states]: must be between 1 and "
        "10000 (Elasticsearch's default)",
        "status_code": 400,
    }


def test_lowering_a_cap_is_fine_and_every_search_carries_a_timeout(client, proxy, seed, space):
    seed(space, 5)
    cheap = {"regexp": {"host.name": {"value": "srv-0.*", "max_determinized_states": 1_000}}}
    proxy.clear()

    searched = client.post(f"/s/{space}{SEARCH}", json={"query": cheap, "size": 0})
    closed = client.post(status_path(space), json={"query": cheap, "status": "acknowledged"})

    assert searched.status_code == 200 and closed.status_code == 200, (searched.text, closed.text)
    (search,) = proxy.to("_search")
    assert search.body["timeout"] == "30s" and search.body["query"] == cheap
    (update,) = proxy.to("_update_by_query")
    assert update.params["search_timeout"] == "30s"
    assert update.body["query"] == {"bool": {"filter": cheap}}


def test_the_timeout_is_a_setting(make_client, proxy, seed, space):
    seed(space, 2)
    client = make_client(ELASTICSEARCH_URL=proxy.url, search_timeout=2.5)
    proxy.clear()
    client.post(f"/s/{space}{SEARCH}", json={"query": {"match_all": {}}})
    client.post(status_path(space), json={"query": {"match_all": {}}, "status": "closed"})
    assert proxy.to("_search")[0].body["timeout"] == "2500ms"
    assert proxy.to("_update_by_query")[0].params["search_timeout"] == "2500ms"


def test_an_expensive_regexp_under_the_default_cap_is_elasticsearchs_fast_400(client, seed, space):
    """Without the knob, Elasticsearch's own cap refuses the pattern at once."""
    seed(space, 5)
    response = client.post(
        f"/s/{space}{SEARCH}", json={"query": {"regexp": {"host.name": EXPENSIVE}}}
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 400
