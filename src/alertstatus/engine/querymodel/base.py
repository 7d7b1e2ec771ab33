"""Building blocks of the typed query model: strict models, leaf values, the guard's state.

Every model refuses members it does not declare and coerces nothing (`strict`), so what is
re-serialised is exactly what was accepted, in the caller's own short or long forms. Leaf values
are checked by small functions rather than unions, and alternatives (`"v"` or `{"value": "v"}`,
one clause or a list) are tagged unions, so a refusal names one problem at one place.

Policy-dependent checks read the `GuardState` passed as validation context by engine/guard.py;
the model is never validated without it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alertstatus.engine.querymodel.policy import QueryPolicy

GUARD_CONTEXT = "guard"
# Error types: REFUSED messages stand alone (they say what and why); INVALID ones are shown
# after the path of the offending member (engine/querymodel/refusals.py).
REFUSED = "query_refused"
INVALID = "query_invalid"


@dataclass(slots=True)
class GuardState:
    """The policy and the running counts of one validation (clauses and aggregations)."""

    policy: QueryPolicy
    depth: int = 0
    clauses: int = 0
    aggregation_depth: int = 0
    aggregations: int = 0
    pattern_operators: int = 0


def guard_state(info: ValidationInfo) -> GuardState:
    context = info.context
    state = context.get(GUARD_CONTEXT) if isinstance(context, dict) else None
    if not isinstance(state, GuardState):
        raise RuntimeError("the query model is validated through engine/guard.py only")
    return state


def refused(message: str, **context: Any) -> PydanticCustomError:
    """An error whose message is the whole answer (`{name}` placeholders filled from context)."""
    return PydanticCustomError(REFUSED, message, context)


def invalid(message: str, **context: Any) -> PydanticCustomError:
    """An error shown after the path of the member it is about."""
    return PydanticCustomError(INVALID, message, context)


class Exact(BaseModel):
    """Exact JSON types; a member left out is not sent, and `null` is not a way to leave one out
    (Elasticsearch refuses most nulls), except where `nullable` says Elasticsearch takes it."""

    model_config = ConfigDict(strict=True, hide_input_in_errors=True, defer_build=True)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None and key not in cls.nullable:
                    raise invalid("[{member}] must not be null", member=str(key)[:100])
        return data


class Strict(Exact):
    """A member of the query language: declared parameters only."""

    model_config = ConfigDict(extra="forbid")


class FieldKeyed(Exact):
    """`{"<field>": <spec>}`: exactly one field, whose spec subclasses type via
    `__pydantic_extra__` (so the field name stays a key, and in error paths)."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _one_field(self) -> Self:
        if len(self.__pydantic_extra__ or {}) != 1:
            raise invalid("must name exactly one field")
        return self


# --- leaf values -------------------------------------------------------------------------------


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid("must be a number")
    return value


def _scalar(value: Any) -> str | int | float | bool:
    if not isinstance(value, str | int | float | bool):
        raise invalid("must be a string, a number or a boolean")
    return value


def _string_or_number(value: Any) -> str | int | float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid("must be a string or a number")
    return value


# Wildcard and repetition operators: what makes a pattern's automaton, and its cost, grow.
PATTERN_OPERATORS = frozenset("*+?{")


def _count_operators(text: str, info: ValidationInfo) -> None:
    state = guard_state(info)
    state.pattern_operators += sum(char in PATTERN_OPERATORS for char in text)
    limit = state.policy.max_pattern_operators
    if state.pattern_operators > limit:
        raise refused(
            "patterns of one request hold at most {limit} wildcard or repetition operators "
            "(*, +, ?, {)",
            limit=limit,
        )


def _bounded_pattern(value: str, info: ValidationInfo) -> str:
    limit = guard_state(info).policy.max_pattern_length
    if len(value) > limit:
        raise refused(
            "regexp, wildcard, prefix and fuzzy patterns are limited to {limit} characters",
            limit=limit,
        )
    _count_operators(value, info)
    return value


