"""The service's own auth routes: who am I, and browser sessions (cookie + CSRF token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from alertstatus.auth.dependencies import require
from alertstatus.auth.models import Principal, Role
from alertstatus.auth.service import Authenticator
from alertstatus.auth.sessions import COOKIE_NAME
from alertstatus.dialects.kibana.errors import KibanaRoute
from alertstatus.errors import Unauthenticated
from alertstatus.http import json_response

router = APIRouter(route_class=KibanaRoute, tags=["alertstatus auth"])

Caller = Annotated[Principal, Depends(require(Role.VIEWER, in_space=False))]


def _authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


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
async def start_session(principal: Caller, request: Request) -> Response:
    """Authenticate with a header credential; the answer carries the session's CSRF token."""
    if principal.via == "anonymous":
        raise Unauthenticated("Sessions need authentication to be enabled")
    authenticator = _authenticator(request)
    cookie, csrf_token, expires = authenticator.sessions.issue(principal)
    response = json_response({"csrf_token": csrf_token, "expires_at": expires})
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        max_age=int(authenticator.sessions.ttl),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.session_cookie_secure,
        path="/",
    )
    return response


@router.get("/api/alertstatus/session", summary="The CSRF token of the current cookie session")
async def session_token(principal: Caller, request: Request) -> Response:
    cookie = request.cookies.get(COOKIE_NAME)
    if principal.via != "cookie" or not cookie:
        raise HTTPException(400, "No cookie session: start one with POST /api/alertstatus/session")
    sessions = _authenticator(request).sessions
    _, sid = sessions.read(cookie)
    return json_response({"csrf_token": sessions.csrf_token(sid)})


@router.delete("/api/alertstatus/session", summary="End the browser session")
async def end_session(principal: Caller) -> Response:
    response = json_response({"ended": principal.via == "cookie"})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
