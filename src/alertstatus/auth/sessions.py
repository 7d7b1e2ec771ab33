"""Browser sessions in a cookie, and the CSRF token that must accompany their changes.

Design (docs/security.md): `POST /api/alertstatus/session`, authenticated by a header credential,
sets `alertstatus_session`, an HttpOnly, SameSite=Strict cookie holding a short-lived HS256 JWT
signed with `session_secret` (the caller's name, role, spaces and a random session id `sid`).
Its CSRF token is HMAC-SHA256(session_secret, sid), returned in the body (and by
`GET /api/alertstatus/session`), never in a cookie. A cookie-authenticated request that changes
anything (POST, PUT, PATCH, DELETE) must send it as `X-CSRF-Token`; a cross-site page can make the
browser send the cookie but cannot read the token. Header-authenticated calls need no token:
browsers never attach an `Authorization` header on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt

from alertstatus.auth.models import Principal, Role
from alertstatus.errors import CsrfRejected, Unauthenticated

COOKIE_NAME = "alertstatus_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUDIENCE = "alertstatus-session"


class Sessions:
    """Issues and checks cookie sessions and their CSRF tokens."""

    def __init__(self, secret: str | None, ttl: float) -> None:
        # No configured secret: a random one, so sessions end with the process (documented).
        self.secret = secret or secrets.token_urlsafe(32)
        self.ttl = ttl

    def issue(self, principal: Principal) -> tuple[str, str, int]:
        """(cookie value, CSRF token, expiry epoch seconds) for a new session of `principal`."""
        sid = secrets.token_urlsafe(16)
        expires = int(time.time() + self.ttl)
        claims: dict[str, Any] = {
            "sub": principal.name,
            "role": principal.role.value,
            "spaces": None if principal.spaces is None else sorted(principal.spaces),
            "kid": principal.key_id,
            "sid": sid,
            "exp": expires,
            "aud": _AUDIENCE,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256"), self.csrf_token(sid), expires

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self.secret.encode(), sid.encode(), hashlib.sha256).hexdigest()

    def read(self, cookie: str) -> tuple[Principal, str]:
        """The session's principal and its sid; Unauthenticated when forged or expired."""
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
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise Unauthenticated("Unable to authenticate: invalid or expired session") from error
        return principal, claims["sid"]

    def check_csrf(self, method: str, sid: str, presented: str | None) -> None:
        """Changes made with a cookie session need the session's token in `X-CSRF-Token`."""
        if method.upper() in SAFE_METHODS:
            return
        if not presented or not hmac.compare_digest(presented, self.csrf_token(sid)):
            raise CsrfRejected("Request must contain a valid X-CSRF-Token header.")
