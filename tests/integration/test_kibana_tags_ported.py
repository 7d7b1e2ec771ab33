"""Kibana's own tests of `POST /api/detection_engine/signals/tags`, ported to the real node.

Each test names the Kibana test it ports (elastic/kibana):
- API integration: x-pack/test/security_solution_api_integration/test_suites/detections_response/
  detection_engine/alerts/basic_license_essentials_tier/set_alert_tags.ts ("set_alert_tags.ts");
- route unit tests: x-pack/solutions/security/plugins/security_solution/server/lib/detection_engine/
  routes/signals/set_alert_tags_route.test.ts ("route test");
- routes/common/operations/update_alerts_tags.test.ts ("operation test") and
  routes/common/validators/validate_alert_arrays.test.ts ("validator test").

Kibana's alerts come from a rule run on auditbeat data; here they are seeded (the same
`kibana.alert.workflow_tags: []` a new alert has). Every answer is checked against Kibana's
OpenAPI schema of the route (tests/kibana_openapi/). Not ported: the route test's "workflow
trigger emission" (Kibana's workflow event bus, which does not exist here) and the operation
test's "updates on multiple indices pattern" (the attack discovery index, which does not exist
here). docs/dialects.md lists the differences.
"""

from __future__ import annotations

from typing import Any

import pytest

from alertstatus.api.zod import NO_EMPTY_STRINGS
from alertstatus.engine.indices import alerts_alias
from tests.conftest import create_space
from tests.integration.keyword_edits import (
    each,
    platform_400,
    post_edit,
    values_by_id,
)
from tests.integration.kibana_schemas import assert_kibana_response, is_valid_kibana_request

TAGS = "/api/detection_engine/signals/tags"
FIELD = "kibana.alert.workflow_tags"


def set_alert_tags(add: list[str], remove: list[str], ids: list[str]) -> dict[str, Any]:
    """The body Kibana's test helper `setAlertTags` builds."""
    return {"tags": {"tags_to_add": add, "tags_to_remove": remove}, "ids": ids}


def post_tags(client, space: str, body: Any, status: int = 200) -> Any:
    return post_edit(client, space, TAGS, "SetAlertTags", body, status)


def tags_by_id(client, space: str, ids: list[str]) -> dict[str, Any]:
    return values_by_id(client, space, FIELD, ids)


@pytest.fixture
def alert_ids(seed, space) -> list[str]:
    return sorted(seed(space, 10))


# --- validation checks ---------------------------------------------------------------------------


def test_no_alert_ids_is_refused_by_the_schema(client, space) -> None:
    """set_alert_tags.ts "should give errors when no alert ids are provided"; route test "returns
    400 if no alert ids are provided"; validator test "returns an error when no ids are provided".

    The schema (`AlertIds`: at least one) refuses it before the route runs, so the route's own
    `No alert ids were provided` (which older releases answered, and older copies of this test
    expected) cannot be reached any more (docs/dialects.md).
    """
    body = set_alert_tags([], [], [])
    assert not is_valid_kibana_request("SetAlertTagsBody", body)
    answer = post_tags(client, space, body, 400)
    assert answer == platform_400("[request body]: ids: Array must contain at least 1 element(s)")


def test_duplicate_tags_in_add_and_remove(client, space) -> None:
    """set_alert_tags.ts "should give errors when duplicate tags exist in both tags_to_add and
    tags_to_remove"; validator test "returns an error when a tag is both added and removed"."""
    answer = post_tags(client, space, set_alert_tags(["test-1"], ["test-1"], ["123"]), 400)
    assert answer == {
        "message": [
            'Duplicate tags ["test-1"] were found in the tags_to_add and tags_to_remove parameters.'
        ],
        "status_code": 400,
    }
    with pytest.raises(AssertionError):  # the route's body (keyword_edits.post_edit)
        assert_kibana_response("SetAlertTags", 400, answer)


