"""Zod's validation texts, for the Kibana routes that Kibana validates with zod.

Kibana (8.12 and later) validates the detection engine's alert routes with zod schemas through
`buildRouteValidationWithZod` (`@kbn/zod-helpers`): a failing body answers
`{"statusCode": 400, "error": "Bad Request", "message": "[request body]: <issues>"}`, where
`stringifyZodError` writes each issue as `<path>: <message>` (the path joined with dots, array
indices as numbers; the message alone when the path is empty), joins them with `", "` and keeps
the first five (`and N more`). The messages are zod 3's default error map. Here pydantic's errors
become those texts; docs/dialects.md ("Validation messages") lists them and what still differs.

Kibana's platform routes (alerting rules) use `@kbn/config-schema`, whose texts differ; they keep
their own formatter in api/errors.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_ISSUES = 5  # stringifyZodError's MAX_ERRORS
REQUIRED = "Required"
NO_EMPTY_STRINGS = "No empty strings allowed"  # @kbn/zod-helpers isNonEmptyString

# Kibana validates params, query and body in this order and stops at the first that fails.
NAMESPACES = {"path": "request params", "query": "request query", "body": "request body"}

# A custom pydantic error that carries zod's own texts: several checks of one value can fail
# together in zod (`z.string().min(1).superRefine(...)` on "" reports both).
ZOD_ISSUES = "zod_issues"


def zod_issues(*messages: str) -> PydanticCustomError:
    """An error whose zod texts are given, all at the failing value's path."""
    return PydanticCustomError(ZOD_ISSUES, "; ".join(messages), {"issues": list(messages)})


# What JavaScript's `String.prototype.trim` removes (isNonEmptyString trims with it): Unicode
# space separators, the ASCII controls tab to carriage return, U+FEFF and the line separators.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def _non_empty(value: str) -> str:
    if value.strip(JS_WHITESPACE):
        return value
    if not value:
        raise zod_issues("String must contain at least 1 character(s)", NO_EMPTY_STRINGS)
    raise zod_issues(NO_EMPTY_STRINGS)


# Kibana's NonEmptyString: `z.string().min(1).superRefine(isNonEmptyString)`.
NonEmptyString = Annotated[
    str, AfterValidator(_non_empty), Field(json_schema_extra={"minLength": 1, "pattern": r"\S"})
]


def received(value: object) -> str:
    """zod's name for the type of a JSON value (`getParsedType`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | bytes):  # bytes: a body that is not JSON (a form, say)
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "unknown"


def _expected_values(expected: str) -> str:
    """Pydantic's `'a', 'b' or 'c'` as zod's `'a' | 'b' | 'c'` (the declared order)."""
    return " | ".join(f"'{value}'" for value in re.findall(r"'([^']*)'", expected))


def _choice(error: Mapping[str, Any]) -> str:
    options = _expected_values((error.get("ctx") or {}).get("expected", ""))
    value = error.get("input")
    if isinstance(value, str):
        return f"Invalid enum value. Expected {options}, received '{value}'"
    return f"Expected {options}, received {received(value)}"


Text = Callable[[Mapping[str, Any]], str]


def _expected(kind: str) -> Text:
    return lambda error: f"Expected {kind}, received {received(error.get('input'))}"


def _bound(template: str, key: str) -> Text:
    return lambda error: template.format((error.get("ctx") or {}).get(key))


def _too_short(error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if "min_length" not in ctx:  # a custom error that reuses pydantic's type name
        return _custom(error)
    return f"Array must contain at least {ctx['min_length']} element(s)"


def _too_long(error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if "max_length" not in ctx:
        return _custom(error)
    return f"Array must contain at most {ctx['max_length']} element(s)"


def _custom(error: Mapping[str, Any]) -> str:
    return str(error.get("msg", "Invalid input")).removeprefix("Value error, ")


TEXTS: dict[str, Text] = {
    "missing": lambda _: REQUIRED,
    "string_type": _expected("string"),
    "list_type": _expected("array"),
    "tuple_type": _expected("array"),
    "set_type": _expected("array"),
    "dict_type": _expected("object"),
    "model_type": _expected("object"),
    "model_attributes_type": _expected("object"),
    "int_type": _expected("number"),
    "int_parsing": _expected("number"),
    "float_type": _expected("number"),
    "float_parsing": _expected("number"),
    "int_from_float": lambda _: "Expected integer, received float",
    "bool_type": _expected("boolean"),
    "bool_parsing": _expected("boolean"),
    "enum": _choice,
    "literal_error": _choice,
    "too_short": _too_short,
    "too_long": _too_long,
    "string_too_short": _bound("String must contain at least {} character(s)", "min_length"),
    "string_too_long": _bound("String must contain at most {} character(s)", "max_length"),
    "greater_than_equal": _bound("Number must be greater than or equal to {}", "ge"),
    "greater_than": _bound("Number must be greater than {}", "gt"),
    "less_than_equal": _bound("Number must be less than or equal to {}", "le"),
    "less_than": _bound("Number must be less than {}", "lt"),
}


def _issues(error: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(path, message) pairs of one pydantic error, the namespace left out."""
    kind = error.get("type", "")
    path = tuple((error.get("loc") or ("body",))[1:])
    if kind == ZOD_ISSUES:
        return [(path, str(message)) for message in (error.get("ctx") or {}).get("issues", ())]
    if kind == "missing" and not path:
        # hapi reads an absent payload as null, which a zod object refuses
        return [(path, "Expected object, received null")]
    if kind == "extra_forbidden":  # zod's strict objects name the key at the object's path
        return [(path[:-1], f"Unrecognized key(s) in object: '{path[-1]}'")]
    return [(path, TEXTS.get(kind, _custom)(error))]


def zod_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """The `message` Kibana answers for these validation errors: `[request body]: <issues>`.

    Malformed JSON never reaches a schema (hapi answers it); api/errors.py handles it first.
    """
    by_namespace: dict[str, list[Mapping[str, Any]]] = {}
    for error in errors:
        where = str((error.get("loc") or ("body",))[0])
        by_namespace.setdefault(where, []).append(error)
    where = next((name for name in NAMESPACES if name in by_namespace), None)
    if where is None:
        where = next(iter(by_namespace), "body")
    parts = [
        f"{'.'.join(str(part) for part in path)}: {text}" if path else text
        for error in by_namespace.get(where, [])
        for path, text in _issues(error)
    ]
    if len(parts) > MAX_ISSUES:
        parts = [*parts[:MAX_ISSUES], f"and {len(parts) - MAX_ISSUES} more"]
    namespace = NAMESPACES.get(where, f"request {where}")
    return f"[{namespace}]: {', '.join(parts) or 'Invalid input'}"
