"""Coalesced refreshes and admission control on the real node (docs/performance.md).

The read-after-write tests turn the index's periodic refresh off first, so only a refresh the
service waits for can make a change visible: a search straight to Elasticsearch right after each
response must see that response's change.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path
from tests.integration.dialect_helpers import doc_id, put_alerts

CONCURRENT = 48


def without_periodic_refresh(es, alias: str) -> None:
    """`refresh_interval: -1`, set while the index is closed so no refresh is left pending
    (tests/integration/test_signals_status.py, `_make_stale`, says why)."""
    concrete = next(iter(es.call("GET", f"/{alias}/_alias")))
    assert es.call("POST", f"/{concrete}/_close")["acknowledged"]
    settings = {"index": {"refresh_interval": "-1"}}
    assert es.call("PUT", f"/{concrete}/_settings", settings)["acknowledged"]
    assert es.call("POST", f"/{concrete}/_open")["shards_acknowledged"]


def searched_status(es_url: str, alias: str, alert_id: str) -> str:
    """The alert's workflow status as search sees it: no refresh, no realtime get."""
    body = {"query": {"ids": {"values": [alert_id]}}, "_source": ["kibana.alert.workflow_status"]}
    (hit,) = httpx.post(f"{es_url}/{alias}/_search", json=body).json()["hits"]["hits"]
    return hit["_source"]["kibana.alert.workflow_status"]


def concurrently(work: Callable[[str], Any], keys: list[str]) -> list[Any]:
    """Run `work(key)` for every key at once, released together by a barrier."""
    barrier = threading.Barrier(len(keys))

    def run(key: str) -> Any:
        barrier.wait()
        return work(key)

    with ThreadPoolExecutor(len(keys)) as pool:
        return list(pool.map(run, keys))


def services_of(client) -> Any:
    return client.app.state.services


@pytest.mark.parametrize("refresh", ["coalesced", "per_request"])
def test_every_response_is_visible_to_search_at_once(
    make_client, es, es_url, seed, space, refresh
) -> None:
    client = make_client(refresh=refresh)
    alias = alerts_alias(space)
    ids = sorted(seed(space, CONCURRENT))
    without_periodic_refresh(es, alias)

    def close_and_search(alert_id: str) -> tuple[int, str, Any]:
        response = client.post(
            status_path(space), json={"signal_ids": [alert_id], "status": "closed"}
        )
        return response.status_code, searched_status(es_url, alias, alert_id), response.json()

    results = concurrently(close_and_search, ids)

    assert [(status, seen) for status, seen, _ in results] == [(200, "closed")] * CONCURRENT
    for _, _, body in results:  # Elasticsearch's raw `_update_by_query` body, unchanged
        assert (body["total"], body["updated"], body["failures"]) == (1, 1, [])


def test_concurrent_changes_share_refreshes(make_client, es, seed, space) -> None:
    client = make_client(refresh="coalesced")
    ids = sorted(seed(space, CONCURRENT))
    refreshes = services_of(client).status.refreshes
    before = refreshes.issued

    statuses = concurrently(
        lambda alert_id: (
            client.post(
                status_path(space), json={"signal_ids": [alert_id], "status": "acknowledged"}
            ).status_code
        ),
        ids,
    )

    assert statuses == [200] * CONCURRENT
    issued = refreshes.issued - before
    assert 1 <= issued < CONCURRENT // 2, issued  # shared: far fewer refreshes than requests


def test_a_lone_change_is_refreshed_by_its_own_request(make_client, es, es_url, seed, space):
    """Alone on its alias, a change is Kibana's own request, `refresh=true`: no shared refresh,
    and search sees it when the answer arrives."""
    client = make_client(refresh="coalesced")
    alias = alerts_alias(space)
    ids = sorted(seed(space, 5))
    without_periodic_refresh(es, alias)
    refreshes = services_of(client).status.refreshes
    before = refreshes.issued

    for alert_id in ids:  # one after the other: each alone
        response = client.post(
            status_path(space), json={"signal_ids": [alert_id], "status": "acknowledged"}
        )
        assert response.status_code == 200, response.text
        assert searched_status(es_url, alias, alert_id) == "acknowledged"

    assert refreshes.issued == before


@pytest.mark.parametrize("dialect", ["utmstack", "chad"])
def test_dialect_changes_are_visible_to_search_at_once(
    make_client, es, es_url, space, dialect
) -> None:
    keys = [str(uuid.uuid4()) for _ in range(16)]
    alias = put_alerts(es, es_url, space, keys)
    without_periodic_refresh(es, alias)
    client = make_client(utmstack_space_id=space, chad_space_id=space)

    def change_and_search(key: str) -> tuple[int, str]:
        if dialect == "utmstack":
            body = {"alertIds": [key], "status": 5, "statusObservation": "done"}
            response = client.post("/api/utm-alerts/status", json=body)
        else:
            response = client.patch(f"/api/alerts/{key}", json={"status": "acknowledged"})
        return response.status_code, searched_status(es_url, alias, doc_id(key))

    expected = "closed" if dialect == "utmstack" else "acknowledged"
    assert concurrently(change_and_search, keys) == [(200, expected)] * len(keys)


