"""Pydantic's validation errors in zod's words (api/zod.py), without a node: the parts the
integration tests of the Kibana routes do not reach."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alertstatus.api.zod import NO_EMPTY_STRINGS, NonEmptyString, received, zod_message


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NonEmptyString
    size: Annotated[int, Field(ge=1, le=10)] = 1
    flag: bool = False
    mode: Literal["abort", "proceed"] = "abort"
    labels: Annotated[list[str], Field(max_length=2)] = []


def message(data: object, where: str = "body") -> str:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(data)
    return zod_message(
        [{**error, "loc": (where, *error["loc"])} for error in caught.value.errors()]
    )


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"name": "a", "size": 0}, "size: Number must be greater than or equal to 1"),
        ({"name": "a", "size": 11}, "size: Number must be less than or equal to 10"),
        ({"name": "a", "size": 1.5}, "size: Expected integer, received float"),
        ({"name": "a", "flag": [1]}, "flag: Expected boolean, received array"),
        ({"name": "a", "mode": 3}, "mode: Expected 'abort' | 'proceed', received number"),
        ({"name": "a", "labels": ["x"] * 3}, "labels: Array must contain at most 2 element(s)"),
        ({"name": "a", "extra": 1}, "Unrecognized key(s) in object: 'extra'"),
        ({"name": {}}, "name: Expected string, received object"),
    ],
)
def test_zod_texts(data, text) -> None:
    assert message(data) == f"[request body]: {text}"


@pytest.mark.parametrize(
    ("value", "blank"),
    [("\ufeff", True), ("\u3000\u2028", True), ("\u0085", False), ("\x1c", False), ("a ", False)],
    ids=["bom", "ideographic-space", "next-line", "file-separator", "text"],
)
def test_blank_is_what_javascripts_trim_removes(value, blank) -> None:
    """isNonEmptyString trims with JavaScript's `trim`, which keeps U+0085 and U+001C (Python's
    `str.strip` would remove them) and removes U+FEFF (which Python's keeps)."""
    if blank:
        assert message({"name": value}) == f"[request body]: name: {NO_EMPTY_STRINGS}"
    else:
        assert Body.model_validate({"name": value}).name == value


def test_query_errors_come_before_body_errors() -> None:
    """Kibana validates params, then query, then body, and answers the first that fails."""
    errors = [
        {"type": "missing", "loc": ("body", "name"), "msg": "Field required", "input": {}},
        {"type": "bool_parsing", "loc": ("query", "flag"), "msg": "no", "input": "maybe"},
    ]
    assert zod_message(errors) == "[request query]: flag: Expected boolean, received string"


def test_a_custom_error_keeps_its_own_words() -> None:
    errors = [{"type": "ids_or_query", "loc": ("body",), "msg": "exactly one of a or b"}]
    assert zod_message(errors) == "[request body]: exactly one of a or b"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        ("s", "string"),
        (b"s=1", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_received_type_names(value, name) -> None:
    assert received(value) == name
