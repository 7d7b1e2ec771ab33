"""Kibana 7.x legacy alerting API (seed 001) against the real Elasticsearch node."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import orjson
import pytest

from tests.integration.rules_examples import (
    LEGACY_CREATE_REQUEST,
    LEGACY_CREATE_RESPONSE,
    LEGACY_FIND_RESPONSE,
    LEGACY_HEALTH_RESPONSE,
    LEGACY_INDEX_THRESHOLD_TYPE,
    LEGACY_TEST_ALERT,
    LEGACY_UPDATE_ID,
    LEGACY_UPDATE_REQUEST,
    LEGACY_UPDATE_RESPONSE,
)
from tests.integration.rules_support import (
    LEGACY_CALLER,
    LEGACY_GENERATED,
    OPAQUE,
    XSRF,
    assert_like_example,
    is_iso,
    is_uuid,
    legacy,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED_CREATE_ID = LEGACY_CREATE_RESPONSE["id"]
ACTION_ID = LEGACY_CREATE_REQUEST["actions"][0]["id"]
NOT_FOUND = "Saved object [alert/{}] not found"


@pytest.fixture
def api(make_client):
    return make_client(**OPAQUE)


def create_test_alert(api, space: str, rule_id: str, **changes) -> dict:
    """The get/find examples' rule (a `test.alert.type` rule), created through the API."""
    body = {
        key: copy.deepcopy(LEGACY_TEST_ALERT[key])
        for key in (
            "notifyWhen",
            "params",
            "consumer",
            "alertTypeId",
            "schedule",
            "actions",
            "tags",
            "name",
            "enabled",
            "throttle",
        )
    } | changes
    response = api.post(legacy(f"/alert/{rule_id}", space), json=body, headers=XSRF)
    assert response.status_code == 200, response.text
    return response.json()


def create_seed_alert(api, space: str, rule_id: str | None = None) -> dict:
    path = f"/alert/{rule_id}" if rule_id else "/alert"
    response = api.post(legacy(path, space), json=LEGACY_CREATE_REQUEST, headers=XSRF)
    assert response.status_code == 200, response.text
    return response.json()


def test_seed_examples_are_the_documented_ones() -> None:
    seed = SEEDS / "001_0adc527c986b134e.txt"
    if not seed.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    text = seed.read_text()
    for needle in (
        SEED_CREATE_ID,
        LEGACY_TEST_ALERT["id"],
        LEGACY_UPDATE_ID,
        ACTION_ID,
        '"alertTypeId":".index-threshold"',
        '"isSufficientlySecure":true',
    ):
        assert needle in text


# --- the seed's examples ------------------------------------------------------------------------


def test_seed_create_example_round_trips(api, space) -> None:
    created = create_seed_alert(api, space)

    # The seed's response contradicts its own request in two places (index `.kibana` instead of
    # `.test-index`, quotes dropped from the message): the service answers with what was sent.
    assert_like_example(
        created,
        LEGACY_CREATE_RESPONSE,
        generated=LEGACY_GENERATED,
        caller=LEGACY_CALLER,
        differ={
            "params": LEGACY_CREATE_REQUEST["params"],
            "actions": [
                {
                    "actionTypeId": ".server-log",
                    "group": "threshold met",
                    "params": LEGACY_CREATE_REQUEST["actions"][0]["params"],
                    "id": ACTION_ID,
                }
            ],
        },
    )
    assert created["createdAt"] == created["updatedAt"]
    fetched = api.get(legacy(f"/alert/{created['id']}", space))
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_create_with_the_seed_id(api, space) -> None:
    created = create_seed_alert(api, space, SEED_CREATE_ID)
    assert created["id"] == SEED_CREATE_ID
    again = api.post(
        legacy(f"/alert/{SEED_CREATE_ID}", space), json=LEGACY_CREATE_REQUEST, headers=XSRF
    )
    assert again.status_code == 409
    assert again.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": f"Saved object [alert/{SEED_CREATE_ID}] conflict",
    }


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "41893910-6bca-31eb-9e0d-85d233e3ee35"])
def test_create_refuses_ids_that_are_not_uuid_v1_or_v4(api, space, bad_id) -> None:
    response = api.post(legacy(f"/alert/{bad_id}", space), json=LEGACY_CREATE_REQUEST, headers=XSRF)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_seed_get_example_round_trips(api, space) -> None:
    create_test_alert(api, space, LEGACY_TEST_ALERT["id"])

    response = api.get(legacy(f"/alert/{LEGACY_TEST_ALERT['id']}", space))

    assert response.status_code == 200
    generated = {k: v for k, v in LEGACY_GENERATED.items() if k != "id"}
    assert_like_example(
        response.json(), LEGACY_TEST_ALERT, generated=generated, caller=LEGACY_CALLER
    )


