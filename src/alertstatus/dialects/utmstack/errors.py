"""UTMStack's error bodies.

404 is the seed's `{"error","message","timestamp","status"}`. The seed gives no body for 400, 401
and 500, so those use the shape of UTMStack's framework (Spring Boot's default error attributes):
`{"timestamp","status","error","message","path"}`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from alertstatus.engine.scripts import utc_now_iso
from alertstatus.errors import AlertNotFound, AuthError
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.http import json_response

log = logging.getLogger(__name__)


def spring_error(request: Request, status: int, message: str) -> Response:
    body = {
        "timestamp": utc_now_iso(),
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "path": request.url.path,
    }
    return json_response(body, status)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        if problem.get("type") == "json_invalid":
            return "Malformed JSON request"
        field = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "body"
        parts.append(f"{field}: {problem.get('msg', 'invalid')}")
    return "Invalid request payload: " + "; ".join(parts)


def render(request: Request, error: Exception) -> Response:
    match error:
        case RequestValidationError():
            return spring_error(request, 400, _validation_message(error))
        case AlertNotFound():
            body = {
                "error": "Invalid alert ID",
                "message": f"Alert with ID '{error.missing[0]}' not found",
                "timestamp": utc_now_iso(),
                "status": 404,
            }
            return json_response(body, 404)
        case AuthError():
            return spring_error(request, error.status, error.message)
        case ElasticsearchError():
            log.warning("utmstack status update failed: %s", error.reason())
            return spring_error(request, 500, "Internal server error during update")
        case HTTPException():
            return spring_error(request, error.status_code, str(error.detail))
    log.exception("unexpected error", exc_info=error)
    return spring_error(request, 500, "Internal server error during update")