def test_duplicate_tags_route_test(client, space, alert_ids, es) -> None:
    """Route test "returns 400 if duplicate tags are in both the add and remove arrays": the
    message lists the values as `JSON.stringify` does, and nothing is written."""
    before = es.sources(alerts_alias(space))
    body = set_alert_tags(["tag-1", "tag-2", "tag-1"], ["tag-1"], alert_ids)
    answer = post_tags(client, space, body, 400)
    assert answer == {
        "message": [
            'Duplicate tags ["tag-1","tag-1"] were found in the tags_to_add and tags_to_remove '
            "parameters."
        ],
        "status_code": 400,
    }
    assert es.sources(alerts_alias(space)) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "ids: Required, tags: Required"),
        ({"ids": ["a"]}, "tags: Required"),
        ({"ids": ["a"], "tags": {}}, "tags.tags_to_add: Required, tags.tags_to_remove: Required"),
        (
            {"ids": ["a"], "tags": {"tags_to_add": []}},
            "tags.tags_to_remove: Required",
        ),
        (
            set_alert_tags([], [], ["123", ""]),
            "ids.1: String must contain at least 1 character(s), ids.1: No empty strings allowed",
        ),
        (set_alert_tags([], [], [" \t"]), "ids.0: No empty strings allowed"),
        (set_alert_tags(["  "], [], ["a"]), "tags.tags_to_add.0: No empty strings allowed"),
        (
            set_alert_tags([], [""], ["a"]),
            "tags.tags_to_remove.0: String must contain at least 1 character(s), "
            "tags.tags_to_remove.0: No empty strings allowed",
        ),
        (
            {"ids": "a", "tags": []},
            "ids: Expected array, received string, tags: Expected object, received array",
        ),
        (
            set_alert_tags([1], [], [None]),
            "ids.0: Expected string, received null, "
            "tags.tags_to_add.0: Expected string, received number",
        ),
        (
            set_alert_tags([], [], ["", "", "", ""]),
            "ids.0: String must contain at least 1 character(s), ids.0: No empty strings allowed, "
            "ids.1: String must contain at least 1 character(s), ids.1: No empty strings allowed, "
            "ids.2: String must contain at least 1 character(s), and 3 more",
        ),
        ([], "Expected object, received array"),
    ],
    ids=[
        "empty-body",
        "no-tags",
        "empty-tags",
        "no-tags-to-remove",
        "empty-id",
        "blank-id",
        "blank-tag",
        "empty-tag",
        "wrong-types",
        "wrong-item-types",
        "at-most-five",
        "not-an-object",
    ],
)
def test_schema_refusals_in_zods_words(client, space, body, message) -> None:
    """Kibana's zod schema (SetAlertTagsBody: AlertIds, AlertTags of NonEmptyString) refuses these
    before the route runs; the texts are zod's, joined by `stringifyZodError` (at most five)."""
    if not message.endswith(NO_EMPTY_STRINGS):  # the one check JSON Schema cannot express
        assert not is_valid_kibana_request("SetAlertTagsBody", body)
    assert post_tags(client, space, body, 400) == platform_400(f"[request body]: {message}")


def test_no_body_is_a_null_body(client, space) -> None:
    """Kibana's HTTP server reads an absent payload as `null`, which the zod object refuses."""
    response = client.post(f"/s/{space}{TAGS}")
    assert response.status_code == 400
    assert response.json() == platform_400("[request body]: Expected object, received null")