def test_seed_find_example_round_trips(api, space) -> None:
    create_test_alert(api, space, LEGACY_TEST_ALERT["id"])
    mine = create_seed_alert(api, space)

    # The seed searches `my*` but shows a rule named "test alert": run both searches.
    response = api.get(legacy("/_find", space), params={"search_fields": "name", "search": "test*"})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("page", "perPage", "total")} == {
        "page": 1,
        "perPage": 10,
        "total": 1,
    }
    generated = {k: v for k, v in LEGACY_GENERATED.items() if k != "id"}
    assert_like_example(
        body["data"][0], LEGACY_FIND_RESPONSE["data"][0], generated=generated, caller=LEGACY_CALLER
    )

    seeds_query = api.get(legacy("/_find?search_fields=name&search=my*", space)).json()
    assert seeds_query["total"] == 1 and seeds_query["data"] == [mine]

    only = api.get(legacy("/_find?fields=id&fields=name", space)).json()
    assert sorted(only["data"], key=lambda item: item["name"]) == [
        {"id": mine["id"], "name": "my alert"},
        {"id": LEGACY_TEST_ALERT["id"], "name": "test alert"},
    ]


def test_seed_update_example_round_trips(api, space) -> None:
    before = create_test_alert(api, space, LEGACY_UPDATE_ID)

    response = api.put(
        legacy(f"/alert/{LEGACY_UPDATE_ID}", space), json=LEGACY_UPDATE_REQUEST, headers=XSRF
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    generated = {k: v for k, v in LEGACY_GENERATED.items() if k != "id"}
    assert_like_example(updated, LEGACY_UPDATE_RESPONSE, generated=generated, caller=LEGACY_CALLER)
    assert updated["createdAt"] == before["createdAt"]
    assert updated["updatedAt"] >= before["updatedAt"]
    assert updated["scheduledTaskId"] == before["scheduledTaskId"]
    assert api.get(legacy(f"/alert/{LEGACY_UPDATE_ID}", space)).json() == updated


def test_seed_delete_example(api, space) -> None:
    create_seed_alert(api, space, SEED_CREATE_ID)

    response = api.delete(legacy(f"/alert/{SEED_CREATE_ID}", space), headers=XSRF)

    assert response.status_code == 200 and response.content == b""
    gone = api.get(legacy(f"/alert/{SEED_CREATE_ID}", space))
    assert gone.status_code == 404
    assert gone.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": NOT_FOUND.format(SEED_CREATE_ID),
    }


def test_seed_disable_and_enable_examples(api, space) -> None:
    created = create_seed_alert(api, space, SEED_CREATE_ID)
    path = legacy(f"/alert/{SEED_CREATE_ID}", space)

    disabled = api.post(f"{path}/_disable", headers=XSRF)
    assert disabled.status_code == 200 and disabled.content == b""
    rule = api.get(path).json()
    assert (rule["enabled"], rule["scheduledTaskId"], rule["apiKeyOwner"]) == (False, None, None)
    found = api.get(legacy("/_find", space), params={"filter": "alert.attributes.enabled: false"})
    assert [item["id"] for item in found.json()["data"]] == [SEED_CREATE_ID]

    enabled = api.post(f"{path}/_enable", headers=XSRF)
    assert enabled.status_code == 200
    rule = api.get(path).json()
    assert rule["enabled"] is True and is_uuid(rule["scheduledTaskId"])
    assert rule["scheduledTaskId"] != created["scheduledTaskId"]
    assert rule["executionStatus"]["status"] == "pending"
    found = api.get(legacy("/_find", space), params={"filter": "alert.attributes.enabled: false"})
    assert found.json()["total"] == 0


def test_seed_mute_all_and_unmute_all_examples(api, space) -> None:
    create_seed_alert(api, space, SEED_CREATE_ID)
    path = legacy(f"/alert/{SEED_CREATE_ID}", space)
    api.post(f"{path}/alert_instance/host-1/_mute", headers=XSRF)

    muted = api.post(f"{path}/_mute_all", headers=XSRF)

    assert muted.status_code == 200 and muted.content == b""
    rule = api.get(path).json()
    assert (rule["muteAll"], rule["mutedInstanceIds"]) == (True, [])
    found = api.get(legacy("/_find", space), params={"filter": "alert.attributes.muteAll: true"})
    assert found.json()["total"] == 1
    assert api.post(f"{path}/_unmute_all", headers=XSRF).status_code == 200
    assert api.get(path).json()["muteAll"] is False
    found = api.get(legacy("/_find", space), params={"filter": "alert.attributes.muteAll: true"})
    assert found.json()["total"] == 0


