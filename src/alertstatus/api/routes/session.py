"""The service's own auth routes: who am I, and browser sessions (cookie + CSRF token).

A session is started with a header credential only and ends no later than that credential;
logout ends it server-side (auth/sessions.py, docs/security.md).
"""

from __future__ import annotations

from fastapi import HTTPException, Request, Response

from alertstatus.api.deps import AuthenticatorDep, Caller, SettingsDep
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
from alertstatus.auth.sessions import COOKIE_NAME
from alertstatus.errors import Unauthenticated
from alertstatus.settings import Settings

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["alertstatus auth"])


def set_session_cookie(response: Response, value: str, max_age: int, settings: Settings) -> None:
    """The session cookie, and its deletion at logout, with the same attributes."""
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.session_cookie_secure,
        path="/",
    )


@router.get("/api/alertstatus/whoami", summary="The authenticated caller")
async def whoami(principal: Caller) -> Response:
    return json_response(
        {
            "username": principal.name,
            "role": principal.role.value,
            "spaces": None if principal.spaces is None else sorted(principal.spaces),
            "authentication_type": principal.via,
        }
    )


@router.post("/api/alertstatus/session", summary="Start a browser session (sets a cookie)")
async def start_session(
    principal: Caller, authenticator: AuthenticatorDep, settings: SettingsDep
) -> Response:
    """Authenticate with a header credential; the answer carries the session's CSRF token.

    The session ends at `ALERTSTATUS_SESSION_TTL` or when the credential expires, whichever is
    first; a cookie cannot start another session (403).
    """
    if principal.via == "anonymous":
        raise Unauthenticated("Sessions need authentication to be enabled")
    started = await authenticator.sessions.start(principal)
    response = json_response({"csrf_token": started.csrf_token, "expires_at": started.expires_at})
    set_session_cookie(response, started.cookie, started.max_age(), settings)
    return response


@router.get("/api/alertstatus/session", summary="The CSRF token of the current cookie session")
async def session_token(
    principal: Caller, request: Request, authenticator: AuthenticatorDep
) -> Response:
    cookie = request.cookies.get(COOKIE_NAME)
    if principal.via != "cookie" or not cookie:
        raise HTTPException(400, "No cookie session: start one with POST /api/alertstatus/session")
    sessions = authenticator.sessions
    return json_response({"csrf_token": sessions.csrf_token(sessions.read(cookie).sid)})


@router.delete("/api/alertstatus/session", summary="End the browser session")
async def end_session(
    principal: Caller, request: Request, authenticator: AuthenticatorDep, settings: SettingsDep
) -> Response:
    """Logout: the session's record says ended, so its cookie authenticates nowhere any more."""
    cookie = request.cookies.get(COOKIE_NAME)
    ended = principal.via == "cookie" and cookie is not None
    if ended:
        assert cookie is not None
        await authenticator.sessions.end(authenticator.sessions.read(cookie).sid)
    response = json_response({"ended": ended})
    set_session_cookie(response, "", 0, settings)
    return response