def test_malformed_json_is_hapis_400(client, space) -> None:
    """Malformed JSON never reaches the schema (Kibana's HTTP server answers it)."""
    response = client.post(
        f"/s/{space}{TAGS}", content=b'{"ids": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == platform_400("Invalid request payload JSON format")
    assert_kibana_response("SetAlertTags", 400, response.json())


# --- tests with alerts ---------------------------------------------------------------------------


def test_add_tags_to_multiple_alerts(client, space, alert_ids) -> None:
    """set_alert_tags.ts "should be able to add tags to multiple alerts"."""
    answer = post_tags(client, space, set_alert_tags(["tag-1"], [], alert_ids))
    assert (answer["total"], answer["updated"], answer["noops"]) == (10, 10, 0)
    assert tags_by_id(client, space, alert_ids) == each(alert_ids, ["tag-1"])


def test_add_tags_that_alerts_already_have_without_duplicating_them(
    client, space, alert_ids
) -> None:
    """set_alert_tags.ts "should be able to add tags to alerts that have tags already and not
    duplicate them"."""
    post_tags(client, space, set_alert_tags(["tag-1"], [], alert_ids[:4]))
    post_tags(client, space, set_alert_tags(["tag-1"], [], alert_ids))
    assert tags_by_id(client, space, alert_ids) == each(alert_ids, ["tag-1"])


def test_remove_tags(client, space, alert_ids) -> None:
    """set_alert_tags.ts "should be able to remove tags"."""
    post_tags(client, space, set_alert_tags(["tag-1", "tag-2"], [], alert_ids))
    post_tags(client, space, set_alert_tags([], ["tag-2"], alert_ids))
    assert tags_by_id(client, space, alert_ids) == each(alert_ids, ["tag-1"])


def test_remove_tags_that_do_not_exist_without_breaking(client, space, alert_ids) -> None:
    """set_alert_tags.ts "should be able to remove tags that do not exist without breaking"."""
    post_tags(client, space, set_alert_tags([], ["tag-1"], alert_ids))
    assert tags_by_id(client, space, alert_ids) == each(alert_ids, [])


def test_unknown_alert_id_is_200_with_nothing_matched(client, space) -> None:
    """Route test "returns 200 when adding/removing empty arrays of tags" (`test-id` names no
    alert): the raw `_update_by_query` answer of a selection that matched nothing."""
    answer = post_tags(client, space, set_alert_tags(["tag-1"], ["tag-2"], ["test-id"]))
    assert (answer["total"], answer["updated"], answer["failures"]) == (0, 0, [])


def test_only_the_given_ids_are_written(client, space, alert_ids, es) -> None:
    """Operation test "queries by the provided IDs" (`terms _id` in `bool.filter`): the other
    alerts are untouched, and an id that names no alert changes nothing."""
    before = es.sources(alerts_alias(space))
    answer = post_tags(client, space, set_alert_tags(["tag-1"], [], [*alert_ids[:2], "nope"]))
    assert (answer["total"], answer["updated"]) == (2, 2)
    after = es.sources(alerts_alias(space))
    assert {i for i in after if after[i] != before[i]} == set(alert_ids[:2])


def test_adds_are_deduplicated_on_alerts_without_the_field(client, es, es_url, space) -> None:
    """Operation test "deduplicates and maps the tags to add/remove" (`uniq` of both lists): an
    alert without the field gets the adds once each, in their first order."""
    alias = create_space(es_url, space)
    es.call("PUT", f"/{alias}/_doc/bare", {"kibana.alert.workflow_status": "open"}, refresh="true")
    body = set_alert_tags(["new-tag", "b", "new-tag", "b"], ["old-tag", "old-tag"], ["bare"])
    post_tags(client, space, body)
    assert es.sources(alias)["bare"][FIELD] == ["new-tag", "b"]
    post_tags(client, space, set_alert_tags(["new-tag", "c", "c"], [], ["bare"]))
    assert es.sources(alias)["bare"][FIELD] == ["new-tag", "b", "c"]


def test_every_matched_alert_is_written(client, space, alert_ids) -> None:
    """Kibana's script never answers noop: adding a tag an alert already has still writes it and
    counts it as `updated` (the raw `_update_by_query` counts)."""
    post_tags(client, space, set_alert_tags(["tag-1"], [], alert_ids))
    again = post_tags(client, space, set_alert_tags(["tag-1"], [], alert_ids))
    assert (again["total"], again["updated"], again["noops"]) == (10, 10, 0)


def test_elasticsearch_failure_is_the_siem_shape(client, es, space, alert_ids) -> None:
    """Route test "returns 500 if asCurrentUser throws error" and operation test "rejects when
    updateByQuery throws": Elasticsearch's failure is answered as `{message, status_code}`
    (Kibana's `transformError`), with Elasticsearch's status. A write block makes the update
    fail on the real node."""
    alias = alerts_alias(space)
    es.call("PUT", f"/{alias}/_settings", {"index.blocks.write": True})
    try:
        response = client.post(f"/s/{space}{TAGS}", json=set_alert_tags(["t"], [], alert_ids))
    finally:
        es.call("PUT", f"/{alias}/_settings", {"index.blocks.write": None})
    assert response.status_code >= 400, response.text
    body = response.json()
    assert set(body) == {"message", "status_code"}
    assert body["status_code"] == response.status_code
    assert "cluster_block_exception" in str(body["message"])
    assert_kibana_response("SetAlertTags", 500, body)


def test_valid_request_answers_200(client, space, alert_ids) -> None:
    """Validator test "returns no errors for a valid request"."""
    answer = post_tags(client, space, set_alert_tags(["tag1"], ["tag2"], alert_ids[:1]))
    assert answer["updated"] == 1


def test_viewer_may_not_tag_analyst_may(make_client, make_key, space, alert_ids) -> None:
    """Tags write alerts: a viewer key is refused with Kibana's platform 403, an analyst's is
    served. (Kibana gates this route by its own feature privileges; docs/dialects.md.)"""
    viewer = make_client(authorization=make_key("viewer", (space,)))
    refused = viewer.post(f"/s/{space}{TAGS}", json=set_alert_tags(["t"], [], alert_ids))
    assert refused.status_code == 403
    assert set(refused.json()) == {"statusCode", "error", "message"}
    assert refused.json()["statusCode"] == 403
    analyst = make_client(authorization=make_key("analyst", (space,)))
    post_tags(analyst, space, set_alert_tags(["t"], [], alert_ids))
