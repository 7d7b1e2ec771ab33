"""F12: deep input made the service answer 500 instead of a documented 400.

A status `query` nested 900 levels deep reached the `range: null` repair (engine/query.py) before
the guard and overflowed Python's recursion; a KQL filter with 300 nested parentheses did the same
in the KQL parser of `GET /api/alerts/_find?filter=`. Both are now refused with a 400 in their
route's shape, and nothing is changed (docs/security.md).
"""

from __future__ import annotations

from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path

FIND = "/api/alerts/_find"


def deep_query(levels: int) -> dict:
    """A query whose JSON is `levels` objects deep (two per `bool`)."""
    query: dict = {"match_all": {}}
    for _ in range(levels // 2):
        query = {"bool": {"filter": query}}
    return query


def test_a_900_deep_status_query_is_a_400(client, es, seed, space) -> None:
    before = seed(space, 3)
    response = client.post(status_path(space), json={"query": deep_query(900), "status": "closed"})
    assert response.status_code == 400, response.text[:300]
    body = response.json()  # the guard's siem shape, or the JSON parser's platform shape
    assert body.get("status_code", body.get("statusCode")) == 400
    assert es.sources(alerts_alias(space)) == before


def test_a_900_deep_status_query_with_the_repair_off_is_a_400(make_client, space) -> None:
    client = make_client(repair_null_range=False)
    response = client.post(status_path(space), json={"query": deep_query(900), "status": "closed"})
    assert response.status_code == 400, response.text[:300]


def test_a_deep_query_within_the_parser_is_the_guards_400(client, space) -> None:
    """Deep enough to pass any JSON parser, too deep for the guard: its own message."""
    response = client.post(status_path(space), json={"query": deep_query(200), "status": "closed"})
    assert response.json() == {
        "message": "query is nested deeper than 64 levels",
        "status_code": 400,
    }


def test_kql_with_300_nested_parentheses_is_a_400(client) -> None:
    kql = "(" * 300 + "alert.attributes.tags: a" + ")" * 300
    response = client.get(FIND, params={"filter": kql})
    assert response.status_code == 400, response.text[:300]
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "KQLSyntaxError: filter is nested deeper than 20 levels",
    }


def test_kql_with_300_nots_is_a_400(client) -> None:
    response = client.get(FIND, params={"filter": "not " * 300 + "alert.attributes.tags: a"})
    assert response.status_code == 400, response.text[:300]
    assert response.json()["message"] == "KQLSyntaxError: filter is nested deeper than 20 levels"


def test_kql_within_the_bound_still_works(client) -> None:
    kql = "(" * 5 + "alert.attributes.tags: a or not alert.attributes.tags: b" + ")" * 5
    response = client.get(FIND, params={"filter": kql})
    assert response.status_code == 200, response.text
