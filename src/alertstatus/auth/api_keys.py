"""API keys in an Elasticsearch index: created by the CLI, shown once, stored as argon2 hashes.

The credential is Elastic's format, `Authorization: ApiKey base64(<id>:<secret>)`. The document
(id = key id) holds the hash, role, spaces, expiry, revocation and `last_used_at`; never the secret.
Keys are read-only (`viewer`) unless created with a write role (CHAD's rule).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alertstatus.auth.hashing import VerifiedCache, fingerprint, hash_secret, verify_secret
from alertstatus.auth.models import Principal, Role
from alertstatus.engine.model import validate_space_id
from alertstatus.errors import Unauthenticated
from alertstatus.es.gateway import ElasticsearchError, Gateway

log = logging.getLogger(__name__)

ALL_SPACES = "*"
BOOTSTRAP_KEY_ID = "bootstrap-admin"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAX_SECRET = 256

INDEX_BODY: dict[str, Any] = {
    "settings": {"index": {"hidden": True, "number_of_shards": 1, "auto_expand_replicas": "0-1"}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "name": {"type": "keyword"},
            "hash": {"type": "keyword", "index": False},
            "role": {"type": "keyword"},
            "spaces": {"type": "keyword"},
            "created_at": {"type": "date"},
            "expires_at": {"type": "date"},
            "revoked": {"type": "boolean"},
            "revoked_at": {"type": "date"},
            "last_used_at": {"type": "date"},
        },
    },
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """What `apikey create` shows once: the id and the encoded credential to send."""

    id: str
    name: str
    role: Role
    spaces: tuple[str, ...] | None
    encoded: str  # base64(id:secret), for `Authorization: ApiKey <encoded>`

    @property
    def header(self) -> str:
        return f"ApiKey {self.encoded}"


def encode_credential(key_id: str, secret: str) -> str:
    return base64.b64encode(f"{key_id}:{secret}".encode()).decode()


def decode_credential(encoded: str) -> tuple[str, str]:
    """`base64(id:secret)` into its parts; Unauthenticated when it is not that."""
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise Unauthenticated("Unable to authenticate: malformed API key") from error
    key_id, sep, secret = text.partition(":")
    if not sep or not _KEY_ID.fullmatch(key_id) or not 0 < len(secret) <= _MAX_SECRET:
        raise Unauthenticated("Unable to authenticate: malformed API key")
    return key_id, secret


def _spaces_field(spaces: tuple[str, ...] | None) -> list[str]:
    if spaces is None:
        return [ALL_SPACES]
    return [validate_space_id(space) for space in spaces]


def _principal(key_id: str, record: dict[str, Any]) -> Principal:
    spaces = record.get("spaces") or []
    return Principal(
        name=record.get("name") or f"api_key:{key_id}",
        role=Role(record["role"]),
        spaces=None if ALL_SPACES in spaces else frozenset(spaces),
        via="api_key",
        key_id=key_id,
    )


class ApiKeyStore:
    """Create, list, revoke and verify API keys kept in `index`."""

    def __init__(
        self,
        gateway: Gateway,
        index: str,
        *,
        cache_seconds: float = 60.0,
        last_used_interval: float = 300.0,
    ) -> None:
        self.gateway = gateway
        self.index = index
        self.cache: VerifiedCache[tuple[Principal, datetime | None]] = VerifiedCache(cache_seconds)
        self.last_used_interval = last_used_interval
        self._last_written: dict[str, float] = {}

    async def read(self, key_id: str) -> dict[str, Any] | None:
        """The stored record of a key (real-time read by id), or None."""
        response = await self.gateway.get_document(self.index, key_id)
        return None if response.status == 404 else response.json().get("_source")

    async def _ensure_index(self) -> None:
        await self.gateway.create_index(self.index, INDEX_BODY)

    async def create(
        self,
        *,
        role: Role = Role.VIEWER,
        spaces: tuple[str, ...] | None = None,
        name: str = "",
        expires_at: datetime | None = None,
        key_id: str | None = None,
    ) -> NewApiKey | None:
        """A new key; None only when `key_id` is given and already taken."""
        await self._ensure_index()
        key_id = key_id or secrets.token_hex(10)  # hex: never starts with '-' (CLI-safe)
        secret = secrets.token_urlsafe(32)
        record = {
            "name": name or f"api_key:{key_id}",
            "hash": hash_secret(secret),
            "role": role.value,
            "spaces": _spaces_field(spaces),
            "created_at": _iso(datetime.now(UTC)),
            "expires_at": _iso(expires_at) if expires_at else None,
            "revoked": False,
        }
        # no refresh: authentication reads by id, which is real-time; `list` refreshes itself
        response = await self.gateway.index_document(
            self.index, key_id, record, create=True, refresh="false"
        )
        if response.status == 409:
            return None
        return NewApiKey(key_id, record["name"], role, spaces, encode_credential(key_id, secret))

    async def list(self) -> list[dict[str, Any]]:
        """Every key, newest first, without hashes."""
        await self.gateway.refresh(self.index)
        if not await self.gateway.count(self.index):
            return []
        body = {"size": 10_000, "sort": [{"created_at": "desc"}], "_source": {"excludes": ["hash"]}}
        hits = (await self.gateway.search(self.index, body)).json()["hits"]["hits"]
        return [{"id": hit["_id"], **hit["_source"]} for hit in hits]

    async def revoke(self, key_id: str) -> bool:
        """Mark a key revoked; this process forgets it at once, others within the cache TTL."""
        if not _KEY_ID.fullmatch(key_id):
            return False
        self.cache.forget_where(lambda entry: entry[0].key_id == key_id)
        return await self.gateway.update_document(
            self.index,
            key_id,
            {"revoked": True, "revoked_at": _iso(datetime.now(UTC))},
            refresh=False,
        )

    async def bootstrap_admin(self) -> NewApiKey | None:
        """An all-spaces admin key when the store has no key at all (first start), else None."""
        await self.gateway.refresh(self.index)
        if await self.gateway.count(self.index):
            return None
        return await self.create(role=Role.ADMIN, name="bootstrap admin", key_id=BOOTSTRAP_KEY_ID)

    async def authenticate(self, encoded: str) -> Principal:
        """The key's principal, or Unauthenticated (unknown, wrong secret, revoked, expired)."""
        key_id, secret = decode_credential(encoded)
        cache_key = fingerprint("api_key", key_id, secret)
        cached = self.cache.get(cache_key)
        if cached is not None:
            principal, expires_at = cached
        else:
            record = await self.read(key_id)
            if record is None or not await verify_secret(record.get("hash", ""), secret):
                raise Unauthenticated("Unable to authenticate: unknown API key")
            if record.get("revoked"):
                raise Unauthenticated("Unable to authenticate: API key has been revoked")
            principal, expires_at = _principal(key_id, record), _parse_time(record["expires_at"])
            self.cache.put(cache_key, (principal, expires_at))
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise Unauthenticated("Unable to authenticate: API key has expired")
        await self._touch(key_id)
        return principal

    async def _touch(self, key_id: str) -> None:
        """Record `last_used_at`, at most once per interval per process: not a write per call."""
        now = time.monotonic()
        last = self._last_written.get(key_id)
        if last is not None and now - last < self.last_used_interval:
            return
        self._last_written[key_id] = now
        try:
            await self.gateway.update_document(
                self.index, key_id, {"last_used_at": _iso(datetime.now(UTC))}, refresh=False
            )
        except ElasticsearchError as error:  # bookkeeping must never fail a request
            log.warning("could not record last use of API key %s: %s", key_id, error.reason())


class ActiveKeys:
    """Is a key (behind a cookie session) still valid? Remembered for the cache TTL."""

    def __init__(self, store: ApiKeyStore) -> None:
        self.store = store
        self.cache: VerifiedCache[bool] = VerifiedCache(store.cache.ttl)

    async def check(self, key_id: str) -> None:
        if self.cache.get(key_id):
            return
        record = await self.store.read(key_id)
        expires_at = _parse_time(record.get("expires_at")) if record else None
        if (
            record is None
            or record.get("revoked")
            or (expires_at is not None and expires_at <= datetime.now(UTC))
        ):
            raise Unauthenticated("Unable to authenticate: the session's API key is not valid")
        self.cache.put(key_id, True)
