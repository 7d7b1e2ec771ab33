"""`GET /api/status`, Kibana's health route: is the API up, and does Elasticsearch answer?

Public, as in Kibana with anonymous status access; it never shows URLs or credentials.
"""

from __future__ import annotations

from fastapi import Response

from alertstatus import __version__
from alertstatus.api.deps import ServicesDep
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
async def status(services: ServicesDep) -> Response:
    """200 when Elasticsearch answers, 503 when it does not; never shows URLs or credentials."""
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
    body = {
        "name": "alertstatus",
        "version": {"number": __version__},
        "status": {"overall": {"level": level}},
        "elasticsearch": elasticsearch,
    }
    return json_response(body, code)
