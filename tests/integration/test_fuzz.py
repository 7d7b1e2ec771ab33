"""Fuzz every operation of the OpenAPI document with schemathesis: no answer may be a 5xx.

Bounded (a fixed number of derandomized examples per operation) so it stays quick and repeatable.
Generated space ids that are valid are pointed at one seeded space (those of the Spaces API too),
so the fuzz never fills the node with indices; invalid ones are kept, to fuzz the space id check.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from alertstatus.engine.model import validate_space_id
from alertstatus.errors import InvalidSpaceId

EXAMPLES_PER_OPERATION = 15
FUZZ_SPACE = "fuzz"


def is_valid_space_id(value: str) -> bool:
    try:
        validate_space_id(value)
    except InvalidSpaceId:
        return False
    return True


def point_valid_spaces_at_the_fuzz_space(case) -> None:
    """The URL's space, and the space a spaces route creates, changes or deletes (`{id}`, the
    body's `id`): valid ids all name the fuzz space, so no operation creates another index."""
    parameters = case.path_parameters or {}
    spaces_route = "/api/spaces/space" in case.operation.path
    for name in ("space_id", "id") if spaces_route else ("space_id",):
        if isinstance(parameters.get(name), str) and is_valid_space_id(parameters[name]):
            parameters[name] = FUZZ_SPACE
    body = case.body if spaces_route and isinstance(case.body, dict) else {}
    if isinstance(body.get("id"), str) and is_valid_space_id(body["id"]):
        body["id"] = FUZZ_SPACE


def test_no_operation_answers_5xx(make_client, seed, admin_authorization) -> None:
    seed(FUZZ_SPACE, 5)
    client = make_client()
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    answered: dict[int, int] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            point_valid_spaces_at_the_fuzz_space(case)
            kwargs = case.as_transport_kwargs(
                base_url="http://testserver", headers={"authorization": admin_authorization}
            )
            if not kwargs.get("cookies"):
                kwargs.pop("cookies", None)
            response = client.request(**kwargs)
            answered[response.status_code] = answered.get(response.status_code, 0) + 1
            assert response.status_code < 500, (kwargs.get("json"), response.text[:300])

        call()

    assert sum(answered.values()) >= len(operations) * 5
    print("fuzz answers by status:", dict(sorted(answered.items())))
    assert any(400 <= status < 500 for status in answered)  # the fuzz did reach the checks
