"""F7: a cookie session outlived its credential (a JWT session lived an hour past the token's
`exp`), renewed itself forever through `POST /api/alertstatus/session`, and still worked after
`DELETE` (logout).

Now a session ends no later than the credential it was made from, only a header credential starts
one, and logout ends it on every worker (its record in Elasticsearch says so; docs/security.md,
"Cookie sessions and CSRF"). Two apps with one session secret stand for two workers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

SESSION = "/api/alertstatus/session"
WHOAMI = "/api/alertstatus/whoami"
JWT_SECRET = "f07-jwt-secret-" + "q" * 32
SESSION_SECRET = "f07-session-secret-" + "s" * 32
RECHECK_SECONDS = 2.0  # the default of ALERTSTATUS_AUTH_RECHECK_SECONDS: the documented bound


def browser(make_client, **settings):
    return make_client(
        authorization=None,
        session_cookie_secure=False,
        session_secret=SESSION_SECRET,
        jwt_secret=JWT_SECRET,
        jwt_leeway=0,
        **settings,
    )


def bearer(expires: int) -> str:
    claims = {"sub": "analyst@example.com", "role": "analyst", "spaces": "*", "exp": expires}
    return "Bearer " + jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def refused_within(client, limit: float, headers=None) -> float:
    """Seconds until the cookie (or `headers`) no longer authenticates `whoami`, at most `limit`."""
    started = time.monotonic()
    while client.get(WHOAMI, headers=headers).status_code != 401:
        assert time.monotonic() - started < limit, "still authenticated"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_jwt_session_ends_when_the_token_does(make_client) -> None:
    client = browser(make_client)
    token_expires = int(time.time()) + 3

    started = client.post(SESSION, headers={"authorization": bearer(token_expires)})

    assert started.status_code == 200, started.text
    assert started.json()["expires_at"] <= token_expires
    assert client.get(WHOAMI).json()["authentication_type"] == "cookie"
    refused_within(client, limit=token_expires - time.time() + 3)


def test_an_api_key_session_ends_when_the_key_expires(make_client, make_key) -> None:
    # long enough for a loaded machine to make the key and start the session before it expires
    key_expires = datetime.now(UTC) + timedelta(seconds=10)
    header = make_key("viewer", ("default",), expires_at=key_expires)
    client = browser(make_client)

    started = client.post(SESSION, headers={"authorization": header})

    assert started.status_code == 200, started.text
    assert started.json()["expires_at"] <= key_expires.timestamp()
    assert client.get(WHOAMI).status_code == 200
    refused_within(client, limit=key_expires.timestamp() - time.time() + 3)


def test_a_session_cannot_renew_itself(make_client) -> None:
    client = browser(make_client)
    token_expires = int(time.time()) + 120
    started = client.post(SESSION, headers={"authorization": bearer(token_expires)})
    csrf = started.json()["csrf_token"]

    renewed = client.post(SESSION, headers={"x-csrf-token": csrf})

    assert renewed.status_code == 403, renewed.text
    assert renewed.json()["message"] == (
        "A session is started with a header credential (Authorization), not renewed by a cookie"
    )
    assert client.get(WHOAMI).status_code == 200  # the refused renewal leaves the session as it was


def test_logout_ends_the_session_on_every_worker(make_client, make_key) -> None:
    header = make_key("viewer", ("default",))
    first, second = browser(make_client), browser(make_client)
    started = first.post(SESSION, headers={"authorization": header})
    cookie = {"cookie": f"alertstatus_session={started.cookies['alertstatus_session']}"}
    assert second.get(WHOAMI, headers=cookie).json()["authentication_type"] == "cookie"

    ended = first.delete(SESSION, headers={"x-csrf-token": started.json()["csrf_token"], **cookie})

    assert (ended.status_code, ended.json()) == (200, {"ended": True})
    assert first.get(WHOAMI, headers=cookie).status_code == 401  # at once where it ended
    assert refused_within(second, limit=RECHECK_SECONDS + 10, headers=cookie) <= RECHECK_SECONDS + 2
    body = second.get(WHOAMI, headers=cookie).json()
    assert body["message"] == "Unable to authenticate: invalid or expired session"