def _bounded_query_string(value: str, info: ValidationInfo) -> str:
    limit = guard_state(info).policy.max_query_string_length
    if len(value) > limit:
        raise refused("query_string queries are limited to {limit} characters", limit=limit)
    _count_operators(value, info)
    return value


def _ignoring_case(*choices: str) -> Callable[[str], str]:
    allowed = frozenset(choices)

    def check(value: str) -> str:
        if value.lower() not in allowed:
            raise invalid("must be one of {choices}", choices=", ".join(choices))
        return value

    return check


Number = Annotated[int | float, PlainValidator(_number)]
Scalar = Annotated[str | int | float | bool, PlainValidator(_scalar)]
StringOrNumber = Annotated[str | int | float, PlainValidator(_string_or_number)]
FieldName = Annotated[str, Field(min_length=1)]
Pattern = Annotated[str, AfterValidator(_bounded_pattern)]
QueryString = Annotated[str, AfterValidator(_bounded_query_string)]
NonNegative = Annotated[int, Field(ge=0)]
Operator = Annotated[str, AfterValidator(_ignoring_case("and", "or"))]
ZeroTermsQuery = Annotated[str, AfterValidator(_ignoring_case("none", "all"))]
MinimumShouldMatch = StringOrNumber
Fuzziness = StringOrNumber  # 0, 1, 2, "AUTO", "AUTO:3,6": Elasticsearch caps edits at 2


def _max_expansions(value: int, info: ValidationInfo) -> int:
    limit = guard_state(info).policy.max_expansions
    if not 1 <= value <= limit:
        raise invalid("must be between 1 and {limit} (Elasticsearch's default)", limit=limit)
    return value


def _max_determinized_states(value: int, info: ValidationInfo) -> int:
    limit = guard_state(info).policy.max_determinized_states
    if not 1 <= value <= limit:
        raise invalid("must be between 1 and {limit} (Elasticsearch's default)", limit=limit)
    return value


def _slop(value: int, info: ValidationInfo) -> int:
    limit = guard_state(info).policy.max_slop
    if not 0 <= value <= limit:
        raise invalid("must be between 0 and {limit}", limit=limit)
    return value


MaxExpansions = Annotated[int, AfterValidator(_max_expansions)]
MaxDeterminizedStates = Annotated[int, AfterValidator(_max_determinized_states)]
Slop = Annotated[int, AfterValidator(_slop)]


# --- alternatives as tagged unions (tags in angle brackets never show in error paths) ------------


def _short_or_object(value: Any) -> str:
    return "<object>" if isinstance(value, dict | BaseModel) else "<short>"


def _one_or_many(value: Any) -> str:
    return "<many>" if isinstance(value, list) else "<one>"


def short_or_object(short: Any, long: Any) -> Any:
    """`"v"` or `{"value": "v", ...}`: the caller's form is kept when re-serialised."""
    return Annotated[
        Annotated[short, Tag("<short>")] | Annotated[long, Tag("<object>")],
        Discriminator(_short_or_object),
    ]


def tagged_union(members: dict[str, Any]) -> Any:
    """The union of `members`, each under its tag (the discriminator of the caller names it)."""
    return reduce(operator.or_, (Annotated[model, Tag(tag)] for tag, model in members.items()))


def one_or_many(item: Any) -> Any:
    """One item or a list of them, as Elasticsearch accepts for `must`, `sort`, ..."""
    return Annotated[
        Annotated[item, Tag("<one>")] | Annotated[list[item], Tag("<many>")],
        Discriminator(_one_or_many),
    ]


# --- scripts: only where the policy allows them -------------------------------------------------


def _scripts_allowed(value: Any, info: ValidationInfo) -> Any:
    if not guard_state(info).policy.allow_scripts:
        raise invalid("scripts are not allowed")
    return value


class ScriptBody(Strict):
    """A Painless script: inline `source` or a stored script's `id`; values travel in `params`."""

    source: str | None = None
    id: str | None = None
    lang: str | None = None
    params: dict[str, Any] | None = None
    options: dict[str, str] | None = None


Script = Annotated[short_or_object(str, ScriptBody), BeforeValidator(_scripts_allowed)]
