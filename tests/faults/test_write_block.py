"""The alerts index refusing writes under the service (`index.blocks.write`, as an operator sets
during a migration; the disk's flood stage sets `read_only_allow_delete`, which answers 429 after
`_update_by_query`'s own 60 s of retries): every dialect says the change failed, in its own shape,
and nothing changed; once the block is lifted, the same requests converge (docs/reliability.md).

Before, UTMStack answered an empty 200 here: its items failed one by one inside the `_bulk`, and
only the change record said so.
"""

from __future__ import annotations

import json

import httpx
import pytest

from alertstatus.engine.history import RECORDS_INDEX
from alertstatus.engine.indices import alerts_alias
from tests.conftest import status_path
from tests.faults.conftest import judge

pytestmark = [pytest.mark.storage, pytest.mark.multinode]

BLOCK = "index.blocks.write"


def block(http: httpx.Client, alias: str, value: bool | None) -> None:
    http.put(f"/{alias}/_settings", json={BLOCK: value}).raise_for_status()


def record_results(http: httpx.Client, request_id: str) -> dict[str, list[str]]:
    http.post(f"/{RECORDS_INDEX}/_refresh")
    hits = http.post(
        f"/{RECORDS_INDEX}/_search", json={"query": {"term": {"request_id": request_id}}}
    ).json()["hits"]["hits"]
    return hits[0]["_source"]["results"]


def test_a_write_blocked_alerts_index_fails_in_every_dialect_and_changes_nothing(
    service, data, space
) -> None:
    data.seed(space, 30)
    before = data.alerts(space)
    ids = sorted(before)
    uuids = [before[alert_id]["kibana.alert.uuid"] for alert_id in ids]
    client = service(0, utmstack_space_id=space, chad_space_id=space)

    def send(tag: str) -> dict[str, httpx.Response]:
        return {
            "kibana": client.post(
                status_path(space), json={"signal_ids": ids[:10], "status": "closed"}
            ),
            "utmstack": client.post(
                "/api/utm-alerts/status",
                json={"alertIds": uuids[10:20], "status": 3},
                headers={"x-request-id": f"{space}-utmstack-{tag}"},
            ),
            "chad": client.post(
                "/api/alerts/bulk/status", json={"ids": ids[20:30], "status": "acknowledged"}
            ),
        }

    with data.http() as http:
        block(http, alerts_alias(space), True)
        try:
            refused = send("blocked")
        finally:
            block(http, alerts_alias(space), None)
        blocked_results = record_results(http, f"{space}-utmstack-blocked")

    assert data.alerts(space) == before  # nothing changed anywhere
    kibana = refused["kibana"]
    assert kibana.status_code == 403, kibana.text  # the block's own status
    counts = json.loads(kibana.json()["message"])  # Kibana's shape: the body as its message
    assert counts["updated"] == 0 and counts["failures"], counts
    utmstack = refused["utmstack"]
    assert utmstack.status_code == 500, utmstack.text
    assert utmstack.json()["message"].startswith("10 of 10 alerts were not updated")
    assert set(blocked_results["failed"]) == set(uuids[10:20])  # the record says which
    chad = refused["chad"].json()
    assert refused["chad"].status_code == 200 and chad["updated"] == 0
    assert {item["id"] for item in chad["failed"]} == set(ids[20:30])
    assert all("cluster_block_exception" in item["reason"] for item in chad["failed"])

    again = send("again")
    assert {name: response.status_code for name, response in again.items()} == dict.fromkeys(
        again, 200
    ), {name: response.text for name, response in again.items()}
    assert again["kibana"].json()["updated"] == 10 and again["chad"].json()["updated"] == 10
    after = data.alerts(space)
    for first, last, target in (
        (0, 10, "closed"),
        (10, 20, "in-progress"),
        (20, 30, "acknowledged"),
    ):
        verdict = judge(
            {key: before[key] for key in ids[first:last]},
            {key: after[key] for key in ids[first:last]},
            set(ids[first:last]),
            target,
            records=data.records,
        )
        assert verdict.changed == set(ids[first:last])
