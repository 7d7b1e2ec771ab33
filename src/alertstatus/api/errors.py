"""Error shapes: one route class factory, and one renderer table per dialect.

Every route belongs to a dialect (`ErrorDialect`): the wording and shape its callers expect when
something goes wrong. The route class made by `dialect_route` answers every error its routes
raise, request validation, refused credentials and oversized bodies included, with that dialect's
table. It also refuses an unauthenticated caller of a route that needs one before the body is read
(api/authentication.py), and parses bodies as strict JSON (api/json_bodies.py). A table maps
exception classes to renderers and is searched along the error's class hierarchy (as Starlette
looks up exception handlers), so a domain error (`alertstatus.errors`) that no table names is still
answered with its own `status` in the dialect's generic shape.

The shapes come from the documents each dialect publishes (docs/dialects.md): Kibana's platform
`{statusCode, error, message}` and security solution `{message, status_code}`, UTMStack's Spring
Boot body, CHAD's FastAPI `{"detail": ...}`. The security solution's routes word a body that
fails validation as zod does (api/zod.py); Kibana's platform routes and ours keep
`[request body].<path>: <problem>`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException  # FastAPI's is a subclass; body parsing raises this

from alertstatus.api.authentication import authentication_refusal, needs_caller
from alertstatus.api.json_bodies import StrictJsonRequest
from alertstatus.api.limits import RefusedWhileReading, body_pending, check_declared_size
from alertstatus.api.responses import json_response
from alertstatus.api.zod import zod_message
from alertstatus.engine.scripts import utc_now_iso
from alertstatus.errors import (
    AlertNotFound,
    AlertstatusError,
    AuthError,
    ChangeNotVisible,
    ForbiddenTransition,
    InvalidArrays,
    InvalidSpaceId,
    InvalidTaskId,
    Overloaded,
    SelectionTooLarge,
    StatusChangeError,
)
from alertstatus.es.gateway import ElasticsearchError, ElasticsearchUnavailable

log = logging.getLogger(__name__)

Renderer = Callable[[Request, Any], Response]

INVALID_JSON = "Invalid request payload JSON format"


@dataclass(frozen=True, slots=True)
class ErrorDialect:
    """How one dialect answers errors, and what its routes document in OpenAPI."""

    name: str  # the `dialect` label of metrics and log lines
    renderers: Mapping[type[BaseException], Renderer]
    validation_status: int = 400  # what a body or parameter that fails validation answers
    documented: Mapping[int, str] = field(default_factory=dict)

    def render(self, request: Request, error: Exception) -> Response:
        """The renderer of the nearest class in `error`'s hierarchy; unknown errors are logged."""
        for kind in type(error).__mro__:
            renderer = self.renderers.get(kind)
            if kind is Exception:
                log.exception("unexpected error", exc_info=error)
            if renderer is not None:
                return renderer(request, error)
        raise error  # BaseException (cancellation, exit) is not ours to answer


def dialect_route(dialect: ErrorDialect) -> type[APIRoute]:
    """The route class of a dialect: its errors, its documented statuses, its metrics label."""

    class DialectRoute(APIRoute):
        error_dialect = dialect

        def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
            super().__init__(path, endpoint, **options)
            documented = {
                status: {"description": text}
                for status, text in dialect.documented.items()
                if status != 413 or self.body_field is not None
            }
            self.responses = {**documented, **self.responses}

        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()
            needs_a_caller = needs_caller(self.dependant)

            async def handle(request: Request) -> Response:
                unread = True  # until the handler starts: it reads the body first
                try:
                    if needs_a_caller and (refusal := authentication_refusal(request.scope)):
                        raise refusal  # before a single body byte is read
                    check_declared_size(request.scope)
                    unread = False
                    return await handler(StrictJsonRequest(request.scope, request.receive))
                except Exception as error:
                    if isinstance(error, RefusedWhileReading):
                        error, unread = error.error, True
                    response = dialect.render(request, error)
                    if response.status_code in (408, 413) or (
                        unread and body_pending(request.scope)
                    ):
                        response.headers["connection"] = "close"  # the body was left unread
                    return response

            return handle

    return DialectRoute


# --- Kibana ---------------------------------------------------------------------------------------


def platform_error(status: int, message: str) -> Response:
    """Kibana core's shape (hapi/Boom): validation, auth, routing, alerting."""
    return json_response(
        {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}, status
    )


def siem_error(status: int, message: Any) -> Response:
    """The security solution's route-level shape (`transformError`)."""
    return json_response({"message": message, "status_code": status}, status)


