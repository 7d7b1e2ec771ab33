"""Kibana's 2023-10-31 rule API (seed 002) against the real node, and its link to the legacy API."""

from __future__ import annotations

import copy
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from alertstatus.errors import RuleConflict
from tests.integration.rules_examples import (
    LEGACY_CREATE_REQUEST,
    RULE_UPDATE_ID,
    RULE_UPDATE_REQUEST,
    RULE_UPDATE_RESPONSE,
)
from tests.integration.rules_support import (
    OPAQUE,
    V2,
    V2_CALLER,
    XSRF,
    assert_like_example,
    is_iso,
    is_uuid,
    legacy,
    pending_since_creation,
    v2,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
CONNECTOR_ID = RULE_UPDATE_REQUEST["actions"][0]["id"]


@pytest.fixture
def api(make_client):
    return make_client(**OPAQUE)


def create_legacy_rule(api, space: str, rule_id: str) -> dict:
    """The rule seed 002 updates: an index threshold rule whose server-log connector is known."""
    body = copy.deepcopy(LEGACY_CREATE_REQUEST)
    body["actions"][0]["id"] = CONNECTOR_ID
    response = api.post(legacy(f"/alert/{rule_id}", space), json=body, headers=XSRF)
    assert response.status_code == 200, response.text
    return response.json()


def new_rule(**changes) -> dict:
    return {
        "name": "opaque rule",
        "rule_type_id": "test.alert.type",
        "consumer": "alerts",
        "schedule": {"interval": "5m"},
    } | changes


def put_seed(api, space: str, body: dict | None = None, rule_id: str = RULE_UPDATE_ID):
    return api.put(v2(f"/{rule_id}", space), json=body or RULE_UPDATE_REQUEST, headers=V2)


def test_seed_examples_are_the_documented_ones() -> None:
    seed = SEEDS / "002_c627f3a968fb5d0f.txt"
    if not seed.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    text = seed.read_text()
    for needle in (
        RULE_UPDATE_ID,
        CONNECTOR_ID,
        '".updated-index"',
        '"revision": 1',
        '"connector_type_id": ".server-log"',
    ):
        assert needle in text


def test_seed_update_example_round_trips(api, space) -> None:
    before = create_legacy_rule(api, space, RULE_UPDATE_ID)

    response = put_seed(api, space)

    assert response.status_code == 200, response.text
    assert response.headers["elastic-api-version"] == "2023-10-31"
    body = response.json()
    # The seed's response message lacks the final `}` its request has: we answer what was sent.
    expected_action = copy.deepcopy(RULE_UPDATE_RESPONSE["actions"][0])
    expected_action["params"] = RULE_UPDATE_REQUEST["actions"][0]["params"]
    action = dict(body["actions"][0])
    assert is_uuid(action.pop("uuid"))
    expected_action.pop("uuid")
    assert action == expected_action
    assert_like_example(
        body,
        RULE_UPDATE_RESPONSE,
        generated={
            "actions": lambda value: len(value) == 1,  # compared above
            "created_at": lambda value: value == before["createdAt"],
            "updated_at": lambda value: is_iso(value) and value >= before["updatedAt"],
            "next_run": is_iso,
            "scheduled_task_id": lambda value: value == before["scheduledTaskId"],
            # not executed by this service: no last run, execution still pending
            "last_run": lambda value: value is None,
            "execution_status": pending_since_creation,
        },
        caller=V2_CALLER,
    )
    assert "notify_when" not in body  # the seed's request sets none at rule level
    assert api.get(v2(f"/{RULE_UPDATE_ID}", space), headers=V2).json() == body


def test_revision_goes_up_on_every_update_from_either_api(api, space) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    revisions = [put_seed(api, space).json()["revision"] for _ in range(3)]
    assert revisions == [1, 2, 3]
    legacy_update = {
        "name": "legacy",
        "schedule": {"interval": "1m"},
        "params": RULE_UPDATE_REQUEST["params"],
        "notifyWhen": "onActiveAlert",
    }
    assert (
        api.put(
            legacy(f"/alert/{RULE_UPDATE_ID}", space), json=legacy_update, headers=XSRF
        ).status_code
        == 200
    )
    assert api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()["revision"] == 4
    api.post(legacy(f"/alert/{RULE_UPDATE_ID}/_disable", space), headers=XSRF)
    assert api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()["revision"] == 4  # not an update


def test_post_get_delete(api, space) -> None:
    created = api.post(v2("", space), json=new_rule(), headers=V2)
    assert created.status_code == 200, created.text
    rule = created.json()
    assert is_uuid(rule["id"]) and rule["tags"] == [] and rule["params"] == {}
    assert rule["actions"] == [] and rule["revision"] == 0 and rule["enabled"] is True
    assert rule["execution_status"]["status"] == "pending" and rule["running"] is False
    path = v2(f"/{rule['id']}", space)
    assert api.get(path).json() == rule

    with_id = api.post(v2(f"/{RULE_UPDATE_ID}", space), json=new_rule(enabled=False), headers=V2)
    assert with_id.status_code == 200
    disabled = with_id.json()
    assert (disabled["id"], disabled["enabled"], disabled["next_run"]) == (
        RULE_UPDATE_ID,
        False,
        None,
    )
    assert disabled["scheduled_task_id"] is None
    again = api.post(v2(f"/{RULE_UPDATE_ID}", space), json=new_rule(), headers=V2)
    assert again.status_code == 409

    deleted = api.delete(path, headers=V2)
    assert deleted.status_code == 204 and deleted.content == b""
    missing = api.get(path)
    assert missing.status_code == 404
    assert missing.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": f"Saved object [alert/{rule['id']}] not found",
    }
    assert api.delete(path, headers=V2).status_code == 404


def test_default_space_route(api) -> None:
    rule_id = str(uuid.uuid4())
    assert api.post(f"/api/alerting/rule/{rule_id}", json=new_rule(), headers=V2).status_code == 200
    assert api.get(f"/api/alerts/alert/{rule_id}").json()["alertTypeId"] == "test.alert.type"
    assert api.delete(f"/api/alerting/rule/{rule_id}", headers=V2).status_code == 204


def test_put_unknown_rule_is_404(api, space) -> None:
    response = put_seed(api, space)
    assert response.status_code == 404
    assert response.json()["message"] == f"Saved object [alert/{RULE_UPDATE_ID}] not found"


def test_writes_need_kbn_xsrf_and_reads_do_not(api, space) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    path = v2(f"/{RULE_UPDATE_ID}", space)
    no_xsrf = {"elastic-api-version": "2023-10-31"}
    for response in (
        api.put(path, json=RULE_UPDATE_REQUEST, headers=no_xsrf),
        api.post(v2("", space), json=new_rule(), headers=no_xsrf),
        api.delete(path, headers=no_xsrf),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "Request must contain a kbn-xsrf header.",
        }
    assert api.get(path).status_code == 200
    assert api.get(path).json()["revision"] == 0


def test_signals_status_still_needs_no_kbn_xsrf(client, space) -> None:
    response = client.post(
        f"/s/{space}/api/detection_engine/signals/status",
        json={"signal_ids": ["x"], "status": "closed"},
    )
    assert response.status_code == 200, response.text


def test_unknown_api_version_is_400(api, space) -> None:
    response = api.get(v2("/x", space), headers={"elastic-api-version": "2099-01-01"})
    assert response.status_code == 400
    assert "2023-10-31" in response.json()["message"]


# --- cross-API ---------------------------------------------------------------------------------


def test_rule_created_by_v2_is_read_and_updated_by_legacy(api, space) -> None:
    body = new_rule(
        tags=["a"],
        params={"x": 1},
        flapping={"look_back_window": 10, "status_change_threshold": 3},
        alert_delay={"active": 2},
    )
    created = api.post(v2("", space), json=body, headers=V2).json()

    seen = api.get(legacy(f"/alert/{created['id']}", space)).json()
    assert (seen["alertTypeId"], seen["tags"], seen["params"], seen["notifyWhen"]) == (
        "test.alert.type",
        ["a"],
        {"x": 1},
        None,
    )
    assert seen["createdAt"] == created["created_at"]

    update = {
        "name": "renamed",
        "schedule": {"interval": "1h"},
        "params": {"y": 2},
        "notifyWhen": "onThrottleInterval",
        "throttle": "10m",
        "tags": ["b"],
    }
    assert (
        api.put(legacy(f"/alert/{created['id']}", space), json=update, headers=XSRF).status_code
        == 200
    )
    after = api.get(v2(f"/{created['id']}", space)).json()
    assert (
        after["name"],
        after["schedule"],
        after["params"],
        after["notify_when"],
        after["throttle"],
        after["tags"],
        after["revision"],
    ) == ("renamed", {"interval": "1h"}, {"y": 2}, "onThrottleInterval", "10m", ["b"], 1)
    assert after["flapping"] == {"look_back_window": 10, "status_change_threshold": 3}
    assert after["alert_delay"] == {"active": 2}


