"""Validation failures in the words of Kibana's `@kbn/config-schema`, for the Spaces API.

Kibana's platform routes validate with config-schema and answer the first failure as
`{"statusCode": 400, "error": "Bad Request", "message": "[request body.<key>]: <text>"}`
(`request query`, `request params` for the other parts). The texts here are config-schema's:
`expected value of type [string] but got [number]`, `definition for this key is missing`,
`types that failed validation:` with one line per alternative. Checks of the body's own
(api/schemas/spaces.py) raise their Kibana text directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError

from alertstatus.api.errors import INVALID_JSON, KIBANA_PLATFORM, ErrorDialect, platform_error
from alertstatus.api.schemas.spaces import KIBANA_ERROR
from alertstatus.api.zod import received

# pydantic's error type → the type config-schema names in "expected value of type [...]"
EXPECTED_TYPES = {
    "string_type": "string",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "array",
    "int_type": "number",
    "int_parsing": "number",
}
REQUIRED_TYPES = {"id": "string", "name": "string"}  # the body's required keys


# config-schema (`type-detect`) capitalises what zod writes in lower case.
CONFIG_SCHEMA_TYPE_NAMES = {"array": "Array", "object": "Object", "unknown": "Object"}


def type_name(value: Any) -> str:
    """What config-schema (`type-detect`) calls a JSON value."""
    name = received(value)
    return CONFIG_SCHEMA_TYPE_NAMES.get(name, name)


def key_of(location: Sequence[Any]) -> str:
    """`request body.disabledFeatures.1` from pydantic's `("body", "disabledFeatures", 1)`."""
    where, *path = location or ("body",)
    return ".".join([f"request {where}", *(str(part) for part in path)])


def problem_text(problem: Mapping[str, Any], key: str) -> str:
    """config-schema's text for one pydantic problem."""
    kind = problem.get("type", "")
    value = problem.get("input")
    location = problem.get("loc") or ()
    if kind == KIBANA_ERROR:
        return str(problem.get("msg", ""))
    if kind == "missing":
        if len(location) <= 1:
            return "expected a plain object value, but found [null] instead."
        expected = REQUIRED_TYPES.get(str(location[-1]), "string")
        return f"expected value of type [{expected}] but got [undefined]"
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return f"expected a plain object value, but found [{type_name(value)}] instead."
    if kind == "extra_forbidden":
        return "definition for this key is missing"
    if kind == "list_type" and isinstance(value, str):
        return "could not parse array value from json input"
    if kind == "literal_error":
        return "types that failed validation:\n" + "\n".join(
            f"- [{key}.{index}]: expected value to equal [{choice}]"
            for index, choice in enumerate(literal_choices(problem))
        )
    expected = EXPECTED_TYPES.get(kind)
    if expected is not None:
        return f"expected value of type [{expected}] but got [{type_name(value)}]"
    return str(problem.get("msg", "Invalid input")).removeprefix("Value error, ")


def literal_choices(problem: Mapping[str, Any]) -> list[str]:
    """The allowed values of a literal, in declaration order (pydantic quotes them: 'a', 'b')."""
    expected = str((problem.get("ctx") or {}).get("expected", ""))
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(", ") if part]


def config_schema_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first failure, as config-schema reports it (it stops at the first)."""
    for problem in errors:
        if problem.get("type") == "json_invalid":
            return INVALID_JSON
    problem = errors[0] if errors else {}
    key = key_of(problem.get("loc") or ("body",))
    return f"[{key}]: {problem_text(problem, key)}"


def render_validation(_: Request, error: RequestValidationError) -> Response:
    return platform_error(400, config_schema_message(error.errors()))


# Kibana's platform routes validated by config-schema: everything else as KIBANA_PLATFORM answers.
KIBANA_CONFIG_SCHEMA = ErrorDialect(
    "kibana",
    {**KIBANA_PLATFORM.renderers, RequestValidationError: render_validation},
    documented=KIBANA_PLATFORM.documented,
)
