"""`GET /api/status`, Kibana's health route: is the API up, and does Elasticsearch answer?

Public, as Kibana's is with anonymous status access, and as Kibana redacts it for anonymous
callers: they see only the level (`available`, `unavailable`). Versions, the cluster's name and
Elasticsearch's error are for authenticated callers (any role). It never shows URLs or credentials.
"""

from __future__ import annotations

from fastapi import Response

from alertstatus import __version__
from alertstatus.api.deps import CallerIfAny, ServicesDep
from alertstatus.api.errors import KIBANA_PLATFORM, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
from alertstatus.es.gateway import ElasticsearchError

router = SpacedRouter(route_class=dialect_route(KIBANA_PLATFORM), tags=["System"])

HEALTH_TIMEOUT_SECONDS = 5.0


@router.get(
    "/api/status",
    summary="Service and Elasticsearch health",
    responses={503: {"description": "Elasticsearch does not answer (`level: unavailable`)."}},
)
async def status(services: ServicesDep, caller: CallerIfAny) -> Response:
    """200 when Elasticsearch answers, else 503; anonymous callers see the level only."""
    elasticsearch: dict[str, object]
    try:
        info = (await services.gateway.info(timeout=HEALTH_TIMEOUT_SECONDS)).json()
        elasticsearch = {
            "reachable": True,
            "cluster_name": info.get("cluster_name"),
            "version": info.get("version", {}).get("number"),
            "distribution": info.get("version", {}).get("distribution", "elasticsearch"),
        }
        level, code = "available", 200
    except ElasticsearchError as error:
        elasticsearch = {"reachable": False, "error": error.public_reason()}
        level, code = "unavailable", 503
    overall = {"status": {"overall": {"level": level}}}
    if caller is None:
        return json_response(overall, code)
    body = {
        "name": "alertstatus",
        "version": {"number": __version__},
        **overall,
        "elasticsearch": elasticsearch,
    }
    return json_response(body, code)
