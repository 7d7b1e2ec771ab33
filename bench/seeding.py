"""Seed realistic alerts into a space with `_bulk`, through the service's own gateway."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alertstatus.demo import bulk_lines
from alertstatus.engine.indices import AlertIndices
from alertstatus.es.gateway import Gateway

START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2024, 12, 1, tzinfo=UTC)
TIME_RANGE = {"range": {"@timestamp": {"gte": "2024-11-01T00:00:00.000Z", "lt": "2024-12-01"}}}
BULK_DOCS = 5_000
PARALLEL_BULKS = 2


async def seed_space(
    gateway: Gateway, space_id: str, count: int, *, closed_ratio: float = 0.0
) -> str:
    """Create the space afresh (Kibana's layout) and write `count` alerts; returns its alias."""
    await drop_space(gateway, space_id)  # left over from an interrupted run
    alias = await AlertIndices(gateway).ensure_space(space_id)
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
