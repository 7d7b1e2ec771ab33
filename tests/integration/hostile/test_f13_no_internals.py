"""F13: error bodies never carry internals: Elasticsearch's parser texts and index names, the
cluster's address, PyJWT's reprs, or the input a refusal was about."""

from __future__ import annotations

import base64
import re
import socket

import jwt
from fastapi.testclient import TestClient

from alertstatus.api.app import create_app
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import Settings

INTERNAL = re.compile(r"\.internal\.|\.alerts-security|127\.0\.0\.1|0x[0-9a-f]{6,}")


def test_elasticsearch_refusals_name_the_error_type_not_its_internals(client, seed, space):
    seed(space, 1)
    response = client.post(
        f"/s/{space}/api/detection_engine/signals/status",
        json={"query": {"range": {"@timestamp": {"gte": "not a date"}}}, "status": "closed"},
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith(("search_phase_execution_exception: ", "parse_exception: "))
    assert "not a date" not in message and not INTERNAL.search(message), message


def test_an_unreachable_cluster_is_named_without_its_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{port}", ELASTICSEARCH_MAX_RETRIES=0)
    with TestClient(create_app(settings), headers={"authorization": "ApiKey aWQ6c2VjcmV0"}) as api:
        status = api.get("/api/status")
        change = api.post(
            "/api/detection_engine/signals/status", json={"signal_ids": ["a"], "status": "closed"}
        )
    for response in (status, change):
        assert response.status_code == 503
        assert str(port) not in response.text and not INTERNAL.search(response.text)
    assert change.json()["message"] == "Elasticsearch is unavailable"


def test_a_malformed_bearer_token_is_refused_without_pyjwts_words(make_client) -> None:
    client = make_client(authorization=None, jwt_secret="s" * 32)
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":{"a":1}}').rstrip(b"=")
    expected = {
        "x" * 40: "Unable to authenticate: invalid token",  # PyJWT: "Not enough segments"
        f"{header.decode()}.e30.sig": "Unable to authenticate: invalid token",
        "e30.e30.e30": "Unable to authenticate: invalid token (algorithm not accepted)",
    }
    for token, message in expected.items():
        response = client.get(
            "/api/alertstatus/whoami", headers={"authorization": f"Bearer {token}"}
        )
        assert (response.status_code, response.json()["message"]) == (401, message), token


def test_a_wrongly_signed_token_says_only_that(make_client) -> None:
    client = make_client(authorization=None, jwt_secret="s" * 32)
    token = jwt.encode({"sub": "x", "role": "admin"}, "another secret of 32 bytes or more", "HS256")
    response = client.get("/api/alertstatus/whoami", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["message"] == (
        "Unable to authenticate: invalid token (Signature verification failed)"
    )


def test_chads_422_does_not_echo_the_input(make_client, space) -> None:
    chad = make_client(chad_space_id=space)
    secret = "do-not-echo-" + "x" * 20
    response = chad.post("/api/alerts/bulk/status", json={"ids": secret, "status": "new"})
    assert response.status_code == 422
    assert secret not in response.text
    assert {"type", "loc", "msg"} == set(response.json()["detail"][0])


def test_bracketed_internals_are_replaced_by_the_causes_types() -> None:
    body = (
        b'{"error":{"type":"index_not_found_exception","reason":"no such index '
        b'[.internal.alerts-security.alerts-x-000001]","root_cause":[{"type":'
        b'"index_not_found_exception","reason":"no such index [.internal.alerts]"}]},"status":404}'
    )
    error = ElasticsearchError(404, body)
    assert error.public_reason() == (
        "index_not_found_exception: Elasticsearch refused the request "
        "(caused by: index_not_found_exception)"
    )
    assert ".internal" in error.reason()  # the log keeps everything


def test_an_update_by_query_conflict_body_stays_whole() -> None:
    counts = b'{"took":3,"total":2,"updated":1,"version_conflicts":1,"failures":[]}'
    assert ElasticsearchError(409, counts).public_reason() == counts.decode()