def test_seed_mute_and_unmute_instance_examples(api, space) -> None:
    create_seed_alert(api, space, SEED_CREATE_ID)
    path = legacy(f"/alert/{SEED_CREATE_ID}", space)
    instance = "dceeb5d0-6b41-11eb-802b-85b0c1bc8ba2"  # the seed's instance id

    assert api.post(f"{path}/alert_instance/{instance}/_mute", headers=XSRF).status_code == 200
    api.post(f"{path}/alert_instance/{instance}/_mute", headers=XSRF)  # twice: listed once
    api.post(f"{path}/alert_instance/other/_mute", headers=XSRF)

    assert api.get(path).json()["mutedInstanceIds"] == [instance, "other"]
    kql = f'alert.attributes.mutedInstanceIds: "{instance}"'
    found = api.get(legacy("/_find", space), params={"filter": kql})
    assert found.json()["total"] == 1
    assert api.post(f"{path}/alert_instance/{instance}/_unmute", headers=XSRF).status_code == 200
    assert api.get(path).json()["mutedInstanceIds"] == ["other"]


def test_seed_health_example(api, space) -> None:
    for path in ("/api/alerts/_health", legacy("/_health", space)):
        response = api.get(path)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == set(LEGACY_HEALTH_RESPONSE)
        assert body["hasPermanentEncryptionKey"] is True
        assert isinstance(body["isSufficientlySecure"], bool)
        framework = body["alertingFrameworkHeath"]
        assert set(framework) == set(LEGACY_HEALTH_RESPONSE["alertingFrameworkHeath"])
        for part in framework.values():
            assert part["status"] == "ok" and is_iso(part["timestamp"])


def test_seed_list_alert_types_example(api, space) -> None:
    response = api.get(legacy("/list_alert_types", space))

    assert response.status_code == 200
    (threshold,) = [t for t in response.json() if t["id"] == ".index-threshold"]
    expected = LEGACY_INDEX_THRESHOLD_TYPE
    assert set(threshold) == set(expected)
    for key in expected:
        if key != "actionVariables":
            assert threshold[key] == expected[key], key
    for kind, variables in expected["actionVariables"].items():  # the seed lists a selection
        assert all(v in threshold["actionVariables"][kind] for v in variables), kind
    assert "test.alert.type" in {t["id"] for t in response.json()}


# --- errors, validation, XSRF --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("POST", "/_enable"),
        ("POST", "/_disable"),
        ("POST", "/_mute_all"),
        ("POST", "/_unmute_all"),
        ("POST", "/alert_instance/x/_mute"),
        ("POST", "/alert_instance/x/_unmute"),
    ],
)
def test_unknown_rule_is_404(api, space, method, suffix) -> None:
    rule_id = "0a037d60-6b62-11eb-9e0d-85d233e3ee35"
    body = LEGACY_UPDATE_REQUEST if method == "PUT" else None
    response = api.request(
        method, legacy(f"/alert/{rule_id}{suffix}", space), json=body, headers=XSRF
    )
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": NOT_FOUND.format(rule_id),
    }


def test_rules_are_space_scoped(api, space) -> None:
    rule_id = str(uuid.uuid4())
    create_seed_alert(api, space, rule_id)
    assert api.get(f"/api/alerts/alert/{rule_id}").status_code == 404  # the default space
    assert api.get(legacy(f"/alert/{rule_id}", space)).status_code == 200
    assert api.get(legacy(f"/alert/{rule_id}", space + "-other")).status_code == 404
    assert api.get(legacy("/_find", space + "-other")).json()["total"] == 0


def test_invalid_space_id_is_400(api) -> None:
    response = api.get("/s/Not_Valid!/api/alerts/_find")
    assert response.status_code == 400
    assert response.json()["message"].startswith("[request params].space_id")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("POST", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("POST", "/_enable"),
        ("POST", "/_disable"),
        ("POST", "/_mute_all"),
        ("POST", "/_unmute_all"),
        ("POST", "/alert_instance/x/_mute"),
        ("POST", "/alert_instance/x/_unmute"),
    ],
)
def test_writes_without_kbn_xsrf_are_refused(api, space, method, suffix) -> None:
    create_seed_alert(api, space, SEED_CREATE_ID)
    body = {"PUT": LEGACY_UPDATE_REQUEST, "POST": LEGACY_CREATE_REQUEST}.get(method)
    response = api.request(method, legacy(f"/alert/{SEED_CREATE_ID}{suffix}", space), json=body)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "Request must contain a kbn-xsrf header.",
    }
    assert api.get(legacy(f"/alert/{SEED_CREATE_ID}", space)).json()["name"] == "my alert"


