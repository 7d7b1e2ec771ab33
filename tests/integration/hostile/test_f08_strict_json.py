"""F8: `NaN`, `Infinity` and `1e309` were read as floats and went to Elasticsearch as `null`, which
a range reads as "unbounded": "acknowledge where risk_score >= 1e309" changed all 30 alerts.

Now request bodies are strict JSON: no `NaN`/`Infinity`, no number beyond a double's range, no
key twice in one object. Such a body is malformed, answered as each dialect answers malformed JSON,
and nothing reaches Elasticsearch (docs/security.md, "Limits").
"""

from __future__ import annotations

import pytest

from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path

KIBANA_MALFORMED = {
    "statusCode": 400,
    "error": "Bad Request",
    "message": "Invalid request payload JSON format",
}
JSON = {"content-type": "application/json"}


def risk_at_least(bound: str) -> bytes:
    return (
        b'{"status": "acknowledged", "query": {"range": {"kibana.alert.risk_score": {"gte": '
        + bound.encode()
        + b"}}}}"
    )


@pytest.mark.parametrize("bound", ["1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1E400"])
def test_non_finite_numbers_are_malformed_json_and_change_nothing(
    make_client, seed, es, space, bound
):
    before = seed(space, 30)
    client = make_client()

    response = client.post(status_path(space), content=risk_at_least(bound), headers=JSON)

    assert (response.status_code, response.json()) == (400, KIBANA_MALFORMED)
    assert es.sources(alerts_alias(space)) == before


def test_finite_bounds_still_work(make_client, seed, space) -> None:
    seed(space, 30)
    client = make_client()
    none = client.post(status_path(space), content=risk_at_least("1e30"), headers=JSON)
    every = client.post(status_path(space), content=risk_at_least("-1.5e3"), headers=JSON)
    assert (none.status_code, none.json()["updated"]) == (200, 0)
    assert (every.status_code, every.json()["updated"]) == (200, 30)


def test_a_key_given_twice_is_malformed(make_client, seed, es, space) -> None:
    before = seed(space, 3)
    client = make_client()
    twice = b'{"status": "open", "query": {"match_all": {}}, "status": "closed"}'

    response = client.post(status_path(space), content=twice, headers=JSON)

    assert (response.status_code, response.json()) == (400, KIBANA_MALFORMED)
    assert es.sources(alerts_alias(space)) == before


def test_each_dialect_answers_its_malformed_json_shape(make_client, space) -> None:
    client = make_client(utmstack_space_id=space, chad_space_id=space)

    utmstack = client.post(
        "/api/utm-alerts/status", content=b'{"alertIds": ["a"], "status": NaN}', headers=JSON
    )
    chad = client.post(
        "/api/alerts/bulk/status", content=b'{"ids": ["a"], "status": Infinity}', headers=JSON
    )

    assert utmstack.status_code == 400
    assert utmstack.json()["message"] == "Malformed JSON request"
    assert chad.status_code == 422  # CHAD is FastAPI: every malformed body is its 422
    assert chad.json()["detail"][0]["type"] == "json_invalid"
