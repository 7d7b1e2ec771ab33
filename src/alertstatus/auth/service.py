"""Authentication: turn a request's credentials into a Principal.

Seam only for now (issue 4 fills it in): with `ALERTSTATUS_AUTH_ENABLED=false` every caller is an
anonymous admin.
"""

from __future__ import annotations

from fastapi import Request

from alertstatus.auth.models import Principal, Role, Unauthenticated

ANONYMOUS = Principal(name="anonymous", role=Role.ADMIN)


async def authenticate(request: Request) -> Principal:
    """The caller of `request`, or Unauthenticated."""
    if not request.app.state.settings.auth_enabled:
        return ANONYMOUS
    raise Unauthenticated("authentication is not implemented yet")
