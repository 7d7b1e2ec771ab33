"""F16: a body sent slowly held its request with no time limit; a JWT carrying any `aud` was
accepted when no audience is configured; `/api/status` told anyone the exact versions; the
logout cookie lacked `Secure`/`HttpOnly`.

Now: a body must arrive within `ALERTSTATUS_BODY_TIMEOUT` (408 in the route's dialect); with no
audience configured a token that names one is refused; anonymous callers see only the status
level; the logout cookie carries the session cookie's attributes (docs/security.md).
"""

from __future__ import annotations

import time

import httpx
import jwt

from tests.conftest import status_path
from tests.integration.hostile.asgi_calls import CountedBody, send

JWT_SECRET = "f16-jwt-secret-" + "w" * 32


def test_a_stalled_body_gets_408_in_time(make_client, admin_authorization, space) -> None:
    client = make_client(authorization=None, body_timeout=1)
    body = CountedBody([b'{"status": "closed", ', b'"query": {"match_all": {}}}'], stall_after=1)

    started = time.monotonic()
    response = send(
        client,
        "POST",
        status_path(space),
        seconds=15,
        content=body.stream(),
        headers={"content-type": "application/json", "authorization": admin_authorization},
    )

    assert time.monotonic() - started < 10
    assert response.status_code == 408
    assert response.json() == {
        "statusCode": 408,
        "error": "Request Timeout",
        "message": "The request body did not arrive within 1 s",
    }
    assert response.headers["connection"] == "close"


def test_a_token_naming_an_audience_is_refused_when_none_is_configured(make_client) -> None:
    client = make_client(authorization=None, jwt_secret=JWT_SECRET)
    claims = {"sub": "x", "role": "viewer", "exp": int(time.time()) + 60}
    plain = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    for_another_service = jwt.encode({**claims, "aud": "grafana"}, JWT_SECRET, algorithm="HS256")

    accepted = client.get("/api/alertstatus/whoami", headers={"authorization": f"Bearer {plain}"})
    refused = client.get(
        "/api/alertstatus/whoami", headers={"authorization": f"Bearer {for_another_service}"}
    )

    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["message"] == "Unable to authenticate: invalid token (Invalid audience)"


def test_status_shows_versions_to_authenticated_callers_only(make_client, make_key, es) -> None:
    anonymous = make_client(authorization=None)
    viewer = make_client(authorization=make_key("viewer", ("default",)))

    public = anonymous.get("/api/status")
    wrong_key = anonymous.get("/api/status", headers={"authorization": "ApiKey bm9wZTpub3Bl"})
    detailed = viewer.get("/api/status")

    assert (public.status_code, public.json()) == (
        200,
        {"status": {"overall": {"level": "available"}}},
    )
    assert wrong_key.json() == public.json()
    assert detailed.status_code == 200
    assert detailed.json()["version"]["number"]
    engine_version = httpx.get(es.url).json()["version"]["number"]
    assert detailed.json()["elasticsearch"]["version"] == engine_version


def test_the_logout_cookie_has_the_session_cookies_attributes(make_client, make_key) -> None:
    client = make_client(authorization=None)
    started = client.post(
        "/api/alertstatus/session", headers={"authorization": make_key("viewer", ("default",))}
    )
    assert started.status_code == 200, started.text

    ended = client.delete(
        "/api/alertstatus/session",
        headers={
            "cookie": f"alertstatus_session={started.cookies['alertstatus_session']}",
            "x-csrf-token": started.json()["csrf_token"],
        },
    )

    assert ended.status_code == 200, ended.text
    attributes = {part.strip().lower() for part in ended.headers["set-cookie"].split(";")}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes
