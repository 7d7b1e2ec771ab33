"""Browser sessions in a cookie, the record that lets logout end them, and their CSRF token.

Design (docs/security.md, "Cookie sessions and CSRF"): `POST /api/alertstatus/session`,
authenticated by a header credential, sets `alertstatus_session`, an HttpOnly, SameSite=Strict
cookie holding a short-lived HS256 JWT signed with `session_secret` (the caller's name, role,
spaces and a random session id `sid`). Its CSRF token is HMAC-SHA256(session_secret, sid), returned
in the body (and by `GET /api/alertstatus/session`), never in a cookie. A cookie-authenticated
request that changes anything (POST, PUT, PATCH, DELETE) must send it as `X-CSRF-Token`; a
cross-site page can make the browser send the cookie but cannot read the token. Header-authenticated
calls need no token: browsers never attach an `Authorization` header on their own.

A session never outlives its credential: it ends at the session TTL or at the credential's own
expiry (the key's `expires_at`, the token's `exp`), whichever comes first, and only a header
credential starts one, so a session cannot renew itself. Each session also has a record in
`session_index` (id: a SHA-256 of the sid); logout marks it ended, and every process re-reads a
record at most `auth_recheck_seconds` after its last read, so a logged-out cookie stops working
on every worker within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from alertstatus.auth.caching import StoredRecords
from alertstatus.auth.models import Principal, Role
from alertstatus.errors import CsrfRejected, SessionNotRenewable, Unauthenticated
from alertstatus.es.gateway import Gateway

COOKIE_NAME = "alertstatus_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUDIENCE = "alertstatus-session"
INVALID = "Unable to authenticate: invalid or expired session"

INDEX_BODY: dict[str, Any] = {
    "settings": {"index": {"hidden": True, "number_of_shards": 1, "auto_expand_replicas": "0-1"}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "name": {"type": "keyword"},
            "origin": {"type": "keyword"},  # how the session was started: api_key, basic, jwt
            "key_id": {"type": "keyword"},
            "created_at": {"type": "date"},
            "expires_at": {"type": "date"},
            "ended_at": {"type": "date"},
        },
    },
}


def _iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_id(sid: str) -> str:
    """The session record's document id: the sid itself stays in the cookie only."""
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """A cookie whose signature and expiry are good: who, which session, started how."""

    principal: Principal
    sid: str
    origin: str  # the `via` of the credential that started it


@dataclass(frozen=True, slots=True)
class StartedSession:
    cookie: str
    csrf_token: str
    expires_at: int  # epoch seconds

    def max_age(self) -> int:
        return max(0, int(self.expires_at - time.time()))


class Sessions:
    """Starts, reads, checks and ends cookie sessions."""

    def __init__(
        self,
        gateway: Gateway,
        index: str,
        secret: str | None,
        ttl: float,
        *,
        recheck_seconds: float = 2.0,
    ) -> None:
        self.gateway = gateway
        self.index = index
        # No configured secret: a random one, so sessions end with the process (documented).
        self.secret = secret or secrets.token_urlsafe(32)
        self.ttl = ttl
        self.records = StoredRecords(gateway, index, recheck_seconds)

    async def start(self, principal: Principal) -> StartedSession:
        """A new session of a caller who presented a header credential, with its record."""
        started, sid = self.issue(principal)
        record = {
            "name": principal.name,
            "origin": principal.via,
            "key_id": principal.key_id,
            "created_at": _iso(time.time()),
            "expires_at": _iso(started.expires_at),
            "ended_at": None,
        }
        await self.gateway.create_index(self.index, INDEX_BODY)
        await self.gateway.index_document(
            self.index, record_id(sid), record, create=True, refresh="false"
        )
        return started

    def issue(self, principal: Principal) -> tuple[StartedSession, str]:
        """The signed cookie of a new session and its sid (no I/O: `start` stores the record).

        It ends at the TTL or when the credential does, whichever is first; never from a cookie.
        """
        if principal.via == "cookie":
            raise SessionNotRenewable(
                "A session is started with a header credential (Authorization), "
                "not renewed by a cookie"
            )
        now = time.time()
        expires = int(now + self.ttl)
        if principal.expires_at is not None:
            expires = min(expires, int(principal.expires_at))
        if expires <= now:
            raise Unauthenticated("Unable to authenticate: the credential expires too soon")
        sid = secrets.token_urlsafe(16)
        claims: dict[str, Any] = {
            "sub": principal.name,
            "role": principal.role.value,
            "spaces": None if principal.spaces is None else sorted(principal.spaces),
            "kid": principal.key_id,
            "origin": principal.via,
            "sid": sid,
            "exp": expires,
            "aud": _AUDIENCE,
        }
        cookie = jwt.encode(claims, self.secret, algorithm="HS256")
        return StartedSession(cookie, self.csrf_token(sid), expires), sid

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self.secret.encode(), sid.encode(), hashlib.sha256).hexdigest()

    def read(self, cookie: str) -> Session:
        """The cookie's session when its signature and expiry are good (no I/O); else
        Unauthenticated. `open` also checks that it was not ended."""
        try:
            claims = jwt.decode(
                cookie,
                self.secret,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                options={"require": ["exp", "sid", "sub"]},
            )
            spaces = claims.get("spaces")
            principal = Principal(
                name=claims["sub"],
                role=Role(claims["role"]),
                spaces=None if spaces is None else frozenset(spaces),
                via="cookie",
                key_id=claims.get("kid"),
                expires_at=float(claims["exp"]),
            )
            return Session(principal, str(claims["sid"]), str(claims.get("origin", "")))
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise Unauthenticated(INVALID) from error

    async def open(self, cookie: str) -> Session:
        """The cookie's session, when it is also still open in its record (not logged out)."""
        session = self.read(cookie)
        record = await self.records.get(record_id(session.sid))
        if record is None or record.get("ended_at"):
            raise Unauthenticated(INVALID)
        return session

    async def end(self, sid: str) -> None:
        """Logout: the record says ended; this process refuses the cookie at once, others within
        the recheck time."""
        await self.gateway.update_document(
            self.index, record_id(sid), {"ended_at": _iso(time.time())}, refresh=False
        )
        self.records.forget(record_id(sid))

    def check_csrf(self, method: str, sid: str, presented: str | None) -> None:
        """Changes made with a cookie session need the session's token in `X-CSRF-Token`."""
        if method.upper() in SAFE_METHODS:
            return
        if not presented or not hmac.compare_digest(presented, self.csrf_token(sid)):
            raise CsrfRejected("Request must contain a valid X-CSRF-Token header.")
