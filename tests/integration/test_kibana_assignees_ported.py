"""Kibana's own tests of `POST /api/detection_engine/signals/assignees`, ported to the real node.

Each test names the Kibana test it ports (elastic/kibana):
- API integration: x-pack/test/security_solution_api_integration/test_suites/detections_response/
  detection_engine/alerts/trial_license_complete_tier/assignments/: `assignments.ts` ("Alert User
  Assignment - ESS & Serverless"), `assignments_ess.ts`, `assignments_serverless.ts`;
- route unit tests: x-pack/solutions/security/plugins/security_solution/server/lib/detection_engine/
  routes/signals/set_alert_assignees_route.test.ts ("route test");
- routes/common/operations/update_alerts_assignees.test.ts ("operation test") and
  routes/common/validators/validate_alert_arrays.test.ts ("validator test").

Kibana's alerts come from a rule run on auditbeat data; here they are seeded (the same
`kibana.alert.workflow_assignee_ids: []` a new alert has). Assignee values are user profile uids;
Kibana's API does not check that a profile exists (its tests assign `user-1`), and neither do we.
Kibana's roles (reader, t1_analyst, ..., soc_manager) become ours: viewer, analyst, admin. Not
ported: the route test's "workflow trigger emission" (Kibana's workflow event bus) and the
operation test's "updates on multiple indices pattern" (the attack discovery index).
docs/dialects.md lists the differences.
"""

from __future__ import annotations

from typing import Any

import pytest

from alertstatus.engine.indices import alerts_alias
from tests.conftest import create_space
from tests.integration.keyword_edits import (
    each,
    platform_400,
    post_edit,
    values_by_id,
)
from tests.integration.kibana_schemas import assert_kibana_response, is_valid_kibana_request

ASSIGNEES = "/api/detection_engine/signals/assignees"
FIELD = "kibana.alert.workflow_assignee_ids"


def set_alert_assignees(add: list[str], remove: list[str], ids: list[str]) -> dict[str, Any]:
    """The body Kibana's test helper `setAlertAssignees` builds."""
    return {"assignees": {"add": add, "remove": remove}, "ids": ids}


def post_assignees(client, space: str, body: Any, status: int = 200) -> Any:
    return post_edit(client, space, ASSIGNEES, "SetAlertAssignees", body, status)


def assignees_by_id(client, space: str, ids: list[str]) -> dict[str, Any]:
    return values_by_id(client, space, FIELD, ids)


@pytest.fixture
def alert_ids(seed, space) -> list[str]:
    return sorted(seed(space, 10))


# --- validation checks ---------------------------------------------------------------------------


def test_no_alert_ids(client, space) -> None:
    """assignments.ts "should give errors when no alert ids are provided"; route test "rejects if
    no alert ids are provided"."""
    body = set_alert_assignees([], [], [])
    assert not is_valid_kibana_request("SetAlertAssigneesBody", body)
    answer = post_assignees(client, space, body, 400)
    assert answer == platform_400("[request body]: ids: Array must contain at least 1 element(s)")


def test_empty_alert_id(client, space) -> None:
    """assignments.ts "should give errors when empty alert ids are provided"; route test "rejects
    if empty string provided as an alert id".

    The integration test still expects `ids.1: Invalid` for the second issue, the text of
    releases whose NonEmptyString was a regular expression; since it is `isNonEmptyString`
    (@kbn/zod-helpers) the text is `No empty strings allowed`, as the route test expects and we
    answer (docs/dialects.md).
    """
    answer = post_assignees(client, space, set_alert_assignees([], [], ["123", ""]), 400)
    assert answer == platform_400(
        "[request body]: ids.1: String must contain at least 1 character(s), "
        "ids.1: No empty strings allowed"
    )
    route_test = post_assignees(
        client, space, set_alert_assignees(["assignee-id-1"], ["assignee-id-2"], [""]), 400
    )
    assert route_test == platform_400(
        "[request body]: ids.0: String must contain at least 1 character(s), "
        "ids.0: No empty strings allowed"
    )


