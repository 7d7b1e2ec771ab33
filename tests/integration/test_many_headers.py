"""An answer with more headers than aiohttp reads by default is read through the gateway
(es/gateway.py, MAX_RESPONSE_HEADERS): OpenSearch adds a `TASK_RESOURCE_USAGE` header per scroll
batch to a by-query answer, so a large closure there is done and must be answered as done."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from tests.conftest import run_with_gateway

pytestmark = pytest.mark.storage

DOCS = 1_500
SCROLL_SIZE = 10  # 150 batches: about 300 headers on OpenSearch, past aiohttp's default of 128
CLOSE = {"script": {"source": "ctx._source.status = 'closed'", "lang": "painless"}}


def test_a_by_query_answer_with_hundreds_of_headers_is_read(es, es_url, space, cluster_version):
    index = f"headers-{space}"
    es.bulk(
        [
            line
            for number in range(DOCS)
            for line in ({"index": {"_index": index, "_id": str(number)}}, {"status": "open"})
        ]
    )
    params = {"scroll_size": SCROLL_SIZE, "refresh": True, "conflicts": "proceed"}

    async def close_all(gateway) -> dict:
        return (await gateway.update_by_query(index, CLOSE, params)).json()

    async def header_count() -> int:
        """The same request, read by a session that takes any number of headers."""
        async with aiohttp.ClientSession(max_headers=100_000) as http:
            query = "&".join(f"{key}={str(value).lower()}" for key, value in params.items())
            async with http.post(
                f"{es_url}/{index}/_update_by_query?{query}",
                data=orjson.dumps(CLOSE),
                headers={"content-type": "application/json"},
            ) as answer:
                await answer.read()
                return len(answer.raw_headers)

    try:
        answer = run_with_gateway(es_url, close_all)
        headers = asyncio.run(header_count())
    finally:
        es.call("DELETE", f"/{index}")
    assert (answer["updated"], answer["batches"], answer["failures"]) == (DOCS, 150, [])
    if cluster_version.distribution == "opensearch":  # the case this test is about
        assert headers > 128, headers
