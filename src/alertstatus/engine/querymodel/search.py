"""The body of a caller's `_search` (Kibana's signals/search), every member typed.

The query, aggregations and sort pass their models (queries.py, aggregations.py, sorting.py);
runtime fields are typed too, and carry a script only where the policy allows scripts. An empty
`runtime_mappings` is dropped: it means nothing, and Elasticsearch 7.10 refuses the member.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    model_serializer,
)

from alertstatus.engine.querymodel.aggregations import Aggregations, SourceFilter
from alertstatus.engine.querymodel.base import (
    FieldName,
    NonNegative,
    Script,
    Strict,
    short_or_object,
)
from alertstatus.engine.querymodel.queries import Query
from alertstatus.engine.querymodel.sorting import Sort

# Runtime field types that compute from the document itself (no `lookup` into other indices,
# no `composite`).
RuntimeFieldType = Literal["boolean", "date", "double", "geo_point", "ip", "keyword", "long"]


class RuntimeField(Strict):
    type: RuntimeFieldType
    format: str | None = None
    script: Script | None = None


class FieldAndFormat(Strict):
    field: FieldName
    format: str | None = None
    include_unmapped: bool | None = None


def _hits_tracking(value: Any) -> str:
    return "<flag>" if isinstance(value, bool) else "<count>"


TrackTotalHits = Annotated[
    Annotated[bool, Tag("<flag>")] | Annotated[NonNegative, Tag("<count>")],
    Discriminator(_hits_tracking),
]


class SearchBody(Strict):
    query: Query | None = None
    aggs: Aggregations | None = None
    size: NonNegative | None = None
    track_total_hits: TrackTotalHits | None = None
    source: SourceFilter | None = Field(default=None, alias="_source")
    fields: list[short_or_object(FieldName, FieldAndFormat)] | None = None
    runtime_mappings: dict[FieldName, RuntimeField] | None = None
    sort: Sort | None = None

    @model_serializer(mode="wrap")
    def _without_empty_mappings(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        if body.get("runtime_mappings") == {}:
            del body["runtime_mappings"]
        return body