def test_duplicate_assignees_in_add_and_remove(client, space) -> None:
    """assignments.ts "should give errors when duplicate assignees exist in both add and remove";
    route test "returns 400 if duplicate assignees are in both the add and remove arrays";
    validator test "returns an error when an assignee is both added and removed"."""
    answer = post_assignees(
        client, space, set_alert_assignees(["test-1"], ["test-1"], ["123"]), 400
    )
    assert answer == {
        "message": ['Duplicate assignees ["test-1"] were found in the add and remove parameters.'],
        "status_code": 400,
    }
    with pytest.raises(AssertionError):  # the route's body (keyword_edits.post_edit)
        assert_kibana_response("SetAlertAssignees", 400, answer)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "assignees: Required, ids: Required"),
        ({"ids": ["a"]}, "assignees: Required"),
        ({"ids": ["a"], "assignees": {"add": []}}, "assignees.remove: Required"),
        (
            {"ids": [], "assignees": {"add": [" "], "remove": [7]}},
            "assignees.add.0: No empty strings allowed, "
            "assignees.remove.0: Expected string, received number, "
            "ids: Array must contain at least 1 element(s)",
        ),
        (
            {"ids": ["\u3000"], "assignees": {"add": [], "remove": []}},
            "ids.0: No empty strings allowed",
        ),
        (
            {"ids": None, "assignees": "u"},
            "assignees: Expected object, received string, ids: Expected array, received null",
        ),
    ],
    ids=["empty-body", "no-assignees", "no-remove", "several", "ideographic-space", "wrong-types"],
)
def test_schema_refusals_in_zods_words(client, space, body, message) -> None:
    """Kibana's zod schema (SetAlertAssigneesBody: `assignees` first, then `ids`) refuses these
    before the route runs, in zod's words and its field order."""
    assert post_assignees(client, space, body, 400) == platform_400(f"[request body]: {message}")


# --- updating assignees --------------------------------------------------------------------------


def test_add_new_assignees_to_single_alert(client, space, alert_ids) -> None:
    """assignments.ts "should add new assignees to single alert"."""
    post_assignees(client, space, set_alert_assignees(["user-1"], [], alert_ids[:1]))
    assert assignees_by_id(client, space, alert_ids[:1]) == {alert_ids[0]: ["user-1"]}
    others = assignees_by_id(client, space, alert_ids[1:])
    assert others == each(alert_ids[1:], [])


def test_add_new_assignees_to_multiple_alerts(client, space, alert_ids) -> None:
    """assignments.ts "should add new assignees to multiple alerts"."""
    answer = post_assignees(client, space, set_alert_assignees(["user-2", "user-3"], [], alert_ids))
    assert (answer["total"], answer["updated"], answer["noops"]) == (10, 10, 0)
    expected = each(alert_ids, ["user-2", "user-3"])
    assert assignees_by_id(client, space, alert_ids) == expected


@pytest.mark.parametrize("count", [1, 10], ids=["single-alert", "multiple-alerts"])
def test_update_assignees(client, space, alert_ids, count) -> None:
    """assignments.ts "should update assignees for single alert" and "... for multiple alerts"."""
    ids = alert_ids[:count]
    post_assignees(client, space, set_alert_assignees(["user-1", "user-2"], [], ids))
    post_assignees(client, space, set_alert_assignees(["user-3"], ["user-2"], ids))
    assert assignees_by_id(client, space, ids) == each(ids, ["user-1", "user-3"])


def test_add_assignee_once_even_if_passed_multiple_times(client, space, alert_ids) -> None:
    """assignments.ts "should add assignee once to the alert even if same assignee was passed
    multiple times"."""
    body = set_alert_assignees(["user-1", "user-1", "user-1", "user-2"], [], alert_ids)
    post_assignees(client, space, body)
    assert assignees_by_id(client, space, alert_ids) == each(alert_ids, ["user-1", "user-2"])


def test_add_once_on_alerts_without_the_field(client, es, es_url, space) -> None:
    """Operation test "deduplicates and maps the assignees to add/remove" (`uniq` of both lists):
    an alert without the field gets each uid once, in first order."""
    alias = create_space(es_url, space)
    es.call("PUT", f"/{alias}/_doc/bare", {"kibana.alert.workflow_status": "open"}, refresh="true")
    body = set_alert_assignees(["new-user", "u2", "new-user"], ["old-user"], ["bare"])
    post_assignees(client, space, body)
    assert es.sources(alias)["bare"][FIELD] == ["new-user", "u2"]


