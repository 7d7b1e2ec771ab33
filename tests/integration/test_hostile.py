"""A corpus of hostile requests: each gets its documented status and body, and changes nothing.

Every row is answered before Elasticsearch would do anything: the `_source` of every alerts index
and the list of indices are identical before and after the whole corpus (docs/security.md).
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from alertstatus.engine.model import SPACE_ID_MAX_LENGTH
from tests.conftest import run_with_key_store, status_path

JWT_SECRET = "corpus-jwt-secret-" + "x" * 24
SPACE_MESSAGE = (
    f"[request params].space_id: space_id must be 1 to {SPACE_ID_MAX_LENGTH} lowercase letters, "
    "digits, '_' or '-', starting with a letter or digit"
)
CLOSE_ALL = {"query": {"match_all": {}}, "status": "closed"}


def platform(status: int, error: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "error": error, "message": message}


def unauthorized(message: str) -> dict[str, Any]:
    return platform(401, "Unauthorized", message)


def forbidden(message: str) -> dict[str, Any]:
    return platform(403, "Forbidden", message)


def siem(status: int, message: str) -> dict[str, Any]:
    return {"message": message, "status_code": status}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def bearer(**claims: Any) -> str:
    body = {"sub": "someone", "role": "admin", "spaces": "*", "exp": int(time.time()) + 600}
    return "Bearer " + jwt.encode({**body, **claims}, JWT_SECRET, algorithm="HS256")


@dataclass
class Row:
    name: str
    status: int
    body: dict[str, Any]
    method: str = "POST"
    path: str = ""  # default: the corpus space's status route
    json: Any = field(default_factory=lambda: CLOSE_ALL)
    content: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    caller: str = "admin"  # admin | raw (no credential unless `headers` has one)


def query_row(name: str, query: Any, message: str) -> Row:
    return Row(name, 400, siem(400, message), json={"query": query, "status": "closed"})


def nested(levels: int) -> dict[str, Any]:
    query: dict[str, Any] = {"match_all": {}}
    for _ in range(levels - 1):
        query = {"bool": {"filter": query}}
    return query


def corpus(space: str, keys: dict[str, str], cookie: str) -> list[Row]:
    other = f"never-{uuid.uuid4().hex[:8]}"
    key_id = base64.b64decode(keys["analyst_own"].split()[1]).decode().split(":")[0]
    space_rows = [
        Row(
            f"space {raw!r}",
            400,
            platform(400, "Bad Request", SPACE_MESSAGE),
            path=status_path(raw),
        )
        for raw in [
            "UPPER",
            "a*",
            "a,b",
            "_all",
            "-x",
            "%2E%2E",
            "%2e%2e",
            "x" * 101,
            "%C3%A9",
            "a%20b",
            "a%00b",
            "%252E%252E",
            "default%0A",
            "*",
            "_",
            ".alerts-x",
            "default%2C_all",
        ]
    ]
    return [
        # --- authentication: 401 in Kibana's platform shape ------------------------------------
        Row("no credential", 401, unauthorized("Unauthorized"), caller="raw"),
        Row(
            "unknown scheme",
            401,
            unauthorized("Unable to authenticate: unsupported authorization scheme"),
            caller="raw",
            headers={"authorization": "Negotiate abc"},
        ),
        Row(
            "empty api key",
            401,
            unauthorized("Unable to authenticate: malformed API key"),
            caller="raw",
            headers={"authorization": "ApiKey"},
        ),
        Row(
            "api key not base64",
            401,
            unauthorized("Unable to authenticate: malformed API key"),
            caller="raw",
            headers={"authorization": "ApiKey !!!not-base64!!!"},
        ),
        Row(
            "api key without colon",
            401,
            unauthorized("Unable to authenticate: malformed API key"),
            caller="raw",
            headers={"authorization": "ApiKey " + b64("nocolon")},
        ),
        Row(
            "api key id is a path",
            401,
            unauthorized("Unable to authenticate: malformed API key"),
            caller="raw",
            headers={"authorization": "ApiKey " + b64("../../_cluster:x")},
        ),
        Row(
            "unknown api key",
            401,
            unauthorized("Unable to authenticate: unknown API key"),
            caller="raw",
            headers={"authorization": "ApiKey " + b64("nosuchkey:secret")},
        ),
        Row(
            "wrong api key secret",
            401,
            unauthorized("Unable to authenticate: unknown API key"),
            caller="raw",
            headers={"authorization": "ApiKey " + b64(f"{key_id}:wrong")},
        ),
        Row(
            "revoked api key",
            401,
            unauthorized("Unable to authenticate: API key has been revoked"),
            caller="raw",
            headers={"authorization": keys["revoked"]},
        ),
        Row(
            "expired api key",
            401,
            unauthorized("Unable to authenticate: API key has expired"),
            caller="raw",
            headers={"authorization": keys["expired"]},
        ),
        Row(
            "unknown basic user",
            401,
            unauthorized("Unable to authenticate user [mallory]"),
            caller="raw",
            headers={"authorization": "Basic " + b64("mallory:x")},
        ),
        Row(
            "malformed basic",
            401,
            unauthorized("Unable to authenticate: malformed Basic credential"),
            caller="raw",
            headers={"authorization": "Basic %%%"},
        ),
        Row(
            "garbage bearer",
            401,
            unauthorized("Unable to authenticate: invalid token"),  # not PyJWT's words
            caller="raw",
            headers={"authorization": "Bearer garbage"},
        ),
        Row(
            "unsigned bearer (alg none)",
            401,
            unauthorized("Unable to authenticate: invalid token (algorithm not accepted)"),
            caller="raw",
            headers={
                "authorization": "Bearer "
                + jwt.encode(
                    {"sub": "x", "role": "admin", "exp": int(time.time()) + 60},
                    None,
                    algorithm="none",
                )
            },
        ),
        Row(
            "expired bearer",
            401,
            unauthorized("Unable to authenticate: token has expired"),
            caller="raw",
            headers={"authorization": bearer(exp=int(time.time()) - 600)},
        ),
        Row(
            "bearer signed elsewhere",
            401,
            unauthorized("Unable to authenticate: invalid token (Signature verification failed)"),
            caller="raw",
            headers={
                "authorization": "Bearer "
                + jwt.encode(
                    {"sub": "x", "role": "admin", "exp": int(time.time()) + 60},
                    "y" * 40,
                    algorithm="HS256",
                )
            },
        ),
        Row(
            "oversized credential",
            401,
            unauthorized("Unable to authenticate: credential too long"),
            caller="raw",
            headers={"authorization": "ApiKey " + "A" * 9000},
        ),
        Row(
            "forged session cookie",
            401,
            unauthorized("Unable to authenticate: invalid or expired session"),
            caller="raw",
            headers={"cookie": "alertstatus_session=eyJhbGciOiJub25lIn0.e30."},
        ),
        # --- authorization: 403, nothing reaches Elasticsearch ----------------------------------
        Row(
            "viewer key cannot write",
            403,
            forbidden(
                f"API [POST {status_path(space)}] is unauthorized for user, this action is granted "
                "by the role [analyst]"
            ),
            caller="raw",
            headers={"authorization": keys["viewer"]},
        ),
        Row(
            "key of another space",
            403,
            forbidden(f"Unauthorized to access space [{other}]"),
            path=status_path(other),
            caller="raw",
            headers={"authorization": keys["analyst_own"]},
        ),
        Row(
            "space key on the default space",
            403,
            forbidden("Unauthorized to access space [default]"),
            path=status_path(None),
            caller="raw",
            headers={"authorization": keys["analyst_own"]},
        ),
        Row(
            "bearer with unknown role",
            403,
            forbidden("Not enough permissions"),
            caller="raw",
            headers={"authorization": bearer(role="guest")},
        ),
        Row(
            "bearer of another space",
            403,
            forbidden(f"Unauthorized to access space [{space}]"),
            caller="raw",
            headers={"authorization": bearer(spaces=[other])},
        ),
        Row(
            "cookie session without csrf token",
            403,
            forbidden("Request must contain a valid X-CSRF-Token header."),
            caller="raw",
            headers={"cookie": f"alertstatus_session={cookie}"},
        ),
        Row(
            "cookie session with a wrong csrf token",
            403,
            forbidden("Request must contain a valid X-CSRF-Token header."),
            caller="raw",
            headers={"cookie": f"alertstatus_session={cookie}", "x-csrf-token": "0" * 64},
        ),
        # --- space ids: 400 before any index name is built --------------------------------------
        *space_rows,
        Row(
            "space with a slash",
            404,
            platform(404, "Not Found", "Not Found"),
            path=status_path("a%2Fb"),
        ),
        Row(
            "empty space",
            404,
            platform(404, "Not Found", "Not Found"),
            path="/s//api/detection_engine/signals/status",
        ),
        # --- the query guard: 400 in the siem shape ---------------------------------------------
        query_row(
            "script query",
            {"script": {"script": "ctx._source.x = 1"}},
            "query type [script] runs a script and is not allowed",
        ),
        query_row(
            "script_score",
            {"script_score": {"query": {"match_all": {}}, "script": {"source": "1"}}},
            "query type [script_score] runs a script and is not allowed",
        ),
        query_row(
            "function_score",
            {"function_score": {"functions": [{"script_score": {"script": "1"}}]}},
            "query type [function_score] runs a script and is not allowed",
        ),
        query_row(
            "wrapper",
            {"wrapper": {"query": b64('{"match_all":{}}')}},
            "query type [wrapper] is not allowed",
        ),
        query_row(
            "percolate",
            {"percolate": {"field": "q", "index": "secrets", "id": "1"}},
            "query type [percolate] reads other documents and is not allowed",
        ),
        query_row(
            "terms lookup",
            {"terms": {"user.name": {"index": ".alertstatus-api-keys", "id": "x", "path": "hash"}}},
            "terms lookup reads other documents and is not allowed",
        ),
        query_row(
            "more_like_this",
            {"more_like_this": {"like": [{"_index": ".security", "_id": "1"}]}},
            "query type [more_like_this] reads other documents and is not allowed",
        ),
        query_row(
            "has_parent",
            {"has_parent": {"parent_type": "p", "query": {"match_all": {}}}},
            "query type [has_parent] is not allowed",
        ),
        query_row(
            "script hidden in must_not",
            {"bool": {"must_not": [{"script": {"script": "1"}}]}},
            "query type [script] runs a script and is not allowed",
        ),
        query_row(
            "terms_set script",
            {"terms_set": {"f": {"terms": ["a"], "minimum_should_match_script": {"source": "1"}}}},
            "[query.terms_set.f.minimum_should_match_script]: scripts are not allowed",
        ),
        query_row(
            "unknown query type",
            {"geo_shape": {"l": {"indexed_shape": {"id": "x"}}}},
            "query type [geo_shape] is not allowed",
        ),
        query_row(
            "empty query", {}, "each query clause must be an object with exactly one query type"
        ),
        query_row("too deep", nested(25), "query clauses are nested deeper than 20 levels"),
        query_row(
            "string too long",
            {"term": {"a": "x" * 10_001}},
            "query strings are limited to 10000 characters",
        ),
        # --- limits -----------------------------------------------------------------------------
        Row(
            "body over 1 MiB",
            413,
            platform(
                413,
                "Request Entity Too Large",
                "Payload content length greater than maximum allowed: 1048576",
            ),
            json=None,
            content=b" " * 1_100_000,
            headers={"content-type": "application/json"},
        ),
        Row(
            "chunked body over 1 MiB",
            413,
            platform(
                413,
                "Request Entity Too Large",
                "Payload content length greater than maximum allowed: 1048576",
            ),
            json=None,
            content=iter([b" " * 600_000, b" " * 600_000]),
            headers={"content-type": "application/json"},
        ),
        Row(
            "bad content-length",
            400,
            platform(400, "Bad Request", "Invalid Content-Length"),
            json=None,
            content=b"{}",
            headers={"content-length": "abc"},
        ),
        Row(
            "json nested 100000 deep",
            400,
            platform(400, "Bad Request", "There was an error parsing the body"),
            json=None,
            content=b"[" * 100_000,
            headers={"content-type": "application/json"},
        ),
        Row(
            "integer with 5000 digits",
            400,
            platform(400, "Bad Request", "There was an error parsing the body"),
            json=None,
            content=b'{"signal_ids":["a"],"status":"closed","x":' + b"9" * 5000 + b"}",
            headers={"content-type": "application/json"},
        ),
        Row(
            "id over 512 bytes",
            400,
            siem(400, "alert ids are limited to 512 bytes"),
            json={"signal_ids": ["x" * 513], "status": "closed"},
        ),
        Row(
            "too many ids",
            400,
            platform(
                400,
                "Bad Request",
                "[request body].signal_ids: at most 100 alert ids per request (got 101); split the "
                "request or select by query",
            ),
            json={"signal_ids": [f"id-{i}" for i in range(101)], "status": "closed"},
        ),
        Row(
            "invalid json",
            400,
            platform(400, "Bad Request", "Invalid request payload JSON format"),
            json=None,
            content=b'{"status": "closed", ',
            headers={"content-type": "application/json"},
        ),
        Row(
            "form-encoded body (cross-site form)",
            400,
            platform(
                400,
                "Bad Request",
                "[request body]: Expected object, received string",
            ),
            json=None,
            content=b"status=closed&query=x",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        Row(
            "script in the reason",
            400,
            siem(400, "x'; ctx.op = 'delete'; ' is an invalid closing reason."),
            json={**CLOSE_ALL, "reason": "x'; ctx.op = 'delete'; '"},
        ),
        Row(
            "script as a status",
            400,
            platform(
                400,
                "Bad Request",
                "[request body]: status: Invalid enum value. Expected 'open' | 'closed' | "
                "'acknowledged' | 'in-progress', received 'ctx.op='delete''",
            ),
            json={"query": {"match_all": {}}, "status": "ctx.op='delete'"},
        ),
        Row(
            "wrong method",
            405,
            platform(405, "Method Not Allowed", "Method Not Allowed"),
            method="DELETE",
        ),
        Row(
            "unknown route",
            404,
            platform(404, "Not Found", "Not Found"),
            path="/api/detection_engine/signals/../../_cluster/settings",
        ),
    ]


def snapshot(es) -> tuple[set[str], dict[str, Any]]:
    indices = {
        row["index"]
        for row in es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    }
    return indices, es.sources(".alerts-security.alerts-*")


@pytest.fixture
def keys(es_url, make_key, space) -> dict[str, str]:
    revoked = run_with_key_store(
        es_url, lambda store: store.create(role=__import__("alertstatus").auth.models.Role.ADMIN)
    )
    run_with_key_store(es_url, lambda store: store.revoke(revoked.id))
    return {
        "viewer": make_key("viewer", (space,)),
        "analyst_own": make_key("analyst", (space,)),
        "revoked": revoked.header,
        "expired": make_key("admin", None, expires_at=datetime.now(UTC) - timedelta(minutes=1)),
    }


def test_hostile_corpus_gets_documented_answers_and_changes_nothing(
    make_client, es, seed, space, keys, admin_authorization
) -> None:
    seed(space, 5)
    settings = {"jwt_secret": JWT_SECRET, "max_ids_per_request": 100, "max_body_bytes": 1_048_576}
    admin = make_client(**settings)
    raw = make_client(authorization=None, **settings)
    started = raw.post("/api/alertstatus/session", headers={"authorization": keys["analyst_own"]})
    assert started.status_code == 200, started.text
    cookie = started.cookies["alertstatus_session"]
    rows = corpus(space, keys, cookie)
    assert len(rows) >= 50
    before = snapshot(es)

    mismatches = []
    for row in rows:
        client = admin if row.caller == "admin" else raw
        response = client.request(
            row.method,
            row.path or status_path(space),
            json=row.json if row.content is None else None,
            content=row.content,
            headers=row.headers,
        )
        body = response.json()
        if (response.status_code, body) != (row.status, row.body):
            mismatches.append(f"{row.name}: {response.status_code} {body}")
        for secret in (JWT_SECRET, admin_authorization.split()[1], es.url, "Traceback"):
            assert secret not in response.text, row.name

    assert mismatches == [], "\n".join(mismatches)
    assert snapshot(es) == before
