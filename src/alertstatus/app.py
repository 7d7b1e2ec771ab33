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
from alertstatus.auth.service import Authenticator
from alertstatus.dialects.alertstatus import views as history
from alertstatus.dialects.chad import views as chad
from alertstatus.dialects.kibana import views as kibana
from alertstatus.dialects.utmstack import views as utmstack
from alertstatus.engine.guard import QueryPolicy
from alertstatus.engine.model import StatusChange
from alertstatus.engine.outcome import UpdateCounts
from alertstatus.engine.service import EngineOptions, StatusService
from alertstatus.engine.tags import AlertFieldsService
from alertstatus.engine.workflow import WorkflowService
from alertstatus.es.gateway import ConnectionSettings, ElasticsearchError, Gateway
from alertstatus.es.templates import AlertIndices
from alertstatus.http import json_response
from alertstatus.limits import BodySizeLimit
from alertstatus.observability import metrics as metrics_views
from alertstatus.observability.logs import configure_logging, note_update
from alertstatus.observability.metrics import Metrics
from alertstatus.observability.middleware import ObservabilityMiddleware
from alertstatus.rules import views as rules_legacy
from alertstatus.rules import views_v2 as rules
from alertstatus.rules.service import RuleService
from alertstatus.rules.types import RuleTypeRegistry
from alertstatus.settings import Settings, get_settings
from alertstatus.system import views as system
from alertstatus.tasks import views as tasks
from alertstatus.tasks.service import TaskService

log = logging.getLogger(__name__)


def connection_settings(settings: Settings, url: str | None = None) -> ConnectionSettings:
    target = url or settings.elasticsearch_url
    if not target:
        raise ValueError("no Elasticsearch URL: set ELASTICSEARCH_URL or start a local node")
    return ConnectionSettings(
        url=target,
        api_key=settings.elasticsearch_api_key,
        username=settings.elasticsearch_username,
        password=settings.elasticsearch_password,
        ca_certs=settings.elasticsearch_ca_certs,
        verify_certs=settings.elasticsearch_verify_certs,
        request_timeout=settings.elasticsearch_request_timeout,
        max_retries=settings.elasticsearch_max_retries,
        connections_per_node=settings.elasticsearch_connections,
    )


def history_limit(settings: Settings) -> int | None:
    """Entries kept per alert, or None when status history is off."""
    return settings.status_history_limit if settings.status_history else None


def query_policy(settings: Settings) -> QueryPolicy:
    """What selection queries may hold (engine/guard.py; docs/security.md)."""
    return QueryPolicy(
        allow_scripts=settings.query_allow_scripts,
        allow_lookups=settings.query_allow_lookups,
        max_ids=settings.max_ids_per_request,
    )


def engine_options(settings: Settings) -> EngineOptions:
    """The engine's switches from settings: the API and the CLI run the same closures."""
    return EngineOptions(
        skip_unchanged=settings.skip_unchanged,
        repair_null_range=settings.repair_null_range,
        history_limit=history_limit(settings),
        query_policy=query_policy(settings),
        slices=settings.update_slices,
        prefilter_unchanged=settings.prefilter_unchanged,
        requests_per_second=settings.update_requests_per_second,
        max_ids=settings.max_ids_per_request,
        max_terms_count_cache_seconds=settings.max_terms_count_cache_seconds,
    )


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
        gateway = Gateway(
            connection_settings(settings), on_error=metrics.observe_elasticsearch_error
        )
        indices = AlertIndices(gateway, install_templates=settings.install_templates)
        app.state.settings = settings
        app.state.gateway = gateway
        app.state.status_service = StatusService(
            gateway,
            indices,
            engine_options(settings),
            observer=observe_update,
        )
        app.state.task_service = TaskService(gateway)
        app.state.authenticator = Authenticator(settings, gateway)
        await bootstrap_admin_key(app.state.authenticator, settings)
        app.state.rule_service = RuleService(gateway, RuleTypeRegistry(settings.rules_opaque_types))
        app.state.workflow_service = WorkflowService(
            gateway, indices, history_limit=history_limit(settings)
        )
        app.state.alert_fields_service = AlertFieldsService(
            gateway, indices, query_policy(settings)
        )
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