def test_legacy_mutes_and_disable_show_in_v2(api, space) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    base = legacy(f"/alert/{RULE_UPDATE_ID}", space)
    api.post(f"{base}/alert_instance/host-7/_mute", headers=XSRF)
    api.post(f"{base}/_disable", headers=XSRF)
    rule = api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()
    assert (rule["muted_alert_ids"], rule["enabled"], rule["next_run"]) == (["host-7"], False, None)
    api.post(f"{base}/_mute_all", headers=XSRF)
    assert api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()["mute_all"] is True


def test_v2_actions_without_a_known_connector_are_400(api, space) -> None:
    body = new_rule(actions=[{"id": "unknown-connector", "params": {}}])
    response = api.post(v2("", space), json=body, headers=V2)
    assert response.status_code == 400
    assert "unknown-connector" in response.json()["message"]


def test_v2_learns_connector_type_from_another_rule_of_the_space(api, space) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    body = new_rule(actions=[{"id": CONNECTOR_ID, "group": "default", "params": {"a": 1}}])
    response = api.post(v2("", space), json=body, headers=V2)
    assert response.status_code == 200, response.text
    (action,) = response.json()["actions"]
    assert action["connector_type_id"] == ".server-log" and is_uuid(action["uuid"])
    other = api.post(v2("", space + "-x"), json=body, headers=V2)
    assert other.status_code == 400  # connectors are learned per space


# --- optimistic concurrency -------------------------------------------------------------------


def test_a_stale_write_is_409_and_changes_nothing(api, space) -> None:
    """Read, let someone else update, then write what was read: the write is refused."""
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    service = api.app.state.services.rules
    stale = api.portal.call(service.load, space, RULE_UPDATE_ID)

    assert put_seed(api, space).status_code == 200  # someone else, meanwhile

    attributes = {
        "name": "stale",
        "params": RULE_UPDATE_REQUEST["params"],
        "actions": [],
        "schedule": {"interval": "1m"},
    }
    with pytest.raises(RuleConflict) as conflict:
        api.portal.call(service.apply_update, stale, attributes, None)
    assert conflict.value.status == 409
    assert conflict.value.message == f"Saved object [alert/{RULE_UPDATE_ID}] conflict"
    current = api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()
    assert (current["name"], current["revision"]) == ("new name", 1)


def test_concurrent_updates_never_lose_a_write(api, space) -> None:
    """Many PUTs at once: each is 200 or 409, and the revision counts exactly the 200s."""
    create_legacy_rule(api, space, RULE_UPDATE_ID)

    def put(index: int):
        body = copy.deepcopy(RULE_UPDATE_REQUEST) | {"name": f"writer {index}"}
        return put_seed(api, space, body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(put, range(16)))

    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {200, 409}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json() == {
                "statusCode": 409,
                "error": "Conflict",
                "message": f"Saved object [alert/{RULE_UPDATE_ID}] conflict",
            }
    succeeded = [response.json() for response in responses if response.status_code == 200]
    final = api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()
    assert final["revision"] == len(succeeded)
    assert sorted(rule["revision"] for rule in succeeded) == list(range(1, len(succeeded) + 1))
    assert final["name"] in {
        rule["name"] for rule in succeeded if rule["revision"] == final["revision"]
    }


# --- schema ------------------------------------------------------------------------------------


def _seed_with(**changes) -> dict:
    return copy.deepcopy(RULE_UPDATE_REQUEST) | changes


def _action_with(**changes) -> dict:
    action = copy.deepcopy(RULE_UPDATE_REQUEST["actions"][0]) | changes
    return _seed_with(actions=[action])


TIMEFRAME = {"days": [1, 2], "hours": {"start": "08:00", "end": "17:00"}, "timezone": "UTC"}
QUERY = {"kql": "", "filters": [{"meta": {}, "$state": {"store": "appState"}}]}


def _timeframe(**changes) -> dict:
    return _action_with(alerts_filter={"timeframe": TIMEFRAME | changes})


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (_seed_with(surprise=1), "[request body].surprise: Extra inputs are not permitted"),
        ({k: v for k, v in RULE_UPDATE_REQUEST.items() if k != "name"}, "name: Required"),
        ({k: v for k, v in RULE_UPDATE_REQUEST.items() if k != "schedule"}, "schedule: Required"),
        (_seed_with(schedule={"interval": "1m", "x": 1}), "schedule.x: Extra inputs"),
        (_seed_with(schedule={"interval": "every minute"}), "not a valid duration"),
        (_seed_with(throttle="1 hour"), "not a valid duration"),
        (_seed_with(notify_when="always"), "notify_when"),
        (_seed_with(rule_type_id=".index-threshold"), "rule_type_id: Extra inputs"),
        (_seed_with(tags="cpu"), "tags"),
        (_action_with(connector_type_id=".server-log"), "connector_type_id: Extra inputs"),
        (_action_with(frequency={"summary": False}), "frequency.notify_when: Required"),
        (_action_with(frequency={"notify_when": "onActiveAlert"}), "frequency.summary: Required"),
        (_action_with(frequency={"summary": False, "notify_when": "x"}), "notify_when"),
        (
            _action_with(
                frequency={"summary": False, "notify_when": "onActiveAlert", "throttle": "1 day"}
            ),
            "not a valid duration",
        ),
        (
            _action_with(frequency={"summary": False, "notify_when": "onActiveAlert", "x": 1}),
            "frequency.x: Extra inputs",
        ),
        (_seed_with(notify_when="onActiveAlert"), "Cannot specify per-action frequency"),
        (_action_with(alerts_filter={"x": 1}), "alerts_filter.x: Extra inputs"),
        (_action_with(alerts_filter={"query": QUERY | {"x": 1}}), "query.x: Extra inputs"),
        (_action_with(alerts_filter={"query": {"filters": []}}), "query.kql: Required"),
        (_action_with(alerts_filter={"query": {"kql": ""}}), "query.filters: Required"),
        (
            _action_with(
                alerts_filter={"query": QUERY | {"filters": [{"$state": {"store": "x"}}]}}
            ),
            "store",
        ),
        (
            _action_with(
                alerts_filter={
                    "query": QUERY
                    | {"filters": [{"meta": {}, "$state": {"store": "appState", "x": 1}}]}
                }
            ),
            "x: Extra inputs",
        ),
        (_timeframe(days=[0]), "days.0"),
        (_timeframe(days=[8]), "days.0"),
        (_timeframe(x=1), "timeframe.x: Extra inputs"),
        (_timeframe(hours={"start": "25:00", "end": "17:00"}), "not a valid time in hh:mm"),
        (_timeframe(hours={"start": "8:00", "end": "17:00"}), "not a valid time in hh:mm"),
        (_timeframe(hours={"start": "08:00", "end": "noon"}), "not a valid time in hh:mm"),
        (_timeframe(hours={"start": "08:00", "end": "17:00", "x": 1}), "hours.x: Extra inputs"),
        (_timeframe(timezone=None), "timezone"),
        (_seed_with(alert_delay={}), "alert_delay.active: Required"),
        (_seed_with(alert_delay={"active": 1, "x": 1}), "alert_delay.x: Extra inputs"),
        (
            _seed_with(flapping={"look_back_window": 1, "status_change_threshold": 2}),
            "look_back_window: Input should be greater than or equal to 2",
        ),
        (
            _seed_with(flapping={"look_back_window": 21, "status_change_threshold": 2}),
            "look_back_window: Input should be less than or equal to 20",
        ),
        (
            _seed_with(flapping={"look_back_window": 5, "status_change_threshold": 1}),
            "status_change_threshold: Input should be greater than or equal to 2",
        ),
        (
            _seed_with(flapping={"look_back_window": 20, "status_change_threshold": 21}),
            "status_change_threshold: Input should be less than or equal to 20",
        ),
        (
            _seed_with(flapping={"look_back_window": 4, "status_change_threshold": 5}),
            "less than or equal to look_back_window",
        ),
        (
            _seed_with(flapping={"look_back_window": 4, "status_change_threshold": 2, "x": 1}),
            "flapping.x: Extra inputs",
        ),
        (_seed_with(params={"index": []}), "params invalid"),
        (_action_with(group="no such group"), "Invalid action groups: no such group"),
    ],
)
def test_put_schema_failures_are_400_and_change_nothing(api, space, body, needle) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)

    response = put_seed(api, space, body)

    assert response.status_code == 400, response.text
    error = response.json()
    assert (error["statusCode"], error["error"]) == (400, "Bad Request")
    assert needle in error["message"], error["message"]
    assert api.get(v2(f"/{RULE_UPDATE_ID}", space)).json()["revision"] == 0


