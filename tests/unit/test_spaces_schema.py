"""The Spaces API body and its config-schema texts, ported from Kibana's `space_schema.test.ts`
(x-pack/platform/plugins/shared/spaces/server/lib/): the same inputs, the same messages, with
`[request body.<key>]` as Kibana's router prefixes them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from alertstatus.api.config_schema import config_schema_message
from alertstatus.api.schemas.spaces import SpaceBody

VALID = {"id": "foo", "name": "foo"}
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAAAXNSR0IArs4c6QAAAARnQU1B"
    "AACxjwv8YQUAAAAJcEhZcwAADsMAAA7DAcdvqGQAAAAZdEVYdFNvZnR3YXJlAHBhaW50Lm5ldCA0LjAuMTnU1rJkAAAB"
)
ID_RULE = "must be lower case, a-z, 0-9, '_', and '-' are allowed"
COLOR_RULE = "must be a 6 digit hex color, starting with a #"


def message_for(body: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        SpaceBody.model_validate(body)
    errors = [{**error, "loc": ("body", *error["loc"])} for error in raised.value.errors()]
    return config_schema_message(errors)


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "abcdefghijklmnopqrstuvwxyz0123456789_-"},
        {"disabledFeatures": ["foo", "bar"]},
        {"color": "#aabbcc"},
        {"color": "#AABBCC"},
        {"color": "#123456"},
        {"imageUrl": PNG},
        {"imageUrl": ""},
        {"solution": "es"},
        {"description": ""},
        {"_reserved": True},
    ],
)
def test_kibana_accepts(changes: dict[str, Any]) -> None:
    assert SpaceBody.model_validate({**VALID, **changes}).name == "foo"


def test_disabled_features_default_to_an_empty_list() -> None:
    assert SpaceBody.model_validate(VALID).disabledFeatures == []


def test_reserved_is_read_and_never_kept() -> None:
    body = SpaceBody.model_validate({**VALID, "_reserved": True})
    assert body.reserved is True
    assert body.to_space("foo").reserved is False
    assert body.to_space("default").reserved is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "[request body.id]: expected value of type [string] but got [null]"),
        ({"id": "Foo"}, f"[request body.id]: {ID_RULE}"),
        ({"id": ""}, f"[request body.id]: {ID_RULE}"),
        *[
            ({"id": f"foo-{character}"}, f"[request body.id]: {ID_RULE}")
            for character in "!@#$%^&*()+,./?"
        ],
        (
            {"disabledFeatures": "foo"},
            "[request body.disabledFeatures]: could not parse array value from json input",
        ),
        (
            {"disabledFeatures": ["foo", True]},
            "[request body.disabledFeatures.1]: expected value of type [string] but got [boolean]",
        ),
        ({"color": ""}, f"[request body.color]: {COLOR_RULE}"),
        ({"color": "123456"}, f"[request body.color]: {COLOR_RULE}"),
        ({"color": "1234567"}, f"[request body.color]: {COLOR_RULE}"),
        ({"color": "12345"}, f"[request body.color]: {COLOR_RULE}"),
        ({"imageUrl": "notValid"}, "[request body.imageUrl]: must start with 'data:image'"),
        (
            {"solution": "some_value"},
            "[request body.solution]: types that failed validation:\n"
            "- [request body.solution.0]: expected value to equal [security]\n"
            "- [request body.solution.1]: expected value to equal [oblt]\n"
            "- [request body.solution.2]: expected value to equal [es]\n"
            "- [request body.solution.3]: expected value to equal [classic]",
        ),
        (
            {"name": ""},
            "[request body.name]: value has length [0] but it must have a minimum length of [1].",
        ),
        (
            {"initials": "abc"},
            "[request body.initials]: value has length [3] but it must have a maximum length "
            "of [2].",
        ),
        (
            {"disabledFeatures": ["f"] * 101},
            "[request body.disabledFeatures]: array size is [101], but cannot be greater than "
            "[100]",
        ),
        ({"name": 7}, "[request body.name]: expected value of type [string] but got [number]"),
        (
            {"description": None},
            "[request body.description]: expected value of type [string] but got [null]",
        ),
        ({"unknown": 1}, "[request body.unknown]: definition for this key is missing"),
    ],
)
def test_kibana_refuses_with_its_text(changes: dict[str, Any], message: str) -> None:
    assert message_for({**VALID, **changes}) == message


def test_missing_keys_are_undefined() -> None:
    assert message_for({"name": "foo"}) == (
        "[request body.id]: expected value of type [string] but got [undefined]"
    )
    assert message_for({"id": "foo"}) == (
        "[request body.name]: expected value of type [string] but got [undefined]"
    )


def test_a_body_that_is_not_an_object() -> None:
    assert message_for(["foo"]) == (
        "[request body]: expected a plain object value, but found [Array] instead."
    )


@pytest.mark.parametrize("space_id", ["_foo", "-foo", "a" * 101])
def test_ours_index_names_need_a_letter_or_digit_first_and_100_at_most(space_id: str) -> None:
    """Kibana accepts these; the id becomes part of an index name here (docs/dialects.md)."""
    assert message_for({**VALID, "id": space_id}) == (
        "[request body.id]: must start with a letter or digit and have at most 100 characters"
    )
