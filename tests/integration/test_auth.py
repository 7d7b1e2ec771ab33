"""Authentication end to end on the real node: API keys, Basic, Bearer, cookie sessions + CSRF."""

from __future__ import annotations

import base64
import time
import uuid

import jwt
from typer.testing import CliRunner

from alertstatus.auth.hashing import hash_secret
from alertstatus.engine.indices import alerts_alias
from tests.conftest import run_with_key_store, status_path

JWT_SECRET = "integration-jwt-secret-" + "z" * 20


def key_id_of(header: str) -> str:
    return base64.b64decode(header.split()[1]).decode().split(":")[0]


def test_api_key_whoami_last_used_and_list_hides_hashes(make_client, make_key, es, es_url, space):
    header = make_key("analyst", (space,), name="ci-bot")
    client = make_client(authorization=header)

    response = client.get("/api/alertstatus/whoami")

    assert response.status_code == 200
    assert response.json() == {
        "username": "ci-bot",
        "role": "analyst",
        "spaces": [space],
        "authentication_type": "api_key",
    }
    stored = es.call("GET", f"/.alertstatus-api-keys/_doc/{key_id_of(header)}")["_source"]
    assert stored["last_used_at"] and stored["revoked"] is False
    secret = base64.b64decode(header.split()[1]).decode().split(":", 1)[1]
    assert stored["hash"].startswith("$argon2id$") and secret not in str(stored)
    listed = run_with_key_store(es_url, lambda store: store.list())
    assert key_id_of(header) in {key["id"] for key in listed}
    assert all("hash" not in key for key in listed)


def test_revoked_key_is_refused_and_the_revoking_process_forgets_it_at_once(
    make_client, make_key, es_url
):
    header = make_key("admin")
    client = make_client(authorization=header)
    assert client.get("/api/alertstatus/whoami").status_code == 200

    store = client.app.state.services.authenticator.api_keys
    assert client.portal.call(store.revoke, key_id_of(header))
    response = client.get("/api/alertstatus/whoami")

    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Unable to authenticate: API key has been revoked",
    }


def test_other_processes_see_a_revocation_after_the_recheck_interval(make_client, make_key, es_url):
    header = make_key("admin")
    uncached = make_client(authorization=header, auth_recheck_seconds=0)
    assert uncached.get("/api/alertstatus/whoami").status_code == 200
    run_with_key_store(es_url, lambda store: store.revoke(key_id_of(header)))
    assert uncached.get("/api/alertstatus/whoami").status_code == 401


def test_basic_users_from_settings(make_client, seed, es, space):
    before = seed(space, 3)
    users = [
        {
            "username": "alice",
            "password_hash": hash_secret("wonderland"),
            "role": "analyst",
            "spaces": [space],
        }
    ]
    client = make_client(authorization=None, auth_users=users)
    good = "Basic " + base64.b64encode(b"alice:wonderland").decode()
    bad = "Basic " + base64.b64encode(b"alice:guess").decode()

    assert (
        client.post(
            status_path(space),
            json={"query": {"match_all": {}}, "status": "closed"},
            headers={"authorization": bad},
        ).status_code
        == 401
    )
    response = client.post(
        status_path(space),
        json={"query": {"match_all": {}}, "status": "closed"},
        headers={"authorization": good},
    )

    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 3
    after = es.sources(alerts_alias(space))
    assert {s["kibana.alert.workflow_user"] for s in after.values()} == {"alice"}
    assert set(after) == set(before)


