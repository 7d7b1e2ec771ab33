"""UTMStack's `POST /api/utm-alerts/status` (seed 003) on the real node."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from alertstatus.engine.indices import alerts_alias
from tests.integration.dialect_helpers import doc_id, history, put_alerts, source_of

PATH = "/api/utm-alerts/status"
A, B, C = (
    "c1c4e32c-dd9f-4a15-98c4-0dac2af40740",
    "7a12c4f3-894c-4e2a-9f1b-c7c7a0b84522",
    "9b34f5e7-123a-456b-789c-def012345678",
)

# The seed's request bodies, verbatim.
SEED_CURL = json.loads("""{
"alertIds": ["c1c4e32c-dd9f-4a15-98c4-0dac2af40740"],
"status": 3,
"statusObservation": "Reviewed and confirmed as false positive",
"addFalsePositiveTag": true
}""")
SEED_FALSE_POSITIVE = {
    "alertIds": [A],
    "status": 5,
    "statusObservation": "Confirmed false positive after investigation",
    "addFalsePositiveTag": True,
}
SEED_REVIEW = {
    "alertIds": [B],
    "status": 3,
    "statusObservation": "Escalated to security team for detailed analysis",
}
SEED_BULK = {
    "alertIds": [A, B, C],
    "status": 5,
    "statusObservation": "Bulk closure after investigation completed",
}


@pytest.fixture
def utm(make_client, space):
    return make_client(utmstack_space_id=space)


def assert_empty_200(response) -> None:
    assert response.status_code == 200, response.text
    assert response.content == b""
    assert response.headers["content-length"] == "0"


def test_seed_curl_example_reviews_and_tags(utm, es, es_url, space) -> None:
    put_alerts(es, es_url, space, [A])

    assert_empty_200(utm.post(PATH, json=SEED_CURL))

    source = source_of(es, space, A)
    assert source["kibana.alert.workflow_status"] == "in-progress"
    assert source["kibana.alert.workflow_tags"] == ["False positive"]
    (entry,) = es.history(source)
    assert (entry["from"], entry["to"], entry["dialect"]) == ("open", "in-progress", "utmstack")
    assert entry["note"] == SEED_CURL["statusObservation"]
    read = utm.get(f"/api/utm-alerts/{A}").json()
    assert read == {
        "id": A,
        "status": 3,
        "statusLabel": "IN_REVIEW",
        "statusObservation": SEED_CURL["statusObservation"],
        "tags": ["False positive"],
    }


def test_seed_usage_examples(utm, es, es_url, space) -> None:
    put_alerts(es, es_url, space, [A, B, C])

    assert_empty_200(utm.post(PATH, json=SEED_FALSE_POSITIVE))
    source = source_of(es, space, A)
    assert (source["kibana.alert.workflow_status"], source["kibana.alert.workflow_reason"]) == (
        "closed",
        "false_positive",
    )
    assert source["kibana.alert.workflow_tags"] == ["False positive"]

    assert_empty_200(utm.post(PATH, json=SEED_REVIEW))
    assert source_of(es, space, B)["kibana.alert.workflow_status"] == "in-progress"
    assert source_of(es, space, B)["kibana.alert.workflow_tags"] == []

    assert_empty_200(utm.post(PATH, json=SEED_BULK))
    for alert in (A, B, C):
        assert utm.get(f"/api/utm-alerts/{alert}").json()["status"] == 5
    # A was already COMPLETED: no second history entry; B and C moved once more
    assert [e["to"] for e in history(es, space, A)] == ["closed"]
    assert [e["to"] for e in history(es, space, B)] == ["in-progress", "closed"]
    assert history(es, space, C)[0]["note"] == SEED_BULK["statusObservation"]
    # the false positive stays one: the tag keeps it (CHAD reads it as false_positive)
    assert source_of(es, space, A)["kibana.alert.workflow_reason"] == "false_positive"


def test_unknown_id_is_404_in_the_seeds_shape_and_changes_nothing(utm, es, es_url, space) -> None:
    put_alerts(es, es_url, space, [A, B])
    before = es.sources(alerts_alias(space))
    response = utm.post(PATH, json=SEED_BULK)  # C does not exist
    assert response.status_code == 404
    body = response.json()
    assert list(body) == ["error", "message", "timestamp", "status"]
    assert (body["error"], body["status"]) == ("Invalid alert ID", 404)
    assert body["message"] == f"Alert with ID '{C}' not found"
    assert body["timestamp"].endswith("Z")
    assert es.sources(alerts_alias(space)) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"status": 3},
        {"alertIds": [A]},
        {"alertIds": ["invalid-uuid"], "status": 3},
        {"alertIds": [A], "status": 4},
        {"alertIds": [], "status": 3},
        {"alertIds": [A], "status": 3, "addFalsePositiveTag": "maybe"},
    ],
)
def test_invalid_payload_is_400(utm, es, es_url, space, payload) -> None:
    put_alerts(es, es_url, space, [A])
    response = utm.post(PATH, json=payload)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["status"], body["error"], body["path"]) == (400, "Bad Request", PATH)
    assert source_of(es, space, A)["kibana.alert.workflow_status"] == "open"


def test_malformed_json_is_400(utm) -> None:
    response = utm.post(PATH, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "Malformed JSON request"


def test_matches_by_id_too_and_concurrent_requests_all_apply(utm, es, es_url, space) -> None:
    """Alerts may be named by `_id` as well; concurrent writers to the same alerts all land."""
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(12)]
    put_alerts(es, es_url, space, ids)
    by_doc_id = [doc_id(ids[0])]
    bodies = [
        {"alertIds": ids, "status": status, "statusObservation": f"round {n}"}
        for n, status in enumerate([3, 5, 2, 3, 5, 2, 3, 5])
    ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda body: utm.post(PATH, json=body).status_code, bodies))
    assert codes == [200] * len(bodies)
    for alert in ids:
        entries = history(es, space, alert)
        assert entries and all(e["from"] != e["to"] for e in entries)
        assert all(a["to"] == b["from"] for a, b in itertools.pairwise(entries))
        assert entries[-1]["to"] == source_of(es, space, alert)["kibana.alert.workflow_status"]
    assert utm.get(f"/api/utm-alerts/{by_doc_id[0]}").status_code == 200


def test_an_oversized_body_is_refused_in_utmstacks_shape(make_client, es, es_url, space) -> None:
    put_alerts(es, es_url, space, [A])
    utm = make_client(utmstack_space_id=space, max_body_bytes=4096)
    body = b'{"alertIds": ["' + A.encode() + b'"], "status": 5, "statusObservation": "'
    body += b"x" * 5000 + b'"}'
    response = utm.post(PATH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    answer = response.json()
    assert set(answer) == {"timestamp", "status", "error", "message", "path"}
    assert (answer["status"], answer["path"]) == (413, PATH) and answer["error"]
    assert answer["message"] == "Payload content length greater than maximum allowed: 4096"
    assert source_of(es, space, A)["kibana.alert.workflow_status"] == "open"
