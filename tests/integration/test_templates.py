"""Kibana's alerts layout: installed idempotently, and never imposed on Kibana's own templates."""

from __future__ import annotations

import asyncio
from typing import Any

from alertstatus.engine.indices import (
    COMPONENT_TEMPLATES,
    AlertIndices,
    alerts_alias,
    first_alerts_index,
    index_template_name,
)
from alertstatus.es.gateway import ConnectionSettings, Gateway
from tests.conftest import status_path


def run_indices(es_url: str, action: Any) -> Any:
    async def run() -> Any:
        gateway = Gateway(ConnectionSettings(url=es_url))
        try:
            return await action(AlertIndices(gateway))
        finally:
            await gateway.close()

    return asyncio.run(run())


def test_first_use_of_a_space_creates_kibanas_layout(client, es, space) -> None:
    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0

    concrete = first_alerts_index(space)
    aliases = es.call("GET", f"/{alerts_alias(space)}/_alias")
    assert aliases[concrete]["aliases"][alerts_alias(space)] == {"is_write_index": True}
    settings = es.call("GET", f"/{concrete}/_settings")[concrete]["settings"]["index"]
    assert settings["hidden"] == "true"
    assert settings["mapping"]["total_fields"]["limit"] == "2500"
    mapping = es.call("GET", f"/{concrete}/_mapping")[concrete]["mappings"]
    alert = mapping["properties"]["kibana"]["properties"]["alert"]["properties"]
    for field in ("workflow_status", "workflow_user", "workflow_reason", "uuid"):
        assert alert[field]["type"] == "keyword", field
    assert alert["workflow_status_updated_at"]["type"] == "date"
    assert mapping["properties"]["signal"]["properties"]["status"] == {
        "type": "alias",
        "path": "kibana.alert.workflow_status",
    }
    template = es.call("GET", f"/_index_template/{index_template_name(space)}")
    assert template["index_templates"][0]["index_template"]["composed_of"] == list(
        COMPONENT_TEMPLATES
    )


def test_installing_twice_changes_nothing(es, es_url, space) -> None:
    run_indices(es_url, lambda indices: indices.ensure_space(space))
    before = {name: es.call("GET", f"/_component_template/{name}") for name in COMPONENT_TEMPLATES}

    async def again(indices: AlertIndices) -> str:
        await indices.install_components()
        return await indices.ensure_space(space)

    assert run_indices(es_url, again) == alerts_alias(space)
    after = {name: es.call("GET", f"/_component_template/{name}") for name in COMPONENT_TEMPLATES}
    assert after == before
    assert list(es.call("GET", f"/{alerts_alias(space)}/_alias")) == [first_alerts_index(space)]


def test_a_kibana_managed_space_is_used_as_it_is(client, es, space) -> None:
    """An alias Kibana made (other index name, Kibana's template) is used, not replaced."""
    kibana_index = f".internal.alerts-security.alerts-{space}-000007"
    kibana_template = {
        "index_patterns": [f".kibana-made-{space}-*"],
        "priority": 1,
        "_meta": {"managed": True, "kibana": {"version": "8.15.0"}},
        "template": {"settings": {"index": {"number_of_replicas": 0}}},
    }
    es.call("PUT", f"/_index_template/{index_template_name(space)}", kibana_template)
    es.call(
        "PUT",
        f"/{kibana_index}",
        {
            "aliases": {alerts_alias(space): {"is_write_index": True}},
            "mappings": {"properties": {"kibana.alert.workflow_status": {"type": "keyword"}}},
        },
    )
    es.call(
        "PUT",
        f"/{kibana_index}/_doc/k1",
        {"kibana.alert.workflow_status": "open"},
        refresh="true",
    )

    response = client.post(status_path(space), json={"signal_ids": ["k1"], "status": "closed"})

    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    assert es.sources(kibana_index)["k1"]["kibana.alert.workflow_status"] == "closed"
    indices = es.call("GET", f"/{alerts_alias(space)}/_alias")
    assert list(indices) == [kibana_index]  # no index of ours beside Kibana's
    template = es.call("GET", f"/_index_template/{index_template_name(space)}")
    assert template["index_templates"][0]["index_template"]["_meta"] == kibana_template["_meta"]