def test_put_accepts_the_full_schema(api, space) -> None:
    create_legacy_rule(api, space, RULE_UPDATE_ID)
    body = _action_with(
        alerts_filter={
            "query": QUERY | {"dsl": "{}"},
            "timeframe": TIMEFRAME | {"days": [1, 7], "hours": {"start": "00:00", "end": "24:00"}},
        },
        use_alert_data_for_template=True,
        uuid="07aef2a0-9eed-4ef9-94ec-39ba58eb609d",
    ) | {
        "flapping": {"look_back_window": 20, "status_change_threshold": 2},
        "alert_delay": {"active": 3},
        "tags": ["x"],
    }

    response = put_seed(api, space, body)

    assert response.status_code == 200, response.text
    rule = response.json()
    (action,) = rule["actions"]
    assert action["uuid"] == "07aef2a0-9eed-4ef9-94ec-39ba58eb609d"
    assert action["alerts_filter"]["timeframe"]["days"] == [1, 7]
    assert action["alerts_filter"]["query"]["filters"][0]["$state"] == {"store": "appState"}
    assert action["use_alert_data_for_template"] is True
    assert rule["flapping"] == {"look_back_window": 20, "status_change_threshold": 2}
    assert rule["alert_delay"] == {"active": 3}


def test_tags_and_params_default_to_empty(api, space) -> None:
    rule_id = str(uuid.uuid4())
    api.post(v2(f"/{rule_id}", space), json=new_rule(tags=["t"], params={"p": 1}), headers=V2)
    response = api.put(
        v2(f"/{rule_id}", space), json={"name": "n", "schedule": {"interval": "1m"}}, headers=V2
    )
    assert response.status_code == 200, response.text
    assert (response.json()["tags"], response.json()["params"]) == ([], {})


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (new_rule(rule_type_id="nope"), 'Rule type "nope" is not registered.'),
        ({k: v for k, v in new_rule().items() if k != "consumer"}, "consumer: Required"),
        ({k: v for k, v in new_rule().items() if k != "rule_type_id"}, "rule_type_id: Required"),
        (new_rule(enabled="yes please"), "enabled"),
        (new_rule(rule_type_id=".index-threshold"), "params invalid"),
    ],
)
def test_post_schema_failures_are_400(api, space, body, needle) -> None:
    response = api.post(v2("", space), json=body, headers=V2)
    assert response.status_code == 400, response.text
    assert needle in response.json()["message"]


# --- auth and availability ------------------------------------------------------------------------


def test_without_credentials_rule_routes_are_401_before_the_xsrf_check(es_url, space) -> None:
    from fastapi.testclient import TestClient

    from alertstatus.api.app import create_app
    from alertstatus.settings import Settings

    # a bare client: the shared fixtures may authenticate, this one must not
    with TestClient(create_app(Settings(ELASTICSEARCH_URL=es_url, auth_enabled=True))) as api:
        responses = [
            api.get(v2("/x", space)),
            api.put(v2("/x", space), json=RULE_UPDATE_REQUEST),  # no kbn-xsrf either
            api.get(legacy("/_find", space)),
            api.post(legacy("/alert", space), json=LEGACY_CREATE_REQUEST),
        ]
    for response in responses:
        assert response.status_code == 401, response.text
        assert response.json()["statusCode"] == 401 and response.json()["error"] == "Unauthorized"


def test_elasticsearch_down_is_a_platform_error(space) -> None:
    from fastapi.testclient import TestClient

    from alertstatus.api.app import create_app
    from alertstatus.settings import Settings
    from tests.integration.test_unavailable import closed_port

    settings = Settings(
        ELASTICSEARCH_URL=f"http://127.0.0.1:{closed_port()}",
        ELASTICSEARCH_MAX_RETRIES=0,
        install_templates=False,
    )
    # a well-formed key that cannot be checked with Elasticsearch down: 503, not 401
    with TestClient(create_app(settings), headers={"authorization": "ApiKey aWQ6c2VjcmV0"}) as api:
        response = api.get(v2("/x", space))
    assert response.status_code == 503
    body = response.json()
    assert (body["statusCode"], body["error"]) == (503, "Service Unavailable")
    assert "unavailable" in body["message"]
