"""Authentication before any body is read: a pure ASGI middleware that reads the credential from
the request's headers and cookies.

FastAPI reads and parses a route's body before it solves the route's dependencies, so a caller
with no credential at all could make the server take in and parse tens of megabytes, and learn
whether its JSON was well formed. Here the outcome of authentication is settled first and kept in
the request's scope: the caller's `Principal`, or the error that refused it. Nothing is answered
from here: the route does that, in its dialect's shape (api/errors.py): a route that needs a
caller raises the kept error before its body is read, and `require` (api/deps.py) reads the
principal from the scope. Routes that need none (`/api/status`, the API description) never look.

Order of checks: docs/security.md ("Order of checks").
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import Receive, Scope, Send

from alertstatus.api.middleware import HttpMiddleware
from alertstatus.auth.models import Principal
from alertstatus.auth.service import ANONYMOUS, Credentials
from alertstatus.auth.sessions import COOKIE_NAME, CSRF_HEADER
from alertstatus.errors import AlertstatusError, Unauthenticated

PRINCIPAL_SCOPE_KEY = "alertstatus.principal"
REFUSAL_SCOPE_KEY = "alertstatus.authentication_error"
# set on a `require(...)` dependency: the role it demands (read here and by the auth matrix test)
REQUIRED_ROLE_ATTRIBUTE = "required_role"


class Authentication(HttpMiddleware):
    """Settles who calls, from headers and cookies only, and keeps it in the scope."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = await authenticate(scope)
        if isinstance(outcome, Principal):
            scope[PRINCIPAL_SCOPE_KEY] = outcome
        else:
            scope[REFUSAL_SCOPE_KEY] = outcome
        await self.app(scope, receive, send)


async def authenticate(scope: Scope) -> Principal | AlertstatusError:
    """The caller, or why not (401; 403 without a CSRF token; 503 when Elasticsearch is away)."""
    state: Any = scope["app"].state
    if not state.settings.auth_enabled:
        return ANONYMOUS
    services = getattr(state, "services", None)
    if services is None:  # not started: nothing can be checked
        return Unauthenticated("Unauthorized")
    headers = Headers(scope=scope)
    credentials = Credentials(
        method=scope["method"],
        authorization=headers.get("authorization"),
        session_cookie=cookie_parser(headers.get("cookie", "")).get(COOKIE_NAME),
        csrf_token=headers.get(CSRF_HEADER),
    )
    try:
        return await services.authenticator.authenticate(credentials)
    except AlertstatusError as error:
        return error


def authentication_refusal(scope: Scope) -> AlertstatusError | None:
    """Why this request's caller was not authenticated; None when they were."""
    refusal = scope.get(REFUSAL_SCOPE_KEY)
    if refusal is None and PRINCIPAL_SCOPE_KEY not in scope:
        return Unauthenticated("Unauthorized")  # the middleware did not run: refuse, never guess
    return refusal


def principal_of(scope: Scope) -> Principal:
    """The authenticated caller, or the error that refused them, raised."""
    refusal = authentication_refusal(scope)
    if refusal is not None:
        raise refusal
    principal: Principal = scope[PRINCIPAL_SCOPE_KEY]
    return principal


def authenticated_or_none(scope: Scope) -> Principal | None:
    """The caller when authenticated, else None (for routes anyone may call)."""
    return None if authentication_refusal(scope) else scope[PRINCIPAL_SCOPE_KEY]


def needs_caller(dependant: Any) -> bool:
    """Whether a route (its FastAPI `Dependant`) depends on `require(...)` anywhere."""
    return any(
        hasattr(dependency.call, REQUIRED_ROLE_ATTRIBUTE) or needs_caller(dependency)
        for dependency in dependant.dependencies
    )
