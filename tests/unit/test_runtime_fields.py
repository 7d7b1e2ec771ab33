"""Runtime fields and counting in the requests the engine builds, and the cluster's capabilities.

Pure: the request builders and the capability check run against a stand-in gateway, so the
"reaches Elasticsearch" path is checked here for engines the test node is not (7.11+, 8.x,
OpenSearch); the real 7.10.2 node's answers are in tests/integration/test_kibana_status_ported.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from alertstatus.engine.model import AlertIds, AlertQuery, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, update_by_query_request
from alertstatus.engine.tags import AlertFieldsService
from alertstatus.errors import QueryRefused, UnsupportedByCluster
from alertstatus.es.capabilities import ClusterVersion, EngineCapabilities
from alertstatus.es.gateway import EsResponse

KEYWORD = {"source.ip_ecs": {"type": "ip"}}


def info(number: str, distribution: str | None = None) -> dict[str, Any]:
    version: dict[str, Any] = {"number": number}
    if distribution:
        version["distribution"] = distribution
    return {"name": "node", "version": version, "tagline": "You Know, for Search"}


class StandIn:
    """Answers `GET /` with `info` and records every search it is sent."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.info_calls = 0
        self.searches: list[dict[str, Any]] = []

    async def info(self, **_: Any) -> EsResponse:
        self.info_calls += 1
        return EsResponse(200, orjson.dumps(self.body))

    async def search(self, index: str, body: Any, params: Any, **_: Any) -> EsResponse:
        self.searches.append(body)
        return EsResponse(200, b'{"hits": {"hits": []}}')


def by_query(runtime: dict[str, Any], **options: Any) -> StatusChange:
    selector = AlertQuery({"term": {"source.ip_ecs": "10.0.0.1"}}, runtime)
    return StatusChange("default", selector, WorkflowStatus.CLOSED, **options)


@pytest.mark.parametrize(
    ("body", "has_them", "named"),
    [
        (info("7.10.2"), False, "Elasticsearch 7.10.2"),
        (info("7.11.0"), True, "Elasticsearch 7.11.0"),
        (info("8.15.1"), True, "Elasticsearch 8.15.1"),
        (info("9.1.0-SNAPSHOT"), True, "Elasticsearch 9.1.0-SNAPSHOT"),
        (info("2.11.0", "opensearch"), False, "OpenSearch 2.11.0"),
        ({}, False, "Elasticsearch unknown"),
    ],
)
def test_which_engines_have_runtime_fields(body, has_them, named) -> None:
    version = ClusterVersion.from_info(body)
    assert (version.runtime_fields, str(version)) == (has_them, named)


def test_the_version_is_asked_once_and_named_in_the_refusal() -> None:
    gateway = StandIn(info("7.10.2"))
    capabilities = EngineCapabilities(gateway)  # type: ignore[arg-type]

    async def twice() -> None:
        for _ in range(2):
            with pytest.raises(UnsupportedByCluster) as refused:
                await capabilities.require_runtime_fields("runtime_mappings")
            assert str(refused.value) == (
                "runtime_mappings need Elasticsearch 7.11 or later; "
                "this cluster runs Elasticsearch 7.10.2"
            )

    asyncio.run(twice())
    assert gateway.info_calls == 1


def test_runtime_fields_reach_the_update_by_query_body() -> None:
    _, body = update_by_query_request(by_query(KEYWORD), EngineOptions())
    assert body["runtime_mappings"] == KEYWORD
    assert list(body) == ["query", "runtime_mappings", "script"]


def test_an_empty_runtime_mapping_is_never_sent() -> None:
    _, body = update_by_query_request(by_query({}), EngineOptions())
    assert "runtime_mappings" not in body


def test_a_scripted_runtime_field_is_refused_by_the_guard() -> None:
    scripted = {"x": {"type": "keyword", "script": {"source": "emit('a')"}}}
    with pytest.raises(QueryRefused, match=r"scripts are not allowed"):
        update_by_query_request(by_query(scripted), EngineOptions())


def test_more_than_a_hundred_runtime_fields_are_refused() -> None:
    many = {f"custom.field_{n}": {"type": "keyword"} for n in range(101)}
    with pytest.raises(QueryRefused, match=r"at most 100 runtime fields per request \(got 101\)"):
        update_by_query_request(by_query(many), EngineOptions())
    hundred = dict(list(many.items())[:100])
    assert len(update_by_query_request(by_query(hundred), EngineOptions())[1]["runtime_mappings"])


def test_search_sends_runtime_fields_to_an_engine_that_has_them() -> None:
    gateway = StandIn(info("8.15.1"))
    service = AlertFieldsService(gateway, indices=None)  # type: ignore[arg-type]
    search = {"query": {"term": {"source.ip_ecs": "10.0.0.1"}}, "runtime_mappings": KEYWORD}
    asyncio.run(service.search("default", search))
    assert gateway.searches[0]["runtime_mappings"] == KEYWORD


def test_search_refuses_them_on_an_engine_without_and_drops_an_empty_one() -> None:
    gateway = StandIn(info("2.11.0", "opensearch"))
    service = AlertFieldsService(gateway, indices=None)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedByCluster, match=r"this cluster runs OpenSearch 2\.11\.0$"):
        asyncio.run(service.search("default", {"size": 0, "runtime_mappings": KEYWORD}))
    asyncio.run(service.search("default", {"size": 0, "runtime_mappings": {}}))
    assert gateway.searches == [{"size": 0, "timeout": "30s"}]
    assert gateway.info_calls == 1  # the empty mapping never asked


@pytest.mark.parametrize(
    ("service_default", "asked", "skips"),
    [(False, None, False), (True, None, True), (False, True, True), (True, False, False)],
)
def test_a_change_chooses_the_noop_skip_over_the_service_default(
    service_default, asked, skips
) -> None:
    change = StatusChange("s", AlertIds(("a",)), WorkflowStatus.CLOSED, skip_unchanged=asked)
    _, body = update_by_query_request(change, EngineOptions(skip_unchanged=service_default))
    assert body["script"]["params"]["skip_unchanged"] is skips


def test_prefilter_applies_only_to_a_change_that_skips() -> None:
    options = EngineOptions(prefilter_unchanged=True)
    counting = StatusChange("s", AlertQuery({"match_all": {}}), WorkflowStatus.CLOSED)
    assert "must_not" not in update_by_query_request(counting, options)[1]["query"]["bool"]
    skipping = StatusChange(
        "s", AlertQuery({"match_all": {}}), WorkflowStatus.CLOSED, skip_unchanged=True
    )
    assert update_by_query_request(skipping, options)[1]["query"]["bool"]["must_not"] == {
        "term": {"kibana.alert.workflow_status": "closed"}
    }
