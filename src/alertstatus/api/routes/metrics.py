"""`GET /metrics`: the Prometheus exposition of this process's counters (observability/metrics.py).

Not a Kibana route, so it has no `/s/{space_id}` twin; any authenticated viewer may read it.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from alertstatus.api.deps import MetricsDep, Viewer
from alertstatus.api.errors import ALERTSTATUS, dialect_route

router = APIRouter(route_class=dialect_route(ALERTSTATUS), tags=["System"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(principal: Viewer, registry: MetricsDep) -> Response:
    return Response(registry.exposition(), media_type=CONTENT_TYPE_LATEST)
