"""`GET /api/status`, Kibana's health route: is the API up, and is Elasticsearch usable?

Public, as Kibana's is with anonymous status access, and as Kibana redacts it for anonymous
callers: they see only the level (`available`, `degraded`, `unavailable`). Versions, the cluster's
name, its health and Elasticsearch's error are for authenticated callers (any role). It never shows
URLs or credentials.
"""

from __future__ import annotations

from fastapi import Response

from alertstatus import __version__
from alertstatus.api.deps import CallerIfAny, ServicesDep
from alertstatus.api.errors import KIBANA_PLATFORM, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
from alertstatus.es.health import check_cluster

router = SpacedRouter(route_class=dialect_route(KIBANA_PLATFORM), tags=["System"])

HEALTH_TIMEOUT_SECONDS = 3.0


@router.get(
    "/api/status",
    summary="Service and Elasticsearch health",
    responses={
        503: {
            "description": "Elasticsearch does not answer, or has no elected master "
            "(`level: unavailable`)."
        }
    },
)
async def status(services: ServicesDep, caller: CallerIfAny) -> Response:
    """200 when the cluster is usable (`available`, or `degraded` when red), else 503;
    anonymous callers see the level only (es/health.py)."""
    health = await check_cluster(services.gateway, HEALTH_TIMEOUT_SECONDS)
    code = 503 if health.level == "unavailable" else 200
    if caller is None:
        return json_response({"status": {"overall": {"level": health.level}}}, code)
    body = {
        "name": "alertstatus",
        "version": {"number": __version__},
        "status": {"overall": {"level": health.level, "summary": health.summary}},
        "elasticsearch": health.details,
    }
    return json_response(body, code)