def test_bearer_jwt_closes_alerts_as_its_subject(make_client, seed, es, space):
    seed(space, 2)
    client = make_client(
        authorization=None, jwt_secret=JWT_SECRET, jwt_issuer="idp", jwt_audience="alertstatus"
    )
    claims = {
        "sub": "analyst@example.com",
        "role": "analyst",
        "spaces": [space],
        "iss": "idp",
        "aud": "alertstatus",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")

    response = client.post(
        status_path(space),
        json={"query": {"match_all": {}}, "status": "acknowledged"},
        headers={"authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200, response.text
    users = {s["kibana.alert.workflow_user"] for s in es.sources(alerts_alias(space)).values()}
    assert users == {"analyst@example.com"}
    expired = jwt.encode({**claims, "exp": int(time.time()) - 300}, JWT_SECRET, algorithm="HS256")
    response = client.get("/api/alertstatus/whoami", headers={"authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["message"] == "Unable to authenticate: token has expired"


def test_cookie_session_needs_the_csrf_token_to_change_anything(
    make_client, make_key, seed, es, space
):
    before = seed(space, 2)
    header = make_key("analyst", (space,))
    browser = make_client(authorization=None, session_cookie_secure=False, auth_recheck_seconds=0)

    started = browser.post("/api/alertstatus/session", headers={"authorization": header})
    assert started.status_code == 200
    csrf = started.json()["csrf_token"]
    assert "httponly" in started.headers["set-cookie"].lower()
    assert "samesite=strict" in started.headers["set-cookie"].lower()

    # reads need no token; the cookie authenticates
    whoami = browser.get("/api/alertstatus/whoami")
    assert whoami.json()["authentication_type"] == "cookie"
    assert browser.get("/api/alertstatus/session").json() == {"csrf_token": csrf}

    close = {"query": {"match_all": {}}, "status": "closed"}
    refused = browser.post(status_path(space), json=close)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Request must contain a valid X-CSRF-Token header."
    assert es.sources(alerts_alias(space)) == before

    accepted = browser.post(status_path(space), json=close, headers={"x-csrf-token": csrf})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["updated"] == 2

    # the session dies with its key
    run_with_key_store(es.url, lambda store: store.revoke(key_id_of(header)))
    assert browser.get("/api/alertstatus/whoami").status_code == 401


def test_header_authenticated_calls_need_no_csrf_token(client, seed, space):
    seed(space, 1)
    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )
    assert response.status_code == 200


def test_first_start_makes_one_bootstrap_admin_key(make_client, capfd, tmp_path):
    index = f".alertstatus-api-keys-{uuid.uuid4().hex[:8]}"
    make_client(authorization=None, api_key_index=index, home=tmp_path)
    key_file = tmp_path / "bootstrap-admin-key"
    assert str(key_file) in capfd.readouterr().err
    header = next(
        line.split("header: Authorization: ")[1]
        for line in key_file.read_text().splitlines()
        if line.startswith("header: Authorization: ")
    )

    client = make_client(authorization=header, api_key_index=index)
    whoami = client.get("/api/alertstatus/whoami").json()
    assert (whoami["role"], whoami["spaces"], whoami["username"]) == (
        "admin",
        None,
        "bootstrap admin",
    )
    make_client(authorization=None, api_key_index=index, home=tmp_path)
    assert "bootstrap-admin-key" not in capfd.readouterr().err  # only the first start


def test_auth_can_be_switched_off_explicitly(make_client, seed, space):
    seed(space, 1)
    client = make_client(authorization=None, auth_enabled=False)
    assert client.get("/api/alertstatus/whoami").json()["authentication_type"] == "anonymous"
    assert make_client(authorization=None).get("/api/alertstatus/whoami").status_code == 401


def test_cli_creates_lists_and_revokes_keys(es_url, monkeypatch, make_client):
    from alertstatus.cli import app
    from alertstatus.settings import get_settings

    index = f".alertstatus-api-keys-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ELASTICSEARCH_URL", es_url)
    monkeypatch.setenv("ALERTSTATUS_API_KEY_INDEX", index)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        created = runner.invoke(
            app, ["apikey", "create", "--role", "analyst", "--space", "default", "--name", "cli"]
        )
        assert created.exit_code == 0, created.output
        fields = dict(line.split(":", 1) for line in created.stdout.splitlines() if ":" in line)
        key_id, header = fields["id"].strip(), fields["header"].split("Authorization:")[1].strip()
        listed = runner.invoke(app, ["apikey", "list"])
        assert key_id in listed.stdout and "analyst" in listed.stdout and "active" in listed.stdout
        assert header.split()[1] not in listed.stdout  # the secret is never shown again

        client = make_client(authorization=header, api_key_index=index, auth_recheck_seconds=0)
        assert client.get("/api/alertstatus/whoami").json()["role"] == "analyst"
        assert runner.invoke(app, ["apikey", "revoke", key_id]).exit_code == 0
        assert client.get("/api/alertstatus/whoami").status_code == 401
        assert runner.invoke(app, ["apikey", "revoke", "no-such-key"]).exit_code == 1
        bad_space = runner.invoke(app, ["apikey", "create", "--space", "_all"])
        assert bad_space.exit_code == 2
    finally:
        get_settings.cache_clear()