def test_kbn_version_header_also_passes_xsrf(api, space) -> None:
    response = api.post(
        legacy("/alert", space), json=LEGACY_CREATE_REQUEST, headers={"kbn-version": "7.17.0"}
    )
    assert response.status_code == 200


def _without(key: str) -> dict:
    return {k: v for k, v in LEGACY_CREATE_REQUEST.items() if k != key}


def _with(**changes) -> dict:
    return copy.deepcopy(LEGACY_CREATE_REQUEST) | changes


def _params(**changes) -> dict:
    params = copy.deepcopy(LEGACY_CREATE_REQUEST["params"]) | changes
    return _with(params={k: v for k, v in params.items() if v is not None})


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (_without("name"), "[request body].name: Required"),
        (_without("alertTypeId"), "[request body].alertTypeId: Required"),
        (_without("schedule"), "[request body].schedule: Required"),
        (_without("notifyWhen"), "[request body].notifyWhen: Required"),
        (_without("consumer"), "[request body].consumer: Required"),
        (_without("params"), "[request body].params: Required"),
        (_with(notifyWhen="sometimes"), "[request body].notifyWhen"),
        (_with(schedule={"interval": "1x"}), "string is not a valid duration: 1x"),
        (_with(schedule={"interval": "0m"}), "string is not a valid duration: 0m"),
        (_with(schedule={"interval": "10"}), "string is not a valid duration: 10"),
        (_with(schedule={"interval": "1m", "cron": "*"}), "[request body].schedule.cron"),
        (_with(throttle="soon"), "string is not a valid duration: soon"),
        (
            _with(actions=[{"id": "a", "group": "threshold met", "params": {}}]),
            "[request body].actions.0.actionTypeId: Required",
        ),
        (_with(alertTypeId="no.such.type"), 'Rule type "no.such.type" is not registered.'),
        (
            _with(
                actions=[{"id": "a", "group": "nope", "actionTypeId": ".server-log", "params": {}}]
            ),
            "Invalid action groups: nope",
        ),
        (_params(index=None), "params invalid: [index]: Required"),
        (_params(aggType="median"), "params invalid: [aggType]"),
        (_params(timeWindowUnit="w"), "params invalid: [timeWindowUnit]"),
        (_params(thresholdComparator="between"), "must have 2 element(s)"),
        (_params(aggField=None), "[aggField]: must have a value"),
        (_params(termField=None), "[termField]: termField required"),
        (_params(surprise=1), "params invalid: [surprise]"),
    ],
)
def test_create_validation_failures_are_400(api, space, body, needle) -> None:
    response = api.post(legacy("/alert", space), json=body, headers=XSRF)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["statusCode"] == 400 and error["error"] == "Bad Request"
    assert needle in error["message"], error["message"]
    assert api.get(legacy("/_find", space)).json()["total"] == 0


@pytest.mark.parametrize("interval", ["10s", "5m", "1h", "1d"])
def test_documented_intervals_are_accepted(api, space, interval) -> None:
    response = api.post(
        legacy("/alert", space), json=_with(schedule={"interval": interval}), headers=XSRF
    )
    assert response.status_code == 200
    assert response.json()["schedule"] == {"interval": interval}


def test_update_validation_failures_are_400(api, space) -> None:
    create_test_alert(api, space, LEGACY_UPDATE_ID)
    path = legacy(f"/alert/{LEGACY_UPDATE_ID}", space)
    for body, needle in [
        ({k: v for k, v in LEGACY_UPDATE_REQUEST.items() if k != "name"}, "name: Required"),
        (LEGACY_UPDATE_REQUEST | {"notifyWhen": "never"}, "notifyWhen"),
        (LEGACY_UPDATE_REQUEST | {"alertTypeId": "x"}, "alertTypeId"),  # not updatable
        (LEGACY_UPDATE_REQUEST | {"schedule": {"interval": "5 minutes"}}, "not a valid duration"),
    ]:
        response = api.put(path, json=body, headers=XSRF)
        assert response.status_code == 400 and needle in response.json()["message"], response.text
    assert api.get(path).json()["name"] == "test alert"


# --- _find ---------------------------------------------------------------------------------------


