"""CHAD's error bodies: FastAPI's `{"detail": ...}`, with the seed's exact texts."""

from __future__ import annotations

import logging

from fastapi import HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError

from alertstatus.engine.vocabulary import ChadStatus
from alertstatus.errors import AlertNotFound, AuthError
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.http import json_response

log = logging.getLogger(__name__)

INVALID_STATUS = "Invalid status value"
NOT_FOUND = "Alert not found"
FORBIDDEN_TRANSITION_STATUS = 409


class ForbiddenTransition(Exception):
    """CHAD's transition rules refuse the change (409, like a state conflict)."""

    def __init__(self, current: ChadStatus, target: ChadStatus) -> None:
        self.current, self.target = current, target
        super().__init__(transition_message(current, target))


def transition_message(current: ChadStatus, target: ChadStatus) -> str:
    return f"Invalid status transition from {current.value} to {target.value}"


def detail(status: int, message: object) -> Response:
    return json_response({"detail": message}, status)


def render(_: Request, error: Exception) -> Response:
    match error:
        case RequestValidationError():
            problems = error.errors()
            if any(problem.get("loc", ())[-1:] == ("status",) for problem in problems):
                return detail(400, INVALID_STATUS)
            return detail(422, jsonable_encoder(problems))
        case AlertNotFound():
            return detail(404, NOT_FOUND)
        case ForbiddenTransition():
            return detail(FORBIDDEN_TRANSITION_STATUS, str(error))
        case UpdateFailed():
            return render_failure(error)
        case AuthError():
            return detail(error.status, error.detail)
        case ElasticsearchError():
            log.warning("chad request failed in Elasticsearch: %s", error.reason())
            return detail(error.status if error.status >= 500 else 500, error.reason())
        case HTTPException():
            return detail(error.status_code, error.detail)
    log.exception("unexpected error", exc_info=error)
    return detail(500, "Internal Server Error")


class UpdateFailed(Exception):
    """Elasticsearch refused the one alert's update (its `_bulk` item failed)."""


def render_failure(error: UpdateFailed) -> Response:
    return detail(500, str(error))
