"""Who is calling and what they may do: roles, spaces, callers and Basic users."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field


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
    # when the credential stops being valid (epoch seconds): a session started with it ends then
    expires_at: float | None = None

    @property
    def actor(self) -> str | None:
        """What is stored as `workflow_user`: Kibana stores the user profile uid, null when there is
        none, as for API keys (so key-authenticated changes store null, as in Kibana)."""
        return None if self.via in ("anonymous", "api_key") else self.name

    def may_enter(self, space_id: str) -> bool:
        return self.spaces is None or space_id in self.spaces


class BasicUser(BaseModel):
    """A user for `Authorization: Basic`: the password is stored only as an argon2 hash."""

    username: str
    password_hash: str = Field(repr=False)
    role: Role = Role.VIEWER
    spaces: list[str] | None = None  # None: every space
