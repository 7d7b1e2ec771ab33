"""The service's own auth routes: who am I, and browser sessions (cookie + CSRF token)."""

from __future__ import annotations

from fastapi import HTTPException, Request, Response

from alertstatus.api.deps import AuthenticatorDep, Caller, SettingsDep
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
from alertstatus.auth.sessions import COOKIE_NAME
from alertstatus.errors import Unauthenticated

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["alertstatus auth"])


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
    principal: Caller, request: Request, authenticator: AuthenticatorDep, settings: SettingsDep
) -> Response:
    """Authenticate with a header credential; the answer carries the session's CSRF token."""
    if principal.via == "anonymous":
        raise Unauthenticated("Sessions need authentication to be enabled")
    cookie, csrf_token, expires = authenticator.sessions.issue(principal)
    response = json_response({"csrf_token": csrf_token, "expires_at": expires})
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        max_age=int(authenticator.sessions.ttl),
        httponly=True,
        samesite="strict",
        secure=settings.session_cookie_secure,
        path="/",
    )
    return response


@router.get("/api/alertstatus/session", summary="The CSRF token of the current cookie session")
async def session_token(
    principal: Caller, request: Request, authenticator: AuthenticatorDep
) -> Response:
    cookie = request.cookies.get(COOKIE_NAME)
    if principal.via != "cookie" or not cookie:
        raise HTTPException(400, "No cookie session: start one with POST /api/alertstatus/session")
    sessions = authenticator.sessions
    _, sid = sessions.read(cookie)
    return json_response({"csrf_token": sessions.csrf_token(sid)})


@router.delete("/api/alertstatus/session", summary="End the browser session")
async def end_session(principal: Caller) -> Response:
    response = json_response({"ended": principal.via == "cookie"})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
