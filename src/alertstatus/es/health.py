"""Is the cluster usable? What `GET /api/status` reports, in Kibana's levels.

`GET /` answering is not enough: a node that lost its master still answers it, while every write
waits 30 s and fails. So the node's own view (`local=true`, answered without a master) is read too:
no elected master is `unavailable` (nothing can be written), a red cluster is `degraded` (some
alerts cannot be read or written). The same calls serve Elasticsearch 7.10 to 9.x and OpenSearch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.gateway import ElasticsearchError, Gateway

Level = Literal["available", "degraded", "unavailable"]


@dataclass(frozen=True, slots=True)
class ClusterHealth:
    level: Level
    summary: str
    details: dict[str, Any] = field(default_factory=dict)  # for authenticated callers only


async def check_cluster(gateway: Gateway, timeout: float) -> ClusterHealth:
    """The cluster's level within about `timeout` seconds, whatever state it is in."""
    try:
        info_response, health, master = await asyncio.gather(
            gateway.info(timeout=timeout),
            gateway.cluster_health(timeout=timeout),
            gateway.elected_master(timeout=timeout),
        )
    except ElasticsearchError as error:
        reason = error.public_reason()
        return ClusterHealth(
            "unavailable", "Elasticsearch does not answer", {"reachable": False, "error": reason}
        )
    info = info_response.json()
    version = ClusterVersion.from_info(info)
    status = health.get("status")
    details = {
        "reachable": True,
        "cluster_name": info.get("cluster_name"),
        "version": version.number,
        "distribution": version.distribution,
        "health": status,
        "elected_master": master is not None,
        "number_of_nodes": health.get("number_of_nodes"),
    }
    if master is None:
        return ClusterHealth("unavailable", "the cluster has no elected master", details)
    if status == "red":
        return ClusterHealth("degraded", "the cluster's health is red", details)
    return ClusterHealth("available", "Elasticsearch is available", details)
