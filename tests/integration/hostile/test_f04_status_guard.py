"""F4: the status route's guard let a lookup or a hidden query through.

A `terms` lookup under the key `boost` or `_name` was taken for a parameter and not checked, yet
Elasticsearch ran it as a lookup on a field of that name; a query inside
`nested.inner_hits.highlight.highlight_query` was not looked at. Both are now a 400 in the siem
shape before Elasticsearch hears of the request, and no alert changes (docs/security.md).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path
from tests.integration.hostile.recording import RecordingProxy, recording_proxy

API_KEYS = ".alertstatus-api-keys"


@pytest.fixture
def proxy(es_url: str) -> Iterator[RecordingProxy]:
    with recording_proxy(es_url) as proxy:
        yield proxy


@pytest.fixture
def analyst(make_client, make_key, space, proxy):
    return make_client(authorization=make_key("analyst", (space,)), ELASTICSEARCH_URL=proxy.url)


def key_id(make_key) -> str:
    header = make_key("viewer", ("elsewhere",))
    return base64.b64decode(header.split()[1]).decode().split(":")[0]


def hostile_queries(stored_key: str) -> dict[str, tuple[dict, str]]:
    """Query and the refusal it gets."""
    api_key_lookup = {"index": API_KEYS, "id": stored_key, "path": "role"}
    wrapper = {"wrapper": {"query": base64.b64encode(b'{"match_all":{}}').decode()}}
    return {
        "terms lookup under boost": (
            {"terms": {"boost": api_key_lookup}},
            "[query.terms.boost]: must be a number",
        ),
        "terms lookup under _name": (
            {"terms": {"_name": api_key_lookup}},
            "[query.terms._name]: Input should be a valid string",
        ),
        "terms lookup under boost, nested in bool": (
            {"bool": {"filter": [{"match_all": {}}, {"terms": {"boost": api_key_lookup}}]}},
            "[query.bool.filter[1].terms.boost]: must be a number",
        ),
        "inner_hits highlight query": (
            {
                "nested": {
                    "path": "kibana.alert.ancestors",
                    "query": {"match_all": {}},
                    "inner_hits": {
                        "highlight": {"fields": {"*": {"highlight_query": wrapper}}},
                    },
                }
            },
            "[query.nested.inner_hits] is not allowed",
        ),
        "inner_hits sort with a nested filter": (
            {
                "nested": {
                    "path": "kibana.alert.ancestors",
                    "query": {"match_all": {}},
                    "inner_hits": {"sort": [{"x": {"nested": {"filter": wrapper}}}]},
                }
            },
            "[query.nested.inner_hits] is not allowed",
        ),
    }


CASES = list(hostile_queries("k"))


@pytest.mark.parametrize("case", CASES)
def test_hidden_lookups_and_queries_are_refused(
    case, analyst, proxy, es, seed, space, make_key
) -> None:
    before = seed(space, 5)
    query, message = hostile_queries(key_id(make_key))[case]
    proxy.clear()

    response = analyst.post(status_path(space), json={"query": query, "status": "closed"})

    assert (response.status_code, response.json()) == (
        400,
        {"message": message, "status_code": 400},
    )
    assert proxy.to("_update_by_query") == [] and proxy.to("_search") == []
    assert es.sources(alerts_alias(space)) == before


def test_boost_and_name_as_parameters_still_work(analyst, proxy, es, seed, space) -> None:
    before = seed(space, 4)
    chosen = sorted(before)[:2]
    query = {"terms": {"_id": chosen, "boost": 1.5, "_name": "chosen"}}
    proxy.clear()

    response = analyst.post(status_path(space), json={"query": query, "status": "closed"})

    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 2
    (sent,) = proxy.to("_update_by_query")
    assert sent.body["query"] == {"bool": {"filter": query}}
