"""The FastAPI application: routers, middleware, the lifespan that builds the services, and the
OpenAPI document that says what each route really answers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from alertstatus import __version__
from alertstatus.api.authentication import Authentication
from alertstatus.api.console import console_router
from alertstatus.api.limits import BodyLimits
from alertstatus.api.middleware import ObservabilityMiddleware
from alertstatus.api.responses import json_response
from alertstatus.api.routes import (
    alerting_rules,
    chad,
    history,
    kql,
    legacy_alerting,
    metrics,
    session,
    signals,
    spaces,
    system,
    tasks,
    utmstack,
)
from alertstatus.auth.bootstrap import bootstrap_admin_key
from alertstatus.engine.model import StatusChange
from alertstatus.engine.outcome import UpdateCounts
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.observability.logs import configure_logging, note_update
from alertstatus.observability.metrics import Metrics
from alertstatus.services import build_services
from alertstatus.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Matching order matters once: the legacy rule routes (`/api/alerts/_find`, `/api/alerts/alert/..`)
# come before CHAD's `/api/alerts/{alert_id}`, which would match them too.
ROUTERS = (
    signals.router,
    utmstack.router,
    history.router,
    kql.router,
    system.router,
    spaces.router,
    tasks.router,
    metrics.router,
    legacy_alerting.router,
    alerting_rules.router,
    chad.router,
    session.router,
)


def api_routes() -> list[APIRoute]:
    """Every route of the API, as the routers declare them (the app adds no prefix)."""
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for the cluster given by `settings.elasticsearch_url`."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    registry = Metrics()

    def observe_update(change: StatusChange, counts: UpdateCounts) -> None:
        registry.observe_update(change, counts)
        note_update(change, counts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(
            settings,
            observer=observe_update,
            on_elasticsearch_error=registry.observe_elasticsearch_error,
        )
        app.state.services = services
        await services.authenticator.prepare()
        await bootstrap_admin_key(services.authenticator, settings)
        if settings.install_templates:
            try:
                await services.indices.install_components()
            except ElasticsearchError as error:  # retried on first use of a space
                log.warning("templates not installed at start-up: %s", error.reason())
        try:
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="alertstatus",
        version=__version__,
        description="Bulk alert status changes on Elasticsearch, in Kibana's dialect and others.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = registry
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/app", console_router())  # the analyst console's files (docs/console.md)
    # The last added runs first: observability, then authentication (from headers), then the
    # body limits, which depend on whether the caller was authenticated.
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        max_unauthenticated_bytes=settings.max_unauthenticated_body_bytes,
        timeout=settings.body_timeout,
    )
    app.add_middleware(Authentication)
    app.add_middleware(ObservabilityMiddleware, metrics=registry)
    app.add_exception_handler(HTTPException, unmatched_request)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


async def unmatched_request(_: Request, error: Exception) -> Response:
    """Unknown routes and methods (no route class answers them), in Kibana's platform shape."""
    assert isinstance(error, HTTPException)
    return json_response(
        {
            "statusCode": error.status_code,
            "error": HTTPStatus(error.status_code).phrase,
            "message": str(error.detail),
        },
        error.status_code,
    )


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, where validation failures say the status the dialect really answers.

    FastAPI documents 422 for every route with parameters; Kibana's and UTMStack's routes answer
    400 instead (api/errors.py), so their 422 goes.
    """
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for route in api_routes():
        dialect = getattr(route, "error_dialect", None)
        if dialect is None or dialect.validation_status == 422:
            continue
        operations = document["paths"].get(route.path_format, {})
        for method in route.methods:
            operations.get(method.lower(), {}).get("responses", {}).pop("422", None)
    app.openapi_schema = document
    return document
