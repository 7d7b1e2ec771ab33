"""API keys in an Elasticsearch index: created by the CLI, shown once, stored as argon2 hashes.

The credential is Elastic's format, `Authorization: ApiKey base64(<id>:<secret>)`. The document
(id = key id) holds the hash, role, spaces, expiry, revocation and `last_used_at`; never the secret.
Keys are read-only (`viewer`) unless created with a write role (CHAD's rule).

Checking a key (docs/security.md, "API keys"): its record is read by id and trusted for
`auth_recheck_seconds`, so a revocation or a new expiry reaches every worker within that time; the
secret is checked with argon2 once per process (hashing.SecretChecks), against the record's hash.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alertstatus.auth.caching import StoredRecords
from alertstatus.auth.hashing import SecretChecks, fingerprint, hash_secret
from alertstatus.auth.models import Principal, Role
from alertstatus.engine.model import validate_space_id
from alertstatus.errors import Unauthenticated
from alertstatus.es.gateway import ElasticsearchError, Gateway

log = logging.getLogger(__name__)

ALL_SPACES = "*"
# The document that makes one first start, among several workers, the one that creates the
# bootstrap key (`_create` on a fixed id). It is not a key: no hash, revoked.
FIRST_START_CLAIM_ID = "first-start-claim"
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
    expires_at = _parse_time(record.get("expires_at"))
    return Principal(
        name=record.get("name") or f"api_key:{key_id}",
        role=Role(record["role"]),
        spaces=None if ALL_SPACES in spaces else frozenset(spaces),
        via="api_key",
        key_id=key_id,
        expires_at=None if expires_at is None else expires_at.timestamp(),
    )


def _refusal(record: dict[str, Any]) -> str | None:
    """Why a key whose secret matched may not be used now, or None."""
    if record.get("revoked"):
        return "API key has been revoked"
    expires_at = _parse_time(record.get("expires_at"))
    if expires_at is not None and expires_at <= datetime.now(UTC):
        return "API key has expired"
    return None


class ApiKeyStore:
    """Create, list, revoke and verify API keys kept in `index`."""

    def __init__(
        self,
        gateway: Gateway,
        index: str,
        *,
        cache_seconds: float = 3600.0,
        recheck_seconds: float = 2.0,
        last_used_interval: float = 300.0,
    ) -> None:
        self.gateway = gateway
        self.index = index
        self.records = StoredRecords(gateway, index, recheck_seconds)
        self.secrets = SecretChecks(cache_seconds)
        self.last_used_interval = last_used_interval
        self._last_written: dict[str, float] = {}

    async def read(self, key_id: str) -> dict[str, Any] | None:
        """The stored record of a key (real-time read by id, no memory), or None."""
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
    ) -> NewApiKey:
        """A new key with a random id."""
        key, record = _new_key(role, spaces, name, expires_at)
        await self._store(key, record)
        return key

    async def _store(self, key: NewApiKey, record: dict[str, Any]) -> None:
        await self._ensure_index()
        # no refresh: authentication reads by id, which is real-time; `list` refreshes itself
        if not await self.gateway.create_document(self.index, key.id, record, refresh="false"):
            raise RuntimeError(f"API key id {key.id} is taken")  # 80 random bits: never

    async def list(self) -> list[dict[str, Any]]:
        """Every key, newest first, without hashes."""
        await self.gateway.refresh(self.index)
        if not await self.gateway.count(self.index):
            return []
        body = {
            "size": 10_000,
            "query": {"bool": {"must_not": {"ids": {"values": [FIRST_START_CLAIM_ID]}}}},
            "sort": [{"created_at": "desc"}],
            "_source": {"excludes": ["hash"]},
        }
        hits = (await self.gateway.search(self.index, body)).json()["hits"]["hits"]
        return [{"id": hit["_id"], **hit["_source"]} for hit in hits]

    async def revoke(self, key_id: str) -> bool:
        """Mark a key revoked; this process refuses it at once, others within the recheck time."""
        if not _KEY_ID.fullmatch(key_id) or key_id == FIRST_START_CLAIM_ID:
            return False
        revoked = await self.gateway.update_document(
            self.index,
            key_id,
            {"revoked": True, "revoked_at": _iso(datetime.now(UTC))},
            refresh=False,
        )
        self.records.forget(key_id)
        return revoked

    async def bootstrap_admin(self, keep: Callable[[NewApiKey], None]) -> NewApiKey | None:
        """On a first start (no key stored at all), an all-spaces admin key, else None.

        Of several workers starting together, the one whose `_create` of the claim document
        succeeds makes the key. `keep(key)` runs before the key is stored (it writes the key where
        the operator reads it); when it fails, nothing is stored and the claim is withdrawn.
        """
        await self.gateway.refresh(self.index)
        if await self.gateway.count(self.index):
            return None
        await self._ensure_index()
        now = _iso(datetime.now(UTC))
        claim = {
            "name": "first start (not a key)",
            "role": Role.VIEWER.value,
            "spaces": [],
            "created_at": now,
            "expires_at": None,
            "revoked": True,
            "revoked_at": now,
        }
        response = await self.gateway.index_document(
            self.index, FIRST_START_CLAIM_ID, claim, create=True, refresh="false"
        )
        if response.status == 409:
            return None
        key, record = _new_key(Role.ADMIN, None, "bootstrap admin", None)
        try:
            keep(key)
            await self._store(key, record)
        except BaseException:
            await self.gateway.delete_document(self.index, FIRST_START_CLAIM_ID, refresh="false")
            raise
        return key

    async def authenticate(self, encoded: str) -> Principal:
        """The key's principal, or Unauthenticated (unknown, wrong secret, revoked, expired)."""
        key_id, secret = decode_credential(encoded)
        record = await self.records.get(key_id)
        stored_hash = record.get("hash") if record else None
        credential = fingerprint("api_key", key_id, secret)
        if not await self.secrets.matches(credential, stored_hash, secret) or record is None:
            raise Unauthenticated("Unable to authenticate: unknown API key")
        refusal = _refusal(record)
        if refusal:
            raise Unauthenticated(f"Unable to authenticate: {refusal}")
        await self._touch(key_id)
        return _principal(key_id, record)

    async def check_active(self, key_id: str) -> None:
        """Unauthenticated unless the key exists and is neither revoked nor expired (sessions)."""
        record = await self.records.get(key_id)
        if record is None or _refusal(record):
            raise Unauthenticated("Unable to authenticate: the session's API key is not valid")

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


def _new_key(
    role: Role, spaces: tuple[str, ...] | None, name: str, expires_at: datetime | None
) -> tuple[NewApiKey, dict[str, Any]]:
    """A key with a random id and secret, and the record that stores its hash."""
    key_id = secrets.token_hex(10)  # hex: never starts with '-' (CLI-safe)
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
    key = NewApiKey(key_id, record["name"], role, spaces, encode_credential(key_id, secret))
    return key, record
