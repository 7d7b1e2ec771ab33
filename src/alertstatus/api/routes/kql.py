"""`POST /api/alertstatus/kql`: KQL over alert fields compiled to an Elasticsearch query, for
clients with a KQL bar (the console) that then call the public search and status routes."""

from __future__ import annotations

from alertstatus.api.deps import Viewer
from alertstatus.api.errors import ALERTSTATUS, dialect_route
from alertstatus.api.schemas.console import CompiledKql, KqlBody
from alertstatus.api.spaces import SpacedRouter
from alertstatus.engine.kql import compile_alert_query

router = SpacedRouter(route_class=dialect_route(ALERTSTATUS), tags=["Console"])


@router.post(
    "/api/alertstatus/kql",
    summary="Compile KQL over alert fields to an Elasticsearch query",
    description="The KQL subset and the fields it may name: docs/dialects.md, "
    '"Console routes". The query is the same for every space: the space a search or a status '
    "change reads is its route's.",
)
async def compile_kql(body: KqlBody, principal: Viewer) -> CompiledKql:
    return CompiledKql(query=compile_alert_query(body.kql))
