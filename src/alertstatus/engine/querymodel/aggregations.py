"""The aggregations a caller may ask for: what Kibana's alerts pages use, typed.

Bucket aggregations by field (`terms`, `date_histogram`, `histogram`, `range`, `date_range`,
`missing`: Kibana's alert grouping counts alerts without the field), `filter`/`filters` whose
queries pass the same query model, metrics by field (`cardinality`, `min`, `max`, `avg`, `sum`,
`value_count`, `stats`), `top_hits` reduced to `size`, field `sort` and `_source` filtering, and
`bucket_sort` (Kibana's grouping pages). Sub-aggregations nest under `aggs`/`aggregations`. A
`script` on a value source is there only with `allow_scripts`; every other aggregation type
(`significant_terms` and its background filter, `adjacency_matrix`, `scripted_metric`,
`bucket_script`, ...) is refused (docs/security.md, "The query guard").
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
    model_validator,
)

from alertstatus.engine.querymodel.base import (
    FieldName,
    NonNegative,
    Number,
    Pattern,
    Scalar,
    Script,
    Strict,
    StringOrNumber,
    guard_state,
    invalid,
    one_or_many,
    refused,
    tagged_union,
)
from alertstatus.engine.querymodel.queries import Query
from alertstatus.engine.querymodel.sorting import Sort, SortOrder

# Members of an aggregation object beside its one type.
NODE_MEMBERS = frozenset({"aggs", "aggregations", "meta"})


def _aggregation_name(name: str) -> str:
    if not name or any(char in name for char in "[]>"):
        raise invalid("aggregation names are not empty and hold no '[', ']' or '>'")
    return name


AggregationName = Annotated[str, AfterValidator(_aggregation_name)]


def _one_key(order: dict[str, str]) -> dict[str, str]:
    if len(order) != 1:
        raise invalid("must name exactly one key")
    return order


BucketOrder = one_or_many(Annotated[dict[str, SortOrder], AfterValidator(_one_key)])


class ValuesSource(Strict):
    """A field, or a script where the policy allows one."""

    field: FieldName | None = None
    script: Script | None = None
    missing: Scalar | None = None


class Bounds(Strict):
    min: StringOrNumber | None = None
    max: StringOrNumber | None = None


class Partition(Strict):
    partition: NonNegative
    num_partitions: Annotated[int, Field(ge=1)]


def _terms_filter(value: Any) -> str:
    if isinstance(value, dict | BaseModel):
        return "<partition>"
    return "<values>" if isinstance(value, list) else "<pattern>"


IncludeTerms = Annotated[
    Annotated[Pattern, Tag("<pattern>")]
    | Annotated[list[Scalar], Tag("<values>")]
    | Annotated[Partition, Tag("<partition>")],
    Discriminator(_terms_filter),
]
ExcludeTerms = Annotated[
    Annotated[Pattern, Tag("<pattern>")] | Annotated[list[Scalar], Tag("<values>")],
    Discriminator(_terms_filter),
]


class TermsAggregation(ValuesSource):
    size: NonNegative | None = None
    shard_size: NonNegative | None = None
    min_doc_count: NonNegative | None = None
    shard_min_doc_count: NonNegative | None = None
    show_term_doc_count_error: bool | None = None
    order: BucketOrder | None = None
    include: IncludeTerms | None = None
    exclude: ExcludeTerms | None = None
    execution_hint: Literal["map", "global_ordinals"] | None = None
    collect_mode: Literal["depth_first", "breadth_first"] | None = None
    format: str | None = None


class DateHistogramAggregation(ValuesSource):
    calendar_interval: str | None = None
    fixed_interval: str | None = None
    interval: StringOrNumber | None = None
    format: str | None = None
    time_zone: str | None = None
    offset: StringOrNumber | None = None
    min_doc_count: NonNegative | None = None
    extended_bounds: Bounds | None = None
    hard_bounds: Bounds | None = None
    order: BucketOrder | None = None
    keyed: bool | None = None


class HistogramAggregation(ValuesSource):
    interval: Number
    offset: Number | None = None
    min_doc_count: NonNegative | None = None
    extended_bounds: Bounds | None = None
    hard_bounds: Bounds | None = None
    order: BucketOrder | None = None
    keyed: bool | None = None
    format: str | None = None

    @model_validator(mode="after")
    def _positive_interval(self) -> Self:
        if self.interval <= 0:
            raise invalid("interval must be greater than 0")
        return self


class RangeBucket(Strict):
    from_: StringOrNumber | None = Field(default=None, alias="from")
    to: StringOrNumber | None = None
    key: str | None = None


class RangeAggregation(ValuesSource):
    ranges: list[RangeBucket]
    keyed: bool | None = None
    format: str | None = None


class DateRangeAggregation(RangeAggregation):
    time_zone: str | None = None


def _named_or_anonymous(filters: Any) -> str:
    return "<named>" if isinstance(filters, dict) else "<anonymous>"


class FiltersAggregation(Strict):
    filters: Annotated[
        Annotated[dict[str, Query], Tag("<named>")] | Annotated[list[Query], Tag("<anonymous>")],
        Discriminator(_named_or_anonymous),
    ]
    other_bucket: bool | None = None
    other_bucket_key: str | None = None


class MetricAggregation(ValuesSource):
    format: str | None = None


class CardinalityAggregation(ValuesSource):
    precision_threshold: Annotated[int, Field(ge=0, le=40_000)] | None = None


class MissingAggregation(Strict):
    field: FieldName


class ValueCountAggregation(Strict):
    field: FieldName | None = None
    script: Script | None = None


def _source_filter(value: Any) -> str:
    if isinstance(value, dict | BaseModel):
        return "<object>"
    return "<many>" if isinstance(value, list) else "<one>"


class SourceIncludes(Strict):
    includes: list[str] | None = None
    excludes: list[str] | None = None


SourceFilter = Annotated[
    Annotated[bool | str, Tag("<one>")]
    | Annotated[list[str], Tag("<many>")]
    | Annotated[SourceIncludes, Tag("<object>")],
    Discriminator(_source_filter),
]


def _top_hits_size(size: int, info: ValidationInfo) -> int:
    limit = guard_state(info).policy.max_top_hits
    if not 0 <= size <= limit:
        raise invalid("must be between 0 and {limit}", limit=limit)
    return size


class TopHitsAggregation(Strict):
    size: Annotated[int, AfterValidator(_top_hits_size)] | None = None
    sort: Sort | None = None
    source: SourceFilter | None = Field(default=None, alias="_source")


class BucketSortAggregation(Strict):
    sort: Sort | None = None
    from_: NonNegative | None = Field(default=None, alias="from")
    size: NonNegative | None = None
    gap_policy: Literal["skip", "insert_zeros"] | None = None


class AggregationNode(Strict):
    """`{"<kind>": <body>, "aggs"?: {...}, "meta"?: {...}}`; one subclass per type."""

    kind: ClassVar[str]
    aggs: Aggregations | None = None
    aggregations: Aggregations | None = None
    meta: dict[str, Any] | None = None


def aggregation_model(kind: str, body: Any) -> type[AggregationNode]:
    name = "".join(part.title() for part in kind.split("_")) + "Aggregation"
    model: type[AggregationNode] = create_model(  # type: ignore[call-overload]
        name, __base__=AggregationNode, **{kind: (body, ...)}
    )
    model.kind = kind
    return model


AGGREGATION_BODIES: dict[str, Any] = {
    "terms": TermsAggregation,
    "date_histogram": DateHistogramAggregation,
    "histogram": HistogramAggregation,
    "range": RangeAggregation,
    "date_range": DateRangeAggregation,
    "missing": MissingAggregation,
    "filter": Query,
    "filters": FiltersAggregation,
    "cardinality": CardinalityAggregation,
    "min": MetricAggregation,
    "max": MetricAggregation,
    "avg": MetricAggregation,
    "sum": MetricAggregation,
    "stats": MetricAggregation,
    "value_count": ValueCountAggregation,
    "top_hits": TopHitsAggregation,
    "bucket_sort": BucketSortAggregation,
}
AGGREGATIONS: dict[str, type[AggregationNode]] = {
    kind: aggregation_model(kind, body) for kind, body in AGGREGATION_BODIES.items()
}


def _aggregation_kind(node: Any) -> str | None:
    if isinstance(node, AggregationNode):
        return node.kind
    kinds = [key for key in node if key not in NODE_MEMBERS] if isinstance(node, dict) else []
    return kinds[0] if len(kinds) == 1 else None


def _aggregation_tag(node: Any) -> str | None:
    kind = _aggregation_kind(node)
    return None if kind is None else f"<{kind}>"


def _guard_aggregation(
    node: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    """Depth, count and type of an aggregation, before its body is looked at."""
    state = guard_state(info)
    policy = state.policy
    if state.aggregation_depth >= policy.max_aggregation_depth:
        raise refused(
            "aggregations are nested deeper than {limit} levels",
            limit=policy.max_aggregation_depth,
        )
    state.aggregations += 1
    if state.aggregations > policy.max_aggregations:
        raise refused("a search has at most {limit} aggregations", limit=policy.max_aggregations)
    kind = _aggregation_kind(node)
    if kind is None:
        raise refused("each aggregation must be an object with exactly one aggregation type")
    if kind not in AGGREGATIONS:
        raise refused("aggregation type [{kind}] is not allowed", kind=kind[:100])
    state.aggregation_depth += 1
    try:
        return handler(node)
    finally:
        state.aggregation_depth -= 1


Aggregation = Annotated[
    tagged_union({f"<{kind}>": model for kind, model in AGGREGATIONS.items()}),
    Discriminator(_aggregation_tag),
    WrapValidator(_guard_aggregation),
]
Aggregations = dict[AggregationName, Aggregation]
