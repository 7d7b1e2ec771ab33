"""Service health: is the API up, and does Elasticsearch answer?"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from alertstatus import __version__
from alertstatus.es.gateway import ElasticsearchError, Gateway
from alertstatus.http import json_response

router = APIRouter(tags=["System"])

HEALTH_TIMEOUT_SECONDS = 5.0


@router.get("/api/status", summary="Service and Elasticsearch health")
async def status(request: Request) -> Response:
    """200 when Elasticsearch answers, 503 when it does not; never shows URLs or credentials."""
    gateway: Gateway = request.app.state.gateway
    elasticsearch: dict[str, object]
    try:
        info = (await gateway.info(timeout=HEALTH_TIMEOUT_SECONDS)).json()
        elasticsearch = {
            "reachable": True,
            "cluster_name": info.get("cluster_name"),
            "version": info.get("version", {}).get("number"),
            "distribution": info.get("version", {}).get("distribution", "elasticsearch"),
        }
        level, code = "available", 200
    except ElasticsearchError as error:
        elasticsearch = {"reachable": False, "error": error.reason()}
        level, code = "unavailable", 503
    body = {
        "name": "alertstatus",
        "version": {"number": __version__},
        "status": {"overall": {"level": level}},
        "elasticsearch": elasticsearch,
    }
    return json_response(body, code)
