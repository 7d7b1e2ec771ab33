"""The PyPI client `kibana-py` (0.6.0), unchanged and with its defaults, against a served process.

The client validates every space-scoped call with `GET /api/spaces/space/{id}` first (space
validation on by default) and raises SpaceNotFoundError on a 404: these tests pass only if our
Spaces API answers as Kibana's does. They assert what changed on the alerts (read back through the
client's own search), not how the counts of an update are split.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kibana import Kibana
from kibana.exceptions import SpaceNotFoundError

from tests.serving import served

WORKFLOW_STATUS = "kibana.alert.workflow_status"
WORKFLOW_TAGS = "kibana.alert.workflow_tags"
WORKFLOW_ASSIGNEES = "kibana.alert.workflow_assignee_ids"


@pytest.fixture(scope="module")
def served_url(es_url: str) -> Iterator[str]:
    """`alertstatus serve` as operators run it, on a free port: the client needs a real URL."""
    with served(es_url, {"ALERTSTATUS_LOG_FORMAT": "text"}) as (url, server):
        yield url
    server.communicate(timeout=30)


@pytest.fixture
def kibana(served_url: str, admin_authorization: str) -> Iterator[Kibana]:
    """The client as its README configures it: a URL and an API key, nothing else."""
    client = Kibana(served_url, api_key=admin_authorization.removeprefix("ApiKey "))
    yield client
    client.close()


def alerts_by_id(kibana: Kibana, space_id: str, ids: list[str]) -> dict[str, dict]:
    found = kibana.detection_engine.search_alerts(
        query={"ids": {"values": ids}}, size=len(ids), space_id=space_id
    )
    return {hit["_id"]: hit["_source"] for hit in found.body["hits"]["hits"]}


def test_status_by_ids_and_by_query_in_a_space_made_through_the_spaces_api(kibana, seed) -> None:
    space_id = f"kpy-{uuid.uuid4().hex[:10]}"
    created = kibana.spaces.create(id=space_id, name="SOC", color="#5c5959")
    assert created.body == {
        "id": space_id,
        "name": "SOC",
        "color": "#5c5959",
        "disabledFeatures": [],
    }
    ids = sorted(seed(space_id, 4))

    closed = kibana.detection_engine.set_alert_status(
        status="closed", signal_ids=ids[:2], reason="false_positive", space_id=space_id
    )
    assert closed.meta.status == 200 and closed.body["total"] == 2
    acknowledged = kibana.detection_engine.set_alert_status(
        status="acknowledged",
        query={"bool": {"filter": [{"ids": {"values": ids[2:]}}]}},
        space_id=space_id,
    )
    assert acknowledged.meta.status == 200 and acknowledged.body["total"] == 2

    alerts = alerts_by_id(kibana, space_id, ids)
    assert {alerts[alert_id][WORKFLOW_STATUS] for alert_id in ids[:2]} == {"closed"}
    assert {alerts[alert_id]["kibana.alert.workflow_reason"] for alert_id in ids[:2]} == {
        "false_positive"
    }
    assert {alerts[alert_id][WORKFLOW_STATUS] for alert_id in ids[2:]} == {"acknowledged"}


def test_tags_and_assignees_in_a_space_made_by_a_status_change(kibana, seed, space) -> None:
    ids = sorted(seed(space, 3))  # an alerts alias, no record: as Kibana leaves a shared cluster
    scoped = kibana.space(space)  # validates the space at once
    tagged = scoped.detection_engine.set_alert_tags(
        ids=ids, tags_to_add=["triage", "phishing"], tags_to_remove=[]
    )
    assert tagged.meta.status == 200
    assigned = scoped.detection_engine.set_alert_assignees(
        ids=ids[:1], add=["u_analyst"], remove=[]
    )
    assert assigned.meta.status == 200
    untagged = scoped.detection_engine.set_alert_tags(
        ids=ids[1:], tags_to_add=[], tags_to_remove=["phishing"]
    )
    assert untagged.meta.status == 200

    alerts = alerts_by_id(kibana, space, ids)
    assert set(alerts[ids[0]][WORKFLOW_TAGS]) == {"triage", "phishing"}
    assert all(set(alerts[alert_id][WORKFLOW_TAGS]) == {"triage"} for alert_id in ids[1:])
    assert alerts[ids[0]][WORKFLOW_ASSIGNEES] == ["u_analyst"]
    assert all(not alerts[alert_id].get(WORKFLOW_ASSIGNEES) for alert_id in ids[1:])


def test_search_with_aggregations_in_a_space(kibana, seed, space) -> None:
    ids = sorted(seed(space, 5))
    kibana.detection_engine.set_alert_status(status="closed", signal_ids=ids[:3], space_id=space)
    found = kibana.detection_engine.search_alerts(
        query={"match_all": {}},
        aggs={"by_status": {"terms": {"field": WORKFLOW_STATUS}}},
        size=0,
        track_total_hits=True,
        space_id=space,
    )
    assert found.body["hits"]["total"]["value"] == 5
    buckets = {b["key"]: b["doc_count"] for b in found.body["aggregations"]["by_status"]["buckets"]}
    assert buckets == {"closed": 3, "open": 2}


def test_the_client_refuses_a_space_that_does_not_exist_and_lists_those_that_do(
    kibana, seed, space
) -> None:
    missing = f"kpy-missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(SpaceNotFoundError):
        kibana.detection_engine.search_alerts(query={"match_all": {}}, space_id=missing)
    seed(space, 1)
    listed = {entry["id"] for entry in kibana.spaces.get_all().body}
    assert {"default", space} <= listed and missing not in listed
    assert kibana.spaces.get(id="default").body["_reserved"] is True


def test_a_deleted_space_is_gone_for_the_client_and_its_alerts_stay(kibana, seed, es) -> None:
    space_id = f"kpy-{uuid.uuid4().hex[:10]}"
    kibana.spaces.create(id=space_id, name="short-lived")
    ids = sorted(seed(space_id, 2))
    kibana.detection_engine.set_alert_status(status="closed", signal_ids=ids, space_id=space_id)
    kibana.spaces.delete(id=space_id)
    with pytest.raises(SpaceNotFoundError):
        kibana.detection_engine.set_alert_status(status="open", signal_ids=ids, space_id=space_id)
    kept = es.sources(f".alerts-security.alerts-{space_id}")
    assert sorted(kept) == ids
    assert {source[WORKFLOW_STATUS] for source in kept.values()} == {"closed"}
