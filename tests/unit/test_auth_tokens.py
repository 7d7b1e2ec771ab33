"""Bearer JWTs, cookie sessions, CSRF tokens and credential parsing: pure, no Elasticsearch."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from alertstatus.auth.api_keys import decode_credential, encode_credential
from alertstatus.auth.bearer import BearerVerifier
from alertstatus.auth.caching import TimedCache
from alertstatus.auth.hashing import hash_secret
from alertstatus.auth.models import Principal, Role
from alertstatus.auth.sessions import Sessions
from alertstatus.errors import CsrfRejected, Forbidden, SessionNotRenewable, Unauthenticated
from alertstatus.es.gateway import ConnectionSettings, Gateway
from alertstatus.settings import Settings

SECRET = "s" * 32
IDP = {"iss": "idp", "aud": "alertstatus"}


def claims(**extra) -> dict:
    return {
        "sub": "analyst@example.com",
        "role": "analyst",
        "spaces": ["default"],
        "exp": int(time.time()) + 86_400,
        **extra,
    }


def verifier(**settings) -> BearerVerifier:
    return BearerVerifier(Settings(jwt_secret=SECRET, **settings))


def test_hs256_token_gives_role_spaces_and_name() -> None:
    token_claims = claims()
    principal = verifier().authenticate(jwt.encode(token_claims, SECRET, algorithm="HS256"))
    assert principal == Principal(
        "analyst@example.com",
        Role.ANALYST,
        frozenset({"default"}),
        via="jwt",
        expires_at=token_claims["exp"],
    )


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        (claims(**IDP, exp=int(time.time()) - 120), "Unable to authenticate: token has expired"),
        (claims(**IDP, nbf=int(time.time()) + 86_400), "The token is not yet valid (nbf)"),
        ({k: v for k, v in claims(**IDP).items() if k != "exp"}, 'missing the "exp" claim'),
        (claims(iss="someone-else", aud="alertstatus"), "Invalid issuer"),
        (claims(iss="idp", aud="other"), "Audience doesn't match"),
        (claims(iss="idp"), 'missing the "aud" claim'),
    ],
    ids=["expired", "not-yet-valid", "no-exp", "wrong-issuer", "wrong-audience", "no-audience"],
)
def test_time_issuer_and_audience_are_checked(token_claims, message) -> None:
    token = jwt.encode(token_claims, SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated) as refused:
        verifier(jwt_issuer="idp", jwt_audience="alertstatus").authenticate(token)
    assert message in refused.value.message


def test_wrong_secret_and_garbage_are_401() -> None:
    for token in (jwt.encode(claims(), "x" * 32, algorithm="HS256"), "not.a.jwt", ""):
        with pytest.raises(Unauthenticated):
            verifier().authenticate(token)


def test_unknown_role_is_403_and_highest_role_wins() -> None:
    with pytest.raises(Forbidden):
        verifier().authenticate(jwt.encode(claims(role="guest"), SECRET, algorithm="HS256"))
    token = jwt.encode(
        claims(role=["ROLE_VIEWER", "ROLE_ADMIN"], spaces="*"), SECRET, algorithm="HS256"
    )
    principal = verifier().authenticate(token)
    assert (principal.role, principal.spaces) == (Role.ADMIN, None)


def test_rs256_public_key_and_no_algorithm_confusion(tmp_path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "pub.pem").write_bytes(public_pem)
    rs = BearerVerifier(Settings(jwt_public_key_file=tmp_path / "pub.pem"))
    assert rs.authenticate(jwt.encode(claims(), private, algorithm="RS256")).role is Role.ANALYST
    # an HS256 token "signed" with the public key must not pass: no shared secret is configured
    forged = jwt.encode(
        claims(role="admin"), "anything-else-than-a-secret-x-y-z-0", algorithm="HS256"
    )
    with pytest.raises(Unauthenticated, match="HMAC tokens are not accepted"):
        rs.authenticate(forged)
    with pytest.raises(Unauthenticated, match="not configured"):
        BearerVerifier(Settings()).authenticate(jwt.encode(claims(), SECRET, algorithm="HS256"))


def test_es256_from_a_jwks_file_by_kid(tmp_path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}))
    es = BearerVerifier(Settings(jwt_jwks_file=tmp_path / "jwks.json"))
    good = jwt.encode(claims(), private, algorithm="ES256", headers={"kid": "k1"})
    assert es.authenticate(good).name == "analyst@example.com"
    with pytest.raises(Unauthenticated, match="no key for this token"):
        es.authenticate(jwt.encode(claims(), private, algorithm="ES256", headers={"kid": "k2"}))


def sessions_with(secret: str, ttl: float = 60) -> Sessions:
    """Sessions whose records would live on a node that is never called here."""
    return Sessions(Gateway(ConnectionSettings(url="http://127.0.0.1:9")), "sessions", secret, ttl)


def test_session_cookie_round_trip_and_csrf() -> None:
    sessions = sessions_with("secret-1" * 4)
    alice = Principal("alice", Role.ANALYST, frozenset({"a"}), via="api_key", key_id="k1")
    started, sid = sessions.issue(alice)
    session = sessions.read(started.cookie)
    principal, csrf = session.principal, started.csrf_token
    assert (principal.name, principal.role, principal.spaces, principal.via, principal.key_id) == (
        "alice",
        Role.ANALYST,
        frozenset({"a"}),
        "cookie",
        "k1",
    )
    assert (session.sid, session.origin) == (sid, "api_key")
    sessions.check_csrf("GET", sid, None)  # reads need no token
    sessions.check_csrf("POST", sid, csrf)
    flipped = csrf[:-1] + ("1" if csrf[-1] == "0" else "0")
    for presented in (None, "", flipped, sessions_with("secret-2" * 4).csrf_token(sid)):
        with pytest.raises(CsrfRejected):
            sessions.check_csrf("PATCH", sid, presented)
    with pytest.raises(Unauthenticated):
        sessions_with("secret-2" * 4).read(started.cookie)  # signed by another secret
    with pytest.raises(Unauthenticated):  # a credential that has (all but) expired starts none
        sessions.issue(replace(alice, expires_at=time.time() - 1))


def test_a_session_ends_with_its_credential_and_never_renews_itself() -> None:
    sessions = sessions_with("secret-1" * 4, ttl=3600)
    soon = int(time.time()) + 90
    token_holder = Principal("bob", Role.VIEWER, None, via="jwt", expires_at=soon)
    started, _ = sessions.issue(token_holder)
    assert started.expires_at == soon
    assert sessions.read(started.cookie).principal.expires_at == soon
    lasting = Principal("carol", Role.VIEWER, None, via="basic")
    assert sessions.issue(lasting)[0].expires_at >= int(time.time()) + 3599
    with pytest.raises(SessionNotRenewable):
        sessions.issue(sessions.read(started.cookie).principal)


def test_api_key_credentials_parse_strictly() -> None:
    assert decode_credential(encode_credential("abc_D-1", "s3cret:x")) == ("abc_D-1", "s3cret:x")
    for bad in (
        "",
        "%%%",
        encode_credential("a/b", "x"),
        encode_credential("a", ""),
        "bm9jb2xvbg==",
        encode_credential("a" * 65, "x"),
    ):
        with pytest.raises(Unauthenticated):
            decode_credential(bad)


def test_hashes_are_salted_and_cache_forgets() -> None:
    assert hash_secret("x") != hash_secret("x")
    assert hash_secret("x").startswith("$argon2id$")
    cache: TimedCache[str] = TimedCache(ttl=60)
    cache.put("k", "v")
    assert cache.get("k") == "v"
    cache.forget("k")
    assert cache.get("k") is None
    expired: TimedCache[str] = TimedCache(ttl=0)
    expired.put("k", "v")
    assert expired.get("k") is None


def test_roles_parse_from_claims() -> None:
    assert Role.parse("ROLE_ADMIN") is Role.ADMIN
    assert Role.parse(" Analyst ") is Role.ANALYST
    assert Role.parse("root") is None and Role.parse(3) is None
