"""Who is calling and what they may do: roles, spaces, and the auth errors every dialect renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Ordered roles: each one may do everything the ones before it may."""

    VIEWER = "viewer"  # read alerts, history, tasks
    ANALYST = "analyst"  # change status, tags, assignees; comment
    ADMIN = "admin"  # everything, including API keys and rules

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, value: object) -> Role | None:
        """A role from a token claim: `analyst`, `Admin`, `ROLE_ADMIN`; None when unknown."""
        if not isinstance(value, str):
            return None
        name = value.strip().lower().removeprefix("role_")
        return cls(name) if name in cls._value2member_map_ else None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `spaces=None` means every space."""

    name: str
    role: Role
    spaces: frozenset[str] | None = None
    via: str = "anonymous"  # anonymous | api_key | basic | jwt | cookie
    key_id: str | None = None  # the API key behind the caller, when there is one

    @property
    def actor(self) -> str | None:
        """What is stored as `workflow_user`: Kibana stores the user profile uid, null when there is
        none, as for API keys (so key-authenticated changes store null, as in Kibana)."""
        return None if self.via in ("anonymous", "api_key") else self.name

    def may_enter(self, space_id: str) -> bool:
        return self.spaces is None or space_id in self.spaces


class AuthError(Exception):
    """Authentication (401) or authorization (403) failed; dialects render it in their shape.

    `message` is Kibana's wording; `detail` is the short text of `{"detail": ...}` dialects.
    Neither ever carries a credential.
    """

    status = 401
    detail = "Not authenticated"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AuthError):
    status = 401
    detail = "Not authenticated"


class Forbidden(AuthError):
    status = 403
    detail = "Not enough permissions"


class CsrfRejected(Forbidden):
    """A cookie-authenticated change without a valid `X-CSRF-Token`."""

    detail = "CSRF token missing or invalid"