@pytest.fixture
def three_rules(api, space) -> dict[str, dict]:
    rules = {
        "cpu": create_seed_alert(api, space),
        "disk": create_test_alert(
            api,
            space,
            "11111111-6b62-11eb-9e0d-85d233e3ee35",
            name="disk full",
            tags=["disk", "prod"],
        ),
        "net": create_test_alert(
            api,
            space,
            "22222222-6b62-11eb-9e0d-85d233e3ee35",
            name="network down",
            tags=["prod"],
            enabled=False,
        ),
    }
    return {key: rule["id"] for key, rule in rules.items()}


def find_ids(api, space, **params) -> list[str]:
    response = api.get(legacy("/_find", space), params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_find_pages_and_sorts(api, space, three_rules) -> None:
    by_name = find_ids(api, space, sort_field="name", sort_order="asc")
    assert by_name == [three_rules["disk"], three_rules["cpu"], three_rules["net"]]
    assert find_ids(api, space, sort_field="name", sort_order="desc") == by_name[::-1]
    page2 = api.get(
        legacy("/_find", space), params={"per_page": 2, "page": 2, "sort_field": "name"}
    ).json()
    assert (page2["page"], page2["perPage"], page2["total"]) == (2, 2, 3)
    assert [item["id"] for item in page2["data"]] == [three_rules["net"]]


def test_find_search_with_operator(api, space, three_rules) -> None:
    assert set(find_ids(api, space, search="disk network", search_fields="name")) == {
        three_rules["disk"],
        three_rules["net"],
    }
    assert find_ids(
        api, space, search="disk full", search_fields="name", default_search_operator="AND"
    ) == [three_rules["disk"]]
    assert set(find_ids(api, space, search="prod", search_fields="tags")) == {
        three_rules["disk"],
        three_rules["net"],
    }


def test_find_has_reference(api, space, three_rules) -> None:
    ref = orjson.dumps({"type": "action", "id": ACTION_ID}).decode()
    assert find_ids(api, space, has_reference=ref) == [three_rules["cpu"]]
    brackets = {"has_reference[type]": "action", "has_reference[id]": ACTION_ID}
    assert find_ids(api, space, **brackets) == [three_rules["cpu"]]
    assert find_ids(api, space, has_reference='{"type": "dashboard", "id": "x"}') == []


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        ("alert.attributes.tags: prod", {"disk", "net"}),
        ("alert.attributes.tags: prod and alert.attributes.enabled: true", {"disk"}),
        ("alert.attributes.tags: prod AND NOT alert.attributes.name: disk", {"net"}),
        ('alert.attributes.name: "my alert" or alert.attributes.tags: disk', {"cpu", "disk"}),
        (
            "(alert.attributes.tags: cpu or alert.attributes.tags: disk) and "
            "alert.attributes.alertTypeId: .index-threshold",
            {"cpu"},
        ),
        ("alert.attributes.tags: (cpu or disk)", {"cpu", "disk"}),
        ("alert.attributes.alertTypeId: test.*", {"disk", "net"}),
        ("alert.attributes.throttle: *", set()),
        ("alert.attributes.scheduledTaskId: *", {"cpu", "disk"}),
        ("not alert.attributes.enabled: true", {"net"}),
        ("alert.attributes.updatedAt > 2020-01-01", {"cpu", "disk", "net"}),
        ("alert.attributes.createdAt < 2020-01-01", set()),
        ("alert.attributes.actions.actionTypeId: .server-log", {"cpu"}),
    ],
)
def test_find_filter_kql_subset(api, space, three_rules, kql, expected) -> None:
    found = find_ids(api, space, filter=kql)
    assert set(found) == {three_rules[key] for key in expected}


@pytest.mark.parametrize(
    "kql",
    [
        "alert.attributes.params.index: x",  # params are not indexed
        "alert.attributes.nope: x",
        "name: x",  # not `alert.attributes.`
        "alert.attributes.tags:",
        "(alert.attributes.tags: x",
        "alert.attributes.tags: x and",
        "alert.attributes.name > b",  # ranges on dates only
        "alert.attributes.enabled: maybe",
    ],
)
def test_find_filter_outside_the_subset_is_400(api, space, kql) -> None:
    response = api.get(legacy("/_find", space), params={"filter": kql})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Bad Request"


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": -1},
        {"page": 0},
        {"sort_order": "up"},
        {"default_search_operator": "XOR"},
        {"sort_field": "params"},
        {"search_fields": "enabled", "search": "x"},
        {"has_reference": "action"},
        {"has_reference[type]": "action"},
        {"page": 1001},
    ],
)
def test_find_bad_parameters_are_400(api, space, params) -> None:
    response = api.get(legacy("/_find", space), params=params)
    assert response.status_code == 400, response.text
