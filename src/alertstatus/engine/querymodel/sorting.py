"""Sorts a caller may ask for: by field only.

`"field"`, `{"field": "asc"}` or `{"field": {"order": ..., "missing": ..., ...}}`, one or a list.
No `_script` or `_geo_distance` sort, and no `nested` sort options (they carry a filter query of
their own); the same shapes sort `top_hits` and `bucket_sort` (docs/security.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from alertstatus.engine.querymodel.base import (
    FieldName,
    Scalar,
    Strict,
    invalid,
    one_or_many,
    short_or_object,
)

NOT_FIELDS = frozenset({"_script", "_geo_distance"})


def _by_field(name: str) -> str:
    if name in NOT_FIELDS:
        raise invalid("sorts are by field only")
    return name


SortField = Annotated[FieldName, AfterValidator(_by_field)]
SortOrder = Literal["asc", "desc"]


class FieldSort(Strict):
    order: SortOrder | None = None
    missing: Scalar | None = None  # "_last", "_first" or a value
    unmapped_type: str | None = None
    mode: Literal["min", "max", "sum", "avg", "median"] | None = None
    numeric_type: Literal["double", "long", "date", "date_nanos"] | None = None
    format: str | None = None


def _fields(sorts: dict[str, object]) -> dict[str, object]:
    if not sorts:
        raise invalid("must name a field")
    return sorts


SortEntry = short_or_object(
    SortField,
    Annotated[dict[SortField, short_or_object(SortOrder, FieldSort)], AfterValidator(_fields)],
)
Sort = one_or_many(SortEntry)
