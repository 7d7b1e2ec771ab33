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


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `spaces=None` means every space."""

    name: str
    role: Role
    spaces: frozenset[str] | None = None
    via: str = "anonymous"  # anonymous | api_key | basic | jwt | cookie

    @property
    def actor(self) -> str | None:
        """What is stored as `workflow_user`: Kibana stores null when there is no user profile."""
        return None if self.via == "anonymous" else self.name

    def may_enter(self, space_id: str) -> bool:
        return self.spaces is None or space_id in self.spaces


class AuthError(Exception):
    """Authentication (401) or authorization (403) failed; dialects render it in their shape."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AuthError):
    status = 401


class Forbidden(AuthError):
    status = 403