def retry_later(response: Response, error: Overloaded) -> Response:
    """A 429 in any dialect's shape, with the `Retry-After` every dialect sends with it."""
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def platform_validation_message(errors: Sequence[Any]) -> str:
    """`[request body].field: message` for each problem (Kibana's platform routes, ours)."""
    parts = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return INVALID_JSON
        where, *path = error.get("loc") or ("body",)
        prefix = "[request body]" if where == "body" else f"[request {where}]"
        text = "Required" if error.get("type") == "missing" else error.get("msg", "Invalid")
        text = text.removeprefix("Value error, ")
        location = prefix + "".join(f".{part}" for part in path)
        parts.append(f"{location}: {text}")
    return ", ".join(parts) or "[request body]: Invalid input"


def elasticsearch_message(error: ElasticsearchError) -> str:
    """Kibana's `type: reason`, without internals; the full reason goes to the log."""
    log.warning("Elasticsearch answered %s: %s", error.status, error.reason())
    return error.public_reason()


def zod_validation(_: Request, error: RequestValidationError) -> Response:
    """The security solution's routes: zod's texts (api/zod.py); malformed JSON is hapi's."""
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return platform_error(400, INVALID_JSON)
    return platform_error(400, zod_message(problems))


KIBANA_RENDERERS: dict[type[BaseException], Renderer] = {
    RequestValidationError: lambda _, error: platform_error(
        400, platform_validation_message(error.errors())
    ),
    InvalidSpaceId: lambda _, error: platform_error(400, f"[request params].space_id: {error}"),
    InvalidTaskId: lambda _, error: platform_error(400, f"[request params].task_id: {error}"),
    SelectionTooLarge: lambda _, error: platform_error(400, f"[request body].signal_ids: {error}"),
    StatusChangeError: lambda _, error: siem_error(400, error.message),
    InvalidArrays: lambda _, error: siem_error(400, error.messages),
    AlertNotFound: lambda _, error: platform_error(404, f"Alert [{error.missing[0]}] not found"),
    ElasticsearchError: lambda _, error: siem_error(error.status, elasticsearch_message(error)),
    Overloaded: lambda _, error: retry_later(siem_error(429, error.message), error),
    ChangeNotVisible: lambda _, error: siem_error(503, error.message),
    AlertstatusError: lambda _, error: platform_error(error.status, error.message),
    HTTPException: lambda _, error: platform_error(error.status_code, str(error.detail)),
    Exception: lambda _, error: siem_error(500, "Internal Server Error"),
}

KIBANA_DOCUMENTED = {
    400: "Invalid input: `{statusCode, error, message}` or `{message, status_code}`.",
    401: "No valid credential: `{statusCode: 401, error, message}`.",
    403: "The caller's role or spaces do not allow this: `{statusCode: 403, error, message}`.",
    413: "The body is larger than `ALERTSTATUS_MAX_BODY_BYTES`: `{statusCode: 413, ...}`.",
    429: "Too many status changes waiting: `{message, status_code: 429}` and `Retry-After`.",
    500: "`{message, status_code}`; Elasticsearch's errors keep its status (503, 504: no answer).",
}

# The security solution's routes (signals status, tags, assignees, search): zod-validated there.
KIBANA = ErrorDialect(
    "kibana",
    {**KIBANA_RENDERERS, RequestValidationError: zod_validation},
    documented=KIBANA_DOCUMENTED,
)

# Kibana's platform routes (alerting rules, status): Elasticsearch failures in the platform shape.
KIBANA_PLATFORM = ErrorDialect(
    "kibana",
    {
        **KIBANA_RENDERERS,
        ElasticsearchError: lambda _, error: platform_error(
            error.status, elasticsearch_message(error)
        ),
    },
    documented={
        **KIBANA_DOCUMENTED,
        500: "`{statusCode, error, message}`; Elasticsearch's errors keep its status.",
    },
)

# alertstatus's own routes (history, tasks, sessions, metrics) answer as Kibana's routes do.
ALERTSTATUS = ErrorDialect("alertstatus", KIBANA_RENDERERS, documented=KIBANA_DOCUMENTED)


# --- UTMStack: Spring Boot's default error attributes; its documented body for 404 ---------------


def spring_error(request: Request, status: int, message: str) -> Response:
    body = {
        "timestamp": utc_now_iso(),
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "path": request.url.path,
    }
    return json_response(body, status)


def utmstack_validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        if problem.get("type") == "json_invalid":
            return "Malformed JSON request"
        location = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "body"
        parts.append(f"{location}: {problem.get('msg', 'invalid')}")
    return "Invalid request payload: " + "; ".join(parts)


