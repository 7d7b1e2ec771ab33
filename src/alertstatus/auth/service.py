"""Authentication: turn a request's credentials into a Principal.

Accepted, in this order: `Authorization: ApiKey base64(id:secret)` (keys from `apikey create`),
`Authorization: Basic base64(user:password)` (users from `ALERTSTATUS_AUTH_USERS`),
`Authorization: Bearer <JWT>` (see bearer.py), then the `alertstatus_session` cookie (see
sessions.py, with its CSRF rule). With `ALERTSTATUS_AUTH_ENABLED=false` every caller is an
anonymous admin.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from alertstatus.auth.api_keys import ApiKeyStore
from alertstatus.auth.bearer import BearerVerifier
from alertstatus.auth.hashing import SecretChecks, dummy_hash, fingerprint
from alertstatus.auth.models import Principal, Role
from alertstatus.auth.sessions import INVALID, Sessions
from alertstatus.errors import Unauthenticated
from alertstatus.es.gateway import Gateway
from alertstatus.settings import BasicUser, Settings

ANONYMOUS = Principal(name="anonymous", role=Role.ADMIN)
MAX_CREDENTIAL_LENGTH = 8192  # longer Authorization headers are refused unread


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request carries that may authenticate it (read from its headers by the HTTP edge,
    before its body: api/authentication.py)."""

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
            recheck_seconds=settings.auth_recheck_seconds,
            last_used_interval=settings.api_key_last_used_interval,
        )
        self.bearer = BearerVerifier(settings)
        self.sessions = Sessions(
            gateway,
            settings.session_index,
            settings.session_secret,
            settings.session_ttl,
            recheck_seconds=settings.auth_recheck_seconds,
        )
        self.users: dict[str, BasicUser] = {user.username: user for user in settings.auth_users}
        self.user_secrets = SecretChecks(settings.api_key_cache_seconds)

    async def prepare(self) -> None:
        """Make the dummy hash now, so that the first refusal costs what every other one does."""
        if self.enabled:
            await asyncio.to_thread(dummy_hash)

    async def authenticate(self, credentials: Credentials) -> Principal:
        if not self.enabled:
            return ANONYMOUS
        if credentials.authorization:
            return await self.from_header(credentials.authorization)
        if credentials.session_cookie:
            return await self.from_session(credentials)
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

    async def from_session(self, credentials: Credentials) -> Principal:
        """A cookie session that is signed, unexpired, not logged out, whose credential still
        holds; then, for a change, its CSRF token."""
        assert credentials.session_cookie is not None
        session = await self.sessions.open(credentials.session_cookie)
        principal = session.principal
        if principal.key_id:
            await self.api_keys.check_active(principal.key_id)
        elif session.origin == "basic" and principal.name not in self.users:
            raise Unauthenticated(INVALID)  # the user was removed from the settings
        self.sessions.check_csrf(credentials.method, session.sid, credentials.csrf_token)
        return principal

    async def basic(self, encoded: str) -> Principal:
        """A user of the settings; an unknown user costs the same argon2 check as a known one."""
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise Unauthenticated("Unable to authenticate: malformed Basic credential") from error
        username, sep, password = decoded.partition(":")
        user = self.users.get(username) if sep else None
        credential = fingerprint("basic", username, password)
        stored_hash = user.password_hash if user else None
        if not await self.user_secrets.matches(credential, stored_hash, password) or user is None:
            raise Unauthenticated(f"Unable to authenticate user [{username[:64]}]")
        return Principal(
            name=username,
            role=user.role,
            spaces=None if user.spaces is None else frozenset(user.spaces),
            via="basic",
        )
