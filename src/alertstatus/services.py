"""The composition root: settings become one gateway and the services built on it.

The HTTP app (`api/app.py`) and every CLI command build their services here, so both run the same
closures with the same options, and each process has exactly one of each: one transport, one
status history, one set of caches. Nothing here knows HTTP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from alertstatus.auth.service import Authenticator
from alertstatus.engine.admission import Admission, AdmissionLimits
from alertstatus.engine.comments import CommentStore
from alertstatus.engine.guard import QueryPolicy
from alertstatus.engine.history import StatusHistory
from alertstatus.engine.indices import AlertIndices, alerts_index_settings
from alertstatus.engine.outcome import UpdateObserver
from alertstatus.engine.refreshes import RefreshCoalescer
from alertstatus.engine.service import EngineOptions, StatusService
from alertstatus.engine.tags import AlertFieldsService
from alertstatus.engine.workflow import WorkflowService
from alertstatus.es.capabilities import EngineCapabilities
from alertstatus.es.gateway import ConnectionSettings, Gateway
from alertstatus.rules.service import RuleService
from alertstatus.rules.types import RuleTypeRegistry
from alertstatus.settings import Settings
from alertstatus.spaces.service import SpaceService
from alertstatus.tasks.service import TaskService

log = logging.getLogger(__name__)

SHUTDOWN_FLUSH_SECONDS = 5.0  # how long a stopping service waits for queued record writes


def connection_settings(settings: Settings, url: str | None = None) -> ConnectionSettings:
    """How to reach the cluster: `url` (a local node's) or ELASTICSEARCH_URL, with its options."""
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
        search_timeout=settings.search_timeout,
    )


def engine_options(settings: Settings) -> EngineOptions:
    """The engine's switches from settings."""
    return EngineOptions(
        skip_unchanged=settings.skip_unchanged,
        repair_null_range=settings.repair_null_range,
        history_limit=history_limit(settings),
        query_policy=query_policy(settings),
        slices=settings.update_slices,
        slice_min_alerts=settings.slice_min_alerts,
        prefilter_unchanged=settings.prefilter_unchanged,
        requests_per_second=settings.update_requests_per_second,
        max_ids=settings.max_ids_per_request,
        max_terms_count_cache_seconds=settings.max_terms_count_cache_seconds,
        coalesce_refresh=settings.refresh == "coalesced",
    )


def admission_limits(settings: Settings) -> AdmissionLimits:
    """The bounds on concurrent status writes (engine/admission.py)."""
    return AdmissionLimits(
        per_alias=settings.updates_per_alias,
        total=settings.updates_total,
        queue=settings.update_queue,
        retry_after=settings.retry_after,
    )


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a request or a command needs, built once per process from settings."""

    settings: Settings
    options: EngineOptions
    gateway: Gateway
    capabilities: EngineCapabilities
    indices: AlertIndices
    history: StatusHistory
    status: StatusService
    tasks: TaskService
    workflow: WorkflowService
    alert_fields: AlertFieldsService
    rules: RuleService
    spaces: SpaceService
    authenticator: Authenticator

    async def close(self) -> None:
        try:  # the counts still queued for change records (engine/batches.py)
            await asyncio.wait_for(self.history.flush(), SHUTDOWN_FLUSH_SECONDS)
        except TimeoutError:
            log.warning("change record counts not written within %s s", SHUTDOWN_FLUSH_SECONDS)
        await self.gateway.close()


def build_services(
    settings: Settings,
    *,
    url: str | None = None,
    observer: UpdateObserver | None = None,
    on_elasticsearch_error: Callable[[int], None] | None = None,
) -> Services:
    """The services for one cluster; `observer` hears the counts of every status change."""
    gateway = Gateway(connection_settings(settings, url), on_error=on_elasticsearch_error)
    indices = AlertIndices(
        gateway,
        install_templates=settings.install_templates,
        max_spaces=settings.max_spaces,
        index_settings=alerts_index_settings(settings.alerts_shards, settings.alerts_replicas),
    )
    options = engine_options(settings)
    # one coalescer and one admission for every status write of the process (docs/performance.md)
    refreshes = RefreshCoalescer(gateway.refresh, timeout=settings.refresh_timeout)
    history = StatusHistory(gateway, options.history_limit, refreshes)
    capabilities = EngineCapabilities(gateway)  # the cluster's version, asked once when needed
    admission = Admission(admission_limits(settings))
    return Services(
        settings=settings,
        options=options,
        gateway=gateway,
        capabilities=capabilities,
        indices=indices,
        history=history,
        status=StatusService(
            gateway,
            indices,
            options,
            observer=observer,
            history=history,
            capabilities=capabilities,
            refreshes=refreshes,
            admission=admission,
        ),
        tasks=TaskService(gateway, history),
        workflow=WorkflowService(
            gateway,
            indices,
            history,
            CommentStore(gateway),
            refreshes=refreshes,
            admission=admission,
            coalesce_refresh=options.coalesce_refresh,
        ),
        alert_fields=AlertFieldsService(gateway, indices, options.query_policy, capabilities),
        rules=RuleService(
            gateway, RuleTypeRegistry(settings.rules_opaque_types), policy=options.query_policy
        ),
        spaces=SpaceService(gateway, indices),
        authenticator=Authenticator(settings, gateway),
    )


@asynccontextmanager
async def open_services(settings: Settings, *, url: str | None = None) -> AsyncIterator[Services]:
    """`build_services` for one command: the gateway is closed afterwards."""
    services = build_services(settings, url=url)
    try:
        yield services
    finally:
        await services.close()