def utmstack_not_found(_: Request, error: AlertNotFound) -> Response:
    body = {
        "error": "Invalid alert ID",
        "message": f"Alert with ID '{error.missing[0]}' not found",
        "timestamp": utc_now_iso(),
        "status": 404,
    }
    return json_response(body, 404)


def utmstack_unavailable(request: Request, error: ElasticsearchUnavailable) -> Response:
    """No answer from Elasticsearch: 503 (504 on a timeout) in Spring's shape, so a pipeline
    retries; sending the same request again is safe (docs/reliability.md)."""
    log.warning("utmstack request got no answer from Elasticsearch: %s", error.reason())
    return spring_error(request, error.status, error.public_reason())


def utmstack_failure(request: Request, error: Exception) -> Response:
    if isinstance(error, ElasticsearchError):
        log.warning("utmstack status update failed: %s", error.reason())
    return spring_error(request, 500, "Internal server error during update")


UTMSTACK = ErrorDialect(
    "utmstack",
    {
        RequestValidationError: lambda request, error: spring_error(
            request, 400, utmstack_validation_message(error)
        ),
        AlertNotFound: utmstack_not_found,
        ElasticsearchUnavailable: utmstack_unavailable,
        ElasticsearchError: utmstack_failure,
        Overloaded: lambda request, error: retry_later(
            spring_error(request, 429, error.message), error
        ),
        AlertstatusError: lambda request, error: spring_error(request, error.status, error.message),
        HTTPException: lambda request, error: spring_error(
            request, error.status_code, str(error.detail)
        ),
        Exception: utmstack_failure,
    },
    documented={
        400: "Invalid input: `{timestamp, status, error, message, path}`.",
        401: "No valid credential (Spring's error body).",
        403: "The caller's role or spaces do not allow this (Spring's error body).",
        404: "An alert id names no alert: `{error, message, timestamp, status}`; nothing changed.",
        413: "The body is larger than `ALERTSTATUS_MAX_BODY_BYTES` (Spring's error body).",
        429: "Too many status changes waiting (Spring's error body) and `Retry-After`.",
        500: "Elasticsearch failed: `Internal server error during update`.",
        503: "Elasticsearch did not answer (504: not in time), or the change is not yet visible "
        "to search, in Spring's error body.",
    },
)


# --- CHAD: FastAPI's `{"detail": ...}` with CHAD's documented texts ---------------------------

CHAD_INVALID_STATUS = "Invalid status value"
CHAD_NOT_FOUND = "Alert not found"
CHAD_PROBLEM_KEYS = ("type", "loc", "msg")


def detail(status: int, message: object) -> Response:
    return json_response({"detail": message}, status)


def chad_validation(_: Request, error: RequestValidationError) -> Response:
    problems = error.errors()
    if any(problem.get("loc", ())[-1:] == ("status",) for problem in problems):
        return detail(400, CHAD_INVALID_STATUS)
    # FastAPI's 422 shape, without `input`/`ctx`/`url`: a refusal never echoes what was sent
    return detail(422, [{key: problem[key] for key in CHAD_PROBLEM_KEYS} for problem in problems])


def chad_elasticsearch(_: Request, error: ElasticsearchError) -> Response:
    log.warning("chad request failed in Elasticsearch: %s", error.reason())
    return detail(error.status if error.status >= 500 else 500, error.public_reason())


CHAD = ErrorDialect(
    "chad",
    {
        RequestValidationError: chad_validation,
        AlertNotFound: lambda _, error: detail(404, CHAD_NOT_FOUND),
        ForbiddenTransition: lambda _, error: detail(409, error.message),
        AuthError: lambda _, error: detail(error.status, error.detail),
        ElasticsearchError: chad_elasticsearch,
        Overloaded: lambda _, error: retry_later(detail(429, error.message), error),
        AlertstatusError: lambda _, error: detail(error.status, error.message),
        HTTPException: lambda _, error: detail(error.status_code, error.detail),
        Exception: lambda _, error: detail(500, "Internal Server Error"),
    },
    validation_status=422,
    documented={
        400: f'`{{"detail": "{CHAD_INVALID_STATUS}"}}`.',
        401: '`{"detail": "Not authenticated"}`.',
        403: '`{"detail": "Not enough permissions"}`.',
        404: f'`{{"detail": "{CHAD_NOT_FOUND}"}}`.',
        409: "Forbidden transition: `Invalid status transition from <a> to <b>`.",
        413: "The body is larger than `ALERTSTATUS_MAX_BODY_BYTES`.",
        429: 'Too many status changes waiting: `{"detail": ...}` and `Retry-After`.',
    },
)
