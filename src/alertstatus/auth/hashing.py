"""Slow salted hashes for stored secrets, and a short memory of recent successful checks.

Secrets (API keys, Basic passwords) are stored only as argon2id hashes (argon2-cffi defaults:
64 MiB, 3 passes, about 100 ms per check here). Paying that on every request would cap a core at
~10 requests/s, so a *successful* check is remembered for `api_key_cache_seconds`, keyed by a
SHA-256 of the presented credential: a hit costs one fast hash and a dict lookup. Failures are
never remembered (a wrong secret is always hashed again). The memory lives in the process only.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")

_HASHER = PasswordHasher()
_CHECKS = threading.BoundedSemaphore(2)  # bound CPU spent on slow hashes (a flood of bad keys)


def hash_secret(secret: str) -> str:
    """An argon2id hash with a random salt, in the PHC string format."""
    return _HASHER.hash(secret)


def _verify(stored_hash: str, secret: str) -> bool:
    with _CHECKS:
        try:
            return _HASHER.verify(stored_hash, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


async def verify_secret(stored_hash: str, secret: str) -> bool:
    """Check `secret` against `stored_hash` off the event loop (argon2 is CPU-bound)."""
    return await asyncio.to_thread(_verify, stored_hash, secret)


def fingerprint(*parts: str) -> str:
    """A fast hash of a presented credential: the cache key, never stored anywhere."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    until: float


class VerifiedCache(Generic[T]):
    """Successful verifications for `ttl` seconds; `forget` drops one at once (revocation)."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, _Entry[T]] = {}

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.until < time.monotonic():
            del self._entries[key]
            return None
        return entry.value

    def put(self, key: str, value: T) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude but bounded: a flood of valid keys only costs re-hashing
        self._entries[key] = _Entry(value, time.monotonic() + self.ttl)

    def forget_where(self, predicate: object) -> None:
        """Drop every entry whose value matches `predicate(value)`."""
        assert callable(predicate)
        for key in [k for k, e in self._entries.items() if predicate(e.value)]:
            del self._entries[key]