def test_beyond_the_queue_limit_every_dialect_answers_429(make_client, es, es_url, space) -> None:
    key = str(uuid.uuid4())
    alias = put_alerts(es, es_url, space, [key])
    client = make_client(
        updates_per_alias=1,
        update_queue=0,
        retry_after=3,
        utmstack_space_id=space,
        chad_space_id=space,
    )
    admission = services_of(client).status.admission

    with client.portal.wrap_async_context_manager(admission.slot(alias)):  # the one slot, taken
        kibana = client.post(
            status_path(space), json={"signal_ids": [doc_id(key)], "status": "closed"}
        )
        utmstack = client.post(
            "/api/utm-alerts/status",
            json={"alertIds": [key], "status": 5, "statusObservation": "x"},
        )
        chad = client.patch(f"/api/alerts/{key}", json={"status": "resolved"})

    for response in (kibana, utmstack, chad):
        assert response.status_code == 429, response.text
        assert response.headers["retry-after"] == "3"
    message = kibana.json()["message"]
    assert kibana.json() == {"message": message, "status_code": 429} and "too many" in message
    spring = utmstack.json()
    assert (spring["status"], spring["error"], spring["path"]) == (
        429,
        "Too Many Requests",
        "/api/utm-alerts/status",
    )
    assert set(spring) == {"timestamp", "status", "error", "message", "path"}
    assert set(chad.json()) == {"detail"} and "too many" in chad.json()["detail"]
    (source,) = es.sources(alias).values()
    assert source["kibana.alert.workflow_status"] == "open"  # no alert touched
    assert "alertstatus.history" not in source
    # the slot is free again: the same change now goes through
    again = client.post(status_path(space), json={"signal_ids": [doc_id(key)], "status": "closed"})
    assert again.status_code == 200, again.text


def test_the_bounds_on_concurrent_updates_are_never_exceeded(make_client, seed) -> None:
    client = make_client(updates_per_alias=2, updates_total=3)
    spaces = [f"t-{uuid.uuid4().hex[:12]}" for _ in range(2)]
    work = [(space, alert_id) for space in spaces for alert_id in sorted(seed(space, 16))]
    gateway = services_of(client).status.gateway
    calls = gateway.update_by_query
    running: dict[str, int] = {}
    most = {"total": 0, "alias": 0}

    async def counted(index: str, body: Any, params: Any) -> Any:
        running[index] = running.get(index, 0) + 1
        most["alias"] = max(most["alias"], running[index])
        most["total"] = max(most["total"], sum(running.values()))
        try:
            return await calls(index, body, params)
        finally:
            running[index] -= 1

    gateway.update_by_query = counted  # counts the calls that reach the gateway
    by_key = {f"{space}/{alert_id}": (space, alert_id) for space, alert_id in work}

    def close(key: str) -> int:
        space, alert_id = by_key[key]
        body = {"signal_ids": [alert_id], "status": "closed"}
        return client.post(status_path(space), json=body).status_code

    assert concurrently(close, list(by_key)) == [200] * len(work)
    assert 1 <= most["alias"] <= 2 and most["alias"] <= most["total"] <= 3, most


def test_a_failed_refresh_answers_503_though_the_change_is_made(
    make_client, es, seed, space, monkeypatch
) -> None:
    client = make_client()
    (alert_id,) = seed(space, 1)
    status = services_of(client).status
    refreshes = status.refreshes
    # another write on the alias: this one waits for a shared refresh, not its own
    monkeypatch.setattr(status.admission, "alone", lambda alias: False)

    async def no_copy_refreshed(alias: str, timeout: float) -> Any:
        return {"_shards": {"total": 2, "successful": 0, "failed": 2}}

    monkeypatch.setattr(refreshes, "_refresh", no_copy_refreshed)
    response = client.post(status_path(space), json={"signal_ids": [alert_id], "status": "closed"})

    assert response.status_code == 503, response.text
    body = response.json()
    assert body == {"message": body["message"], "status_code": 503}
    assert "applied but is not yet visible to search" in body["message"]
    assert "sending the request again is safe" in body["message"]
    source = es.sources(alerts_alias(space))[alert_id]  # `sources` refreshes first
    assert source["kibana.alert.workflow_status"] == "closed"  # the change was made
