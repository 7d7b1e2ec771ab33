"""Authentication: turn a request's credentials into a Principal.

Accepted, in this order: `Authorization: ApiKey base64(id:secret)` (keys from `apikey create`),
`Authorization: Basic base64(user:password)` (users from `ALERTSTATUS_AUTH_USERS`),
`Authorization: Bearer <JWT>` (see bearer.py), then the `alertstatus_session` cookie (see
sessions.py, with its CSRF rule). With `ALERTSTATUS_AUTH_ENABLED=false` every caller is an
anonymous admin.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from alertstatus.auth.api_keys import ActiveKeys, ApiKeyStore
from alertstatus.auth.bearer import BearerVerifier
from alertstatus.auth.hashing import VerifiedCache, fingerprint, verify_secret
from alertstatus.auth.models import Principal, Role
from alertstatus.auth.sessions import Sessions
from alertstatus.errors import Unauthenticated
from alertstatus.es.gateway import Gateway
from alertstatus.settings import BasicUser, Settings

ANONYMOUS = Principal(name="anonymous", role=Role.ADMIN)
MAX_CREDENTIAL_LENGTH = 8192  # longer Authorization headers are refused unread


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request carries that may authenticate it (read by the HTTP edge, api/deps.py)."""

    method: str
    authorization: str | None = None
    session_cookie: str | None = None  # the `alertstatus_session` cookie (sessions.COOKIE_NAME)
    csrf_token: str | None = None  # the `X-CSRF-Token` header (sessions.CSRF_HEADER)


class Authenticator:
    """Every way in, built once per app from settings."""

    def __init__(self, settings: Settings, gateway: Gateway) -> None:
        self.enabled = settings.auth_enabled
        self.api_keys = ApiKeyStore(
            gateway,
            settings.api_key_index,
            cache_seconds=settings.api_key_cache_seconds,
            last_used_interval=settings.api_key_last_used_interval,
        )
        self.active_keys = ActiveKeys(self.api_keys)
        self.bearer = BearerVerifier(settings)
        self.sessions = Sessions(settings.session_secret, settings.session_ttl)
        self.users: dict[str, BasicUser] = {user.username: user for user in settings.auth_users}
        self.user_cache: VerifiedCache[Principal] = VerifiedCache(settings.api_key_cache_seconds)

    async def authenticate(self, credentials: Credentials) -> Principal:
        if not self.enabled:
            return ANONYMOUS
        if credentials.authorization:
            return await self.from_header(credentials.authorization)
        if credentials.session_cookie:
            principal, sid = self.sessions.read(credentials.session_cookie)
            self.sessions.check_csrf(credentials.method, sid, credentials.csrf_token)
            if principal.key_id:
                await self.active_keys.check(principal.key_id)
            return principal
        raise Unauthenticated("Unauthorized")

    async def from_header(self, header: str) -> Principal:
        if len(header) > MAX_CREDENTIAL_LENGTH:
            raise Unauthenticated("Unable to authenticate: credential too long")
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        match scheme.lower():
            case "apikey":
                return await self.api_keys.authenticate(value)
            case "basic":
                return await self.basic(value)
            case "bearer":
                return self.bearer.authenticate(value)
        raise Unauthenticated("Unable to authenticate: unsupported authorization scheme")

    async def basic(self, encoded: str) -> Principal:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise Unauthenticated("Unable to authenticate: malformed Basic credential") from error
        username, sep, password = decoded.partition(":")
        cache_key = fingerprint("basic", username, password)
        cached = self.user_cache.get(cache_key)
        if cached is not None:
            return cached
        user = self.users.get(username)
        if not sep or user is None or not await verify_secret(user.password_hash, password):
            raise Unauthenticated(f"Unable to authenticate user [{username[:64]}]")
        principal = Principal(
            name=username,
            role=user.role,
            spaces=None if user.spaces is None else frozenset(user.spaces),
            via="basic",
        )
        self.user_cache.put(cache_key, principal)
        return principal
