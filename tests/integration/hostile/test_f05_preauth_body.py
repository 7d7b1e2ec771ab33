"""F5: bodies were read and parsed before authentication (16 MB cost 255 MB and 0.84 s with no
credential at all, and JSON syntax errors were reported to anyone).

Now the credential comes from the headers before any body byte is read: a caller without a valid
one gets its 401, in the route's dialect, and the app pulls nothing of the body
(docs/security.md, "Order of checks").
"""

from __future__ import annotations

import base64

import orjson

from tests.conftest import status_path
from tests.integration.hostile.asgi_calls import CountedBody, send

MIB = 1_048_576
KIBANA_401 = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}


def sixteen_mib_of_ids() -> list[bytes]:
    """A valid status request of 16 MiB, in 1 MiB chunks (ids of 64 bytes)."""
    ids = [f"{number:064d}" for number in range(16 * MIB // 67)]
    raw = orjson.dumps({"signal_ids": ids, "status": "closed"})
    return [raw[start : start + MIB] for start in range(0, len(raw), MIB)]


def test_sixteen_mib_without_a_credential_is_refused_unread(make_client, space) -> None:
    client = make_client(authorization=None)
    body = CountedBody(sixteen_mib_of_ids())
    declared = sum(map(len, body.chunks))
    assert declared > 16 * 1_000_000

    response = send(
        client,
        "POST",
        status_path(space),
        content=body.stream(),
        headers={"content-type": "application/json", "content-length": str(declared)},
    )

    assert (response.status_code, response.json()) == (401, KIBANA_401)
    assert body.bytes_read == 0


def test_a_wrong_credential_reads_no_body_either(make_client, space) -> None:
    client = make_client(authorization=None)
    body = CountedBody([b'{"signal_ids": ["a"], "status": "closed"}'] * 64)
    wrong = "ApiKey " + base64.b64encode(b"nosuchkey:secret").decode()

    response = send(
        client,
        "POST",
        status_path(space),
        content=body.stream(),
        headers={"content-type": "application/json", "authorization": wrong},
    )

    assert response.status_code == 401
    assert response.json()["message"] == "Unable to authenticate: unknown API key"
    assert body.bytes_read == 0


def test_json_syntax_errors_are_not_reported_to_unauthenticated_callers(make_client, space):
    client = make_client(authorization=None)
    broken = b'{"status": "closed", '
    headers = {"content-type": "application/json"}

    kibana = client.post(status_path(space), content=broken, headers=headers)
    utmstack = client.post("/api/utm-alerts/status", content=broken, headers=headers)
    chad = client.post("/api/alerts/bulk/status", content=broken, headers=headers)

    assert (kibana.status_code, kibana.json()) == (401, KIBANA_401)
    assert utmstack.status_code == 401 and utmstack.json()["error"] == "Unauthorized"
    assert utmstack.json()["path"] == "/api/utm-alerts/status"
    assert (chad.status_code, chad.json()) == (401, {"detail": "Not authenticated"})


def test_an_authenticated_caller_still_gets_its_json_errors_and_its_changes(
    make_client, seed, space
) -> None:
    seed(space, 2)
    client = make_client()
    broken = client.post(
        status_path(space),
        content=b'{"status": "closed", ',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["message"] == "Invalid request payload JSON format"
    closed = client.post(status_path(space), json={"query": {"match_all": {}}, "status": "closed"})
    assert closed.status_code == 200 and closed.json()["updated"] == 2
