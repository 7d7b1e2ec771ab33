"""Seed realistic alerts into a space with `_bulk`, through the service's own gateway."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alertstatus.demo import bulk_lines
from alertstatus.engine.history import HISTORY_FIELD
from alertstatus.engine.indices import AlertIndices, alerts_index_settings
from alertstatus.es.gateway import Gateway

START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2024, 12, 1, tzinfo=UTC)
TIME_RANGE = {"range": {"@timestamp": {"gte": "2024-11-01T00:00:00.000Z", "lt": "2024-12-01"}}}
BULK_DOCS = 5_000
PARALLEL_BULKS = 2


# Puts a closed alert back as it was: open, and without the history the closure appended.
REOPEN = {
    "lang": "painless",
    "source": "ctx._source['kibana.alert.workflow_status'] = 'open'; "
    "ctx._source.remove(params.history);",
    "params": {"history": HISTORY_FIELD},
}


async def seed_space(
    gateway: Gateway,
    space_id: str,
    count: int,
    *,
    closed_ratio: float = 0.0,
    shards: int | None = None,
) -> str:
    """Create the space afresh (Kibana's layout, `shards` primaries when given) and write
    `count` alerts; returns its alias."""
    await drop_space(gateway, space_id)  # left over from an interrupted run
    indices = AlertIndices(gateway, index_settings=alerts_index_settings(shards, None))
    alias = await indices.ensure_space(space_id)
    limiter = asyncio.Semaphore(PARALLEL_BULKS)

    async def write(first: int) -> None:
        numbers = range(first, min(first + BULK_DOCS, count))
        lines = bulk_lines(
            alias, space_id, numbers, start=START, end=END, closed_ratio=closed_ratio, seed=first
        )
        async with limiter:
            response = await gateway.bulk(lines)
        if b'"errors":true' in response.raw[:200]:
            raise RuntimeError(f"bulk into {alias} had errors")

    await asyncio.gather(*(write(first) for first in range(0, count, BULK_DOCS)))
    await gateway.request("POST", f"/{alias}/_refresh")
    return alias


async def drop_space(gateway: Gateway, space_id: str) -> None:
    """Free the node between phases: delete the space's indices."""
    await gateway.request(
        "DELETE",
        f"/.internal.alerts-security.alerts-{space_id}-*",
        params={"expand_wildcards": "all"},
    )


async def reopen_all(gateway: Gateway, alias: str) -> None:
    """Every alert of `alias` open again, its history gone (untimed, between P7's variants)."""
    params = {"refresh": True, "conflicts": "proceed", "slices": "auto"}
    await gateway.update_by_query(alias, {"query": {"match_all": {}}, "script": REOPEN}, params)