def test_remove_assignee_once_even_if_passed_multiple_times(client, space, alert_ids) -> None:
    """assignments.ts "should remove assignee once to the alert even if same assignee was passed
    multiple times"."""
    post_assignees(client, space, set_alert_assignees(["user-1", "user-2"], [], alert_ids))
    post_assignees(client, space, set_alert_assignees([], ["user-2", "user-2"], alert_ids))
    assert assignees_by_id(client, space, alert_ids) == each(alert_ids, ["user-1"])


@pytest.mark.parametrize(
    ("add", "remove"),
    [([], []), (["user-2"], []), ([], ["user-3"])],
    ids=["both-empty", "already-assigned", "not-assigned"],
)
def test_assignees_unchanged(client, space, alert_ids, add, remove) -> None:
    """assignments.ts "should not update assignees if both `add` and `remove` are empty", "should
    not update assignees when adding user which is assigned to alert" and "should not update
    assignees when removing user which is not assigned to alert": the values stay as they were
    (Kibana still writes each matched alert: `updated` counts them all, `noops` is 0)."""
    post_assignees(client, space, set_alert_assignees(["user-1", "user-2"], [], alert_ids))
    answer = post_assignees(client, space, set_alert_assignees(add, remove, alert_ids))
    assert (answer["updated"], answer["noops"]) == (10, 0)
    assert assignees_by_id(client, space, alert_ids) == each(alert_ids, ["user-1", "user-2"])


def test_unknown_alert_id_is_200_with_nothing_matched(client, space) -> None:
    """Route test "returns 200 when adding/removing empty arrays of assignees" (`alert-id` names
    no alert): the raw `_update_by_query` answer of a selection that matched nothing."""
    body = set_alert_assignees(["assignee-id-1"], ["assignee-id-2"], ["alert-id"])
    answer = post_assignees(client, space, body)
    assert (answer["total"], answer["updated"], answer["failures"]) == (0, 0, [])


def test_only_the_given_ids_are_written(client, space, alert_ids, es) -> None:
    """Operation test "queries by the provided IDs" and "returns the updateByQuery response"."""
    before = es.sources(alerts_alias(space))
    answer = post_assignees(client, space, set_alert_assignees(["u"], [], alert_ids[3:5]))
    assert (answer["total"], answer["updated"], answer["deleted"]) == (2, 2, 0)
    after = es.sources(alerts_alias(space))
    assert {i for i in after if after[i] != before[i]} == set(alert_ids[3:5])


def test_elasticsearch_failure_is_the_siem_shape(client, es, space, alert_ids) -> None:
    """Route test "returns 500 if asCurrentUser throws error" and operation test "rejects when
    updateByQuery throws": `{message, status_code}` with Elasticsearch's status (a write block
    makes the update fail on the real node; Kibana's mock threw a plain Error, hence its 500)."""
    alias = alerts_alias(space)
    es.call("PUT", f"/{alias}/_settings", {"index.blocks.write": True})
    try:
        response = client.post(
            f"/s/{space}{ASSIGNEES}", json=set_alert_assignees(["u"], [], alert_ids)
        )
    finally:
        es.call("PUT", f"/{alias}/_settings", {"index.blocks.write": None})
    body = response.json()
    assert set(body) == {"message", "status_code"}
    assert body["status_code"] == response.status_code >= 400
    assert "cluster_block_exception" in str(body["message"])
    assert_kibana_response("SetAlertAssignees", 500, body)


# --- authorization -------------------------------------------------------------------------------


def test_viewer_may_not_assign(make_client, make_key, space, alert_ids, es) -> None:
    """assignments_ess.ts "should not allow viewer user to assign alerts" (Kibana's `reader`):
    403 in Kibana's platform shape, nothing written."""
    before = es.sources(alerts_alias(space))
    viewer = make_client(authorization=make_key("viewer", (space,)))
    refused = viewer.post(
        f"/s/{space}{ASSIGNEES}", json=set_alert_assignees(["user-1"], [], alert_ids)
    )
    assert refused.status_code == 403
    assert_kibana_response("SetAlertAssignees", 403, refused.json())
    assert es.sources(alerts_alias(space)) == before


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analysts_and_admins_may_assign(make_client, make_key, space, alert_ids, role) -> None:
    """assignments_serverless.ts "should allow `ROLES.t1_analyst` (... soc_manager) to assign
    alerts": every role that may change alerts may assign."""
    caller = make_client(authorization=make_key(role, (space,)))
    answer = post_assignees(caller, space, set_alert_assignees(["user-1"], [], alert_ids))
    assert answer["updated"] == 10
