"""Slow salted hashes for stored secrets, checked once per presented credential, in equal time.

Secrets (API keys, Basic passwords) are stored only as argon2id hashes (argon2-cffi defaults:
64 MiB, 3 passes, about 100 ms per check here). Paying that on every request would cap a core at
~10 requests/s, so `SecretChecks` remembers a *successful* check for `api_key_cache_seconds`, keyed
by a SHA-256 of the presented credential and tied to the hash it passed against: a hit costs one
fast hash and a dict lookup. Failures are never remembered. Requests presenting the same credential
while its check runs wait for that check (single flight): 64 requests of a new key cost one argon2
run, not 64.

Every refusal costs the same work: a credential whose id or user does not exist is checked against a
dummy hash made with the same parameters, so the time of a 401 does not say whether the id exists
(docs/security.md, "Authentication").
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from functools import cache, partial

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from alertstatus.auth.caching import SingleFlight, TimedCache

_HASHER = PasswordHasher()
_CHECKS = threading.BoundedSemaphore(2)  # bound CPU spent on slow hashes (a flood of bad keys)


def hash_secret(secret: str) -> str:
    """An argon2id hash with a random salt, in the PHC string format."""
    return _HASHER.hash(secret)


@cache
def dummy_hash() -> str:
    """A hash of a random secret, made with the current parameters: unknown ids check against it."""
    return hash_secret(secrets.token_urlsafe(32))


def is_hash(stored: str | None) -> bool:
    """Whether `stored` is an argon2 PHC string (a record without one is checked as unknown)."""
    if not stored:
        return False
    try:
        extract_parameters(stored)
    except InvalidHashError:
        return False
    return True


def _verify(stored_hash: str, secret: str) -> bool:
    with _CHECKS:
        try:
            return _HASHER.verify(stored_hash, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


async def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Check `secret` against `stored_hash` off the event loop (argon2 is CPU-bound).

    No usable hash (unknown id or user): the same check runs against `dummy_hash()`, and fails.
    """
    if is_hash(stored_hash):
        assert stored_hash is not None
        return await asyncio.to_thread(_verify, stored_hash, secret)
    await asyncio.to_thread(_verify, await asyncio.to_thread(dummy_hash), secret)
    return False


def fingerprint(*parts: str) -> str:
    """A fast hash of a presented credential: the cache key, never stored anywhere."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class SecretChecks:
    """argon2 checks of presented secrets: one at a time per credential, successes remembered."""

    def __init__(self, remember_seconds: float) -> None:
        self._passed: TimedCache[str] = TimedCache(remember_seconds)  # fingerprint -> stored hash
        self._running: SingleFlight[bool] = SingleFlight()

    async def matches(self, credential: str, stored_hash: str | None, secret: str) -> bool:
        """Whether `secret` matches `stored_hash`; `credential` is the presented credential's
        `fingerprint`. A remembered success counts only for the very hash it passed against."""
        if stored_hash is not None and self._passed.get(credential) == stored_hash:
            return True
        flight = fingerprint(credential, stored_hash or "")
        check = partial(self._check, credential, stored_hash, secret)
        return await self._running.run(flight, check)

    async def _check(self, credential: str, stored_hash: str | None, secret: str) -> bool:
        passed = await verify_secret(stored_hash, secret)
        if passed and stored_hash is not None:
            self._passed.put(credential, stored_hash)
        return passed
