"""The FastAPI application: routers, lifespan (gateway, templates) and the fallback error shapes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from alertstatus import __version__
from alertstatus.auth import views as auth
from alertstatus.auth.bootstrap import bootstrap_admin_key
from alertstatus.dialects.alertstatus import views as history
from alertstatus.dialects.chad import views as chad
from alertstatus.dialects.kibana import views as kibana
from alertstatus.dialects.utmstack import views as utmstack
from alertstatus.engine.model import StatusChange
from alertstatus.engine.outcome import UpdateCounts
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.http import json_response
from alertstatus.limits import BodySizeLimit
from alertstatus.observability import metrics as metrics_views
from alertstatus.observability.logs import configure_logging, note_update
from alertstatus.observability.metrics import Metrics
from alertstatus.observability.middleware import ObservabilityMiddleware
from alertstatus.rules import views as rules_legacy
from alertstatus.rules import views_v2 as rules
from alertstatus.services import build_services
from alertstatus.settings import Settings, get_settings
from alertstatus.system import views as system
from alertstatus.tasks import views as tasks

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for a cluster given by `settings.elasticsearch_url`."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    metrics = Metrics()

    def observe_update(change: StatusChange, counts: UpdateCounts) -> None:
        metrics.observe_update(change, counts)
        note_update(change, counts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(
            settings,
            observer=observe_update,
            on_elasticsearch_error=metrics.observe_elasticsearch_error,
        )
        gateway, indices = services.gateway, services.indices
        app.state.services = services
        app.state.settings = settings
        app.state.gateway = gateway
        app.state.status_service = services.status
        app.state.task_service = services.tasks
        app.state.authenticator = services.authenticator
        await bootstrap_admin_key(services.authenticator, settings)
        app.state.rule_service = services.rules
        app.state.workflow_service = services.workflow
        app.state.alert_fields_service = services.alert_fields
        if settings.install_templates:
            try:
                await indices.install_components()
            except ElasticsearchError as error:  # retried on first use of a space
                log.warning("templates not installed at start-up: %s", error.reason())
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(
        title="alertstatus",
        version=__version__,
        description="Bulk alert status changes on Elasticsearch, in Kibana's dialect and others.",
        lifespan=lifespan,
    )
    app.include_router(kibana.router)
    app.include_router(utmstack.router)
    app.include_router(history.router)
    app.include_router(system.router)
    app.include_router(tasks.router)
    app.include_router(metrics_views.router)
    app.state.metrics = metrics
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    # before any `/api/alerts/{id}` router (CHAD): `_find`, `_health`... must match here first
    app.include_router(rules_legacy.router)
    app.include_router(rules.router)
    app.include_router(chad.router)  # after the legacy rules: its `/api/alerts/{id}` is a catch-all
    app.include_router(auth.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        """Unknown routes and methods, in Kibana's platform shape."""
        return json_response(
            {
                "statusCode": error.status_code,
                "error": HTTPStatus(error.status_code).phrase,
                "message": str(error.detail),
            },
            error.status_code,
        )

    return app
