"""The query clauses a caller may send, each with its parameters and their JSON types.

A query runs as the service's own Elasticsearch user, over the space's alias only, so a clause
may *select alerts by their own fields* and nothing else: no clause that runs code (unless
`allow_scripts`), reads other documents or indices (unless `allow_lookups`), or hides a query
the guard cannot see (`wrapper`, never). Parameters that raise Elasticsearch's cost limits
(`max_determinized_states`, `max_expansions`, `slop`) may only lower them, and the rewrite
methods (`rewrite`, `fuzzy_rewrite`) are not parameters here at all. What is not declared below
is refused, so a query type or parameter added to Elasticsearch later stays refused until someone
reviews it (docs/security.md, "The query guard").
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
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
    FieldKeyed,
    FieldName,
    Fuzziness,
    MaxDeterminizedStates,
    MaxExpansions,
    MinimumShouldMatch,
    NonNegative,
    Number,
    Operator,
    Pattern,
    QueryString,
    Scalar,
    Script,
    Slop,
    Strict,
    StringOrNumber,
    ZeroTermsQuery,
    guard_state,
    invalid,
    one_or_many,
    refused,
    short_or_object,
    tagged_union,
)

CLAUSE_SHAPE = "each query clause must be an object with exactly one query type"
# Clause types that run Painless: only with `allow_scripts`.
SCRIPT_QUERIES = frozenset({"script", "script_score", "function_score"})
# Clause types that read other documents, possibly in other indices: only with `allow_lookups`.
LOOKUP_QUERIES = frozenset({"more_like_this", "percolate"})


class Scored(Strict):
    """`boost` and `_name`, which every query clause accepts."""

    boost: Number | None = None
    query_name: str | None = Field(default=None, alias="_name")


# --- values, one field at a time ---------------------------------------------------------------


def _bounded_terms(values: Any, info: ValidationInfo) -> Any:
    limit = guard_state(info).policy.max_terms
    if isinstance(values, list) and len(values) > limit:
        raise refused("terms queries are limited to {limit} values", limit=limit)
    return values


def _lookups_allowed(lookup: Any, info: ValidationInfo) -> Any:
    if not guard_state(info).policy.allow_lookups:
        raise refused("terms lookup reads other documents and is not allowed")
    return lookup


TermsValues = Annotated[list[Scalar], BeforeValidator(_bounded_terms)]
Ids = Annotated[list[str], BeforeValidator(_bounded_terms)]

REGEXP_FLAGS = frozenset(
    {"ALL", "ANYSTRING", "AUTOMATON", "COMPLEMENT", "EMPTY", "INTERSECTION", "INTERVAL", "NONE"}
)
SIMPLE_QUERY_STRING_FLAGS = frozenset(
    {
        "ALL",
        "AND",
        "ESCAPE",
        "FUZZY",
        "NEAR",
        "NONE",
        "NOT",
        "OR",
        "PHRASE",
        "PRECEDENCE",
        "PREFIX",
        "SLOP",
        "WHITESPACE",
    }
)


def _flags(known: frozenset[str]) -> Any:
    def check(value: str) -> str:
        if not value or any(flag.strip().upper() not in known for flag in value.split("|")):
            names = " ".join(sorted(known))
            raise invalid("must be flags joined by '|' among {names}", names=names)
        return value

    return AfterValidator(check)


class TermSpec(Scored):
    value: Scalar
    case_insensitive: bool | None = None


class TermsLookup(Strict):
    index: str
    id: str
    path: str
    routing: str | None = None


class TermsSetSpec(Scored):
    terms: TermsValues
    minimum_should_match_field: FieldName | None = None
    minimum_should_match_script: Script | None = None


class RangeSpec(Scored):
    nullable = frozenset({"gt", "gte", "lt", "lte", "from", "to"})  # null: unbounded

    gt: StringOrNumber | None = None
    gte: StringOrNumber | None = None
    lt: StringOrNumber | None = None
    lte: StringOrNumber | None = None
    from_: StringOrNumber | None = Field(default=None, alias="from")
    to: StringOrNumber | None = None
    include_lower: bool | None = None
    include_upper: bool | None = None
    format: str | None = None
    time_zone: str | None = None
    relation: Literal["INTERSECTS", "CONTAINS", "WITHIN", "intersects", "contains", "within"] = (
        "INTERSECTS"
    )


class PrefixSpec(Scored):
    value: Pattern
    case_insensitive: bool | None = None


class WildcardSpec(Scored):
    value: Pattern | None = None
    wildcard: Pattern | None = None  # Elasticsearch's other name for `value`
    case_insensitive: bool | None = None

    @model_validator(mode="after")
    def _one_pattern(self) -> Self:
        if (self.value is None) == (self.wildcard is None):
            raise invalid("needs exactly one of value or wildcard")
        return self


class RegexpSpec(Scored):
    value: Pattern
    flags: Annotated[str, _flags(REGEXP_FLAGS)] | None = None
    max_determinized_states: MaxDeterminizedStates | None = None
    case_insensitive: bool | None = None


class FuzzySpec(Scored):
    value: Pattern
    fuzziness: Fuzziness | None = None
    prefix_length: NonNegative | None = None
    max_expansions: MaxExpansions | None = None
    transpositions: bool | None = None


class MatchSpec(Scored):
    query: Scalar
    operator: Operator | None = None
    analyzer: str | None = None
    fuzziness: Fuzziness | None = None
    prefix_length: NonNegative | None = None
    max_expansions: MaxExpansions | None = None
    fuzzy_transpositions: bool | None = None
    lenient: bool | None = None
    zero_terms_query: ZeroTermsQuery | None = None
    auto_generate_synonyms_phrase_query: bool | None = None
    minimum_should_match: MinimumShouldMatch | None = None


class MatchPhraseSpec(Scored):
    query: Scalar
    analyzer: str | None = None
    slop: Slop | None = None
    zero_terms_query: ZeroTermsQuery | None = None


class MatchPhrasePrefixSpec(MatchPhraseSpec):
    max_expansions: MaxExpansions | None = None


class MatchBoolPrefixSpec(Scored):
    query: Scalar
    analyzer: str | None = None
    operator: Operator | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    fuzziness: Fuzziness | None = None
    prefix_length: NonNegative | None = None
    max_expansions: MaxExpansions | None = None
    fuzzy_transpositions: bool | None = None


def _values_or_lookup(value: Any) -> str:
    return "<lookup>" if isinstance(value, dict | BaseModel) else "<values>"


TermValue = short_or_object(Scalar, TermSpec)
TermsValue = Annotated[
    Annotated[TermsValues, Tag("<values>")]
    | Annotated[TermsLookup, BeforeValidator(_lookups_allowed), Tag("<lookup>")],
    Discriminator(_values_or_lookup),
]
PrefixValue = short_or_object(Pattern, PrefixSpec)
WildcardValue = short_or_object(Pattern, WildcardSpec)
RegexpValue = short_or_object(Pattern, RegexpSpec)
FuzzyValue = short_or_object(Pattern, FuzzySpec)
MatchValue = short_or_object(Scalar, MatchSpec)
MatchPhraseValue = short_or_object(Scalar, MatchPhraseSpec)
MatchPhrasePrefixValue = short_or_object(Scalar, MatchPhrasePrefixSpec)
MatchBoolPrefixValue = short_or_object(Scalar, MatchBoolPrefixSpec)


class TermBody(FieldKeyed):
    __pydantic_extra__: dict[str, TermValue] = Field(init=False)


class TermsBody(FieldKeyed):
    """The one field-keyed clause that also takes `boost` and `_name` beside the field; a
    lookup hidden under those keys is not a number or a string, so it is refused."""

    __pydantic_extra__: dict[str, TermsValue] = Field(init=False)
    boost: Number | None = None
    query_name: str | None = Field(default=None, alias="_name")


class TermsSetBody(FieldKeyed):
    __pydantic_extra__: dict[str, TermsSetSpec] = Field(init=False)


class RangeBody(FieldKeyed):
    __pydantic_extra__: dict[str, RangeSpec] = Field(init=False)


class PrefixBody(FieldKeyed):
    __pydantic_extra__: dict[str, PrefixValue] = Field(init=False)


class WildcardBody(FieldKeyed):
    __pydantic_extra__: dict[str, WildcardValue] = Field(init=False)


class RegexpBody(FieldKeyed):
    __pydantic_extra__: dict[str, RegexpValue] = Field(init=False)


class FuzzyBody(FieldKeyed):
    __pydantic_extra__: dict[str, FuzzyValue] = Field(init=False)


class MatchBody(FieldKeyed):
    __pydantic_extra__: dict[str, MatchValue] = Field(init=False)


class MatchPhraseBody(FieldKeyed):
    __pydantic_extra__: dict[str, MatchPhraseValue] = Field(init=False)


class MatchPhrasePrefixBody(FieldKeyed):
    __pydantic_extra__: dict[str, MatchPhrasePrefixValue] = Field(init=False)


class MatchBoolPrefixBody(FieldKeyed):
    __pydantic_extra__: dict[str, MatchBoolPrefixValue] = Field(init=False)


# --- clauses with fixed parameters ---------------------------------------------------------------


class MatchAllBody(Scored):
    pass


class ExistsBody(Scored):
    field: FieldName


class IdsBody(Scored):
    values: Ids


class MultiMatchBody(Scored):
    query: Scalar
    fields: one_or_many(FieldName) | None = None
    type: (
        Literal[
            "best_fields", "most_fields", "cross_fields", "phrase", "phrase_prefix", "bool_prefix"
        ]
        | None
    ) = None
    operator: Operator | None = None
    analyzer: str | None = None
    slop: Slop | None = None
    fuzziness: Fuzziness | None = None
    prefix_length: NonNegative | None = None
    max_expansions: MaxExpansions | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    tie_breaker: Number | None = None
    lenient: bool | None = None
    zero_terms_query: ZeroTermsQuery | None = None
    auto_generate_synonyms_phrase_query: bool | None = None
    fuzzy_transpositions: bool | None = None


class CombinedFieldsBody(Scored):
    query: str
    fields: list[FieldName]
    operator: Operator | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    zero_terms_query: ZeroTermsQuery | None = None
    auto_generate_synonyms_phrase_query: bool | None = None


class QueryStringBody(Scored):
    """Lucene syntax, as Kibana's search bar sends it; regexps inside stay under the default
    determinization cap, and fuzzy terms under the default expansions."""

    query: QueryString
    default_field: str | None = None
    fields: list[str] | None = None
    default_operator: Operator | None = None
    analyzer: str | None = None
    quote_analyzer: str | None = None
    quote_field_suffix: str | None = None
    allow_leading_wildcard: bool | None = None
    analyze_wildcard: bool | None = None
    enable_position_increments: bool | None = None
    fuzziness: Fuzziness | None = None
    fuzzy_max_expansions: MaxExpansions | None = None
    fuzzy_prefix_length: NonNegative | None = None
    fuzzy_transpositions: bool | None = None
    phrase_slop: Slop | None = None
    max_determinized_states: MaxDeterminizedStates | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    lenient: bool | None = None
    time_zone: str | None = None
    auto_generate_synonyms_phrase_query: bool | None = None
    escape: bool | None = None
    type: (
        Literal[
            "best_fields", "most_fields", "cross_fields", "phrase", "phrase_prefix", "bool_prefix"
        ]
        | None
    ) = None
    tie_breaker: Number | None = None


class SimpleQueryStringBody(Scored):
    query: QueryString
    fields: list[str] | None = None
    default_operator: Operator | None = None
    analyzer: str | None = None
    flags: Annotated[str, _flags(SIMPLE_QUERY_STRING_FLAGS)] | None = None
    analyze_wildcard: bool | None = None
    auto_generate_synonyms_phrase_query: bool | None = None
    fuzzy_max_expansions: MaxExpansions | None = None
    fuzzy_prefix_length: NonNegative | None = None
    fuzzy_transpositions: bool | None = None
    lenient: bool | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    quote_field_suffix: str | None = None


# --- compound clauses: their children are clauses again ----------------------------------------


class BoolBody(Scored):
    must: Clauses | None = None
    filter: Clauses | None = None
    should: Clauses | None = None
    must_not: Clauses | None = None
    minimum_should_match: MinimumShouldMatch | None = None


class ConstantScoreBody(Scored):
    filter: Query


class DisMaxBody(Scored):
    queries: list[Query]
    tie_breaker: Number | None = None


class BoostingBody(Scored):
    positive: Query
    negative: Query
    negative_boost: Number


class NestedBody(Scored):
    """No `inner_hits`: they carry highlight queries and sorts of their own."""

    path: FieldName
    query: Query
    score_mode: Literal["avg", "max", "min", "none", "sum"] | None = None
    ignore_unmapped: bool | None = None


# --- only with allow_scripts ---------------------------------------------------------------------


class ScriptQueryBody(Scored):
    script: Script


class ScriptScoreBody(Scored):
    query: Query
    script: Script
    min_score: Number | None = None


class ScriptScoreFunction(Strict):
    script: Script


class RandomScoreFunction(Strict):
    seed: StringOrNumber | None = None
    field: FieldName | None = None


FieldValueModifier = Literal[
    "none", "log", "log1p", "log2p", "ln", "ln1p", "ln2p", "square", "sqrt", "reciprocal"
]


class FieldValueFactorFunction(Strict):
    field: FieldName
    factor: Number | None = None
    modifier: FieldValueModifier | None = None
    missing: Number | None = None


class ScoreFunction(Strict):
    """One of `function_score`'s functions (decay functions are not offered)."""

    filter: Query | None = None
    weight: Number | None = None
    script_score: ScriptScoreFunction | None = None
    random_score: RandomScoreFunction | None = None
    field_value_factor: FieldValueFactorFunction | None = None


class FunctionScoreBody(Scored):
    """One function given inline (`weight`, `script_score`, ...) or a list of `functions`."""

    query: Query | None = None
    weight: Number | None = None
    script_score: ScriptScoreFunction | None = None
    random_score: RandomScoreFunction | None = None
    field_value_factor: FieldValueFactorFunction | None = None
    functions: list[ScoreFunction] | None = None
    score_mode: Literal["multiply", "sum", "avg", "first", "max", "min"] | None = None
    boost_mode: Literal["multiply", "replace", "sum", "avg", "max", "min"] | None = None
    max_boost: Number | None = None
    min_score: Number | None = None


# --- only with allow_lookups ---------------------------------------------------------------------


class LikeDocument(Strict):
    index: str | None = Field(default=None, alias="_index")
    id: str | None = Field(default=None, alias="_id")
    doc: dict[str, Any] | None = None
    fields: list[FieldName] | None = None
    per_field_analyzer: dict[str, str] | None = None
    routing: str | None = None


Like = one_or_many(short_or_object(str, LikeDocument))


class MoreLikeThisBody(Scored):
    fields: list[FieldName] | None = None
    like: Like
    unlike: Like | None = None
    min_term_freq: NonNegative | None = None
    max_query_terms: NonNegative | None = None
    min_doc_freq: NonNegative | None = None
    max_doc_freq: NonNegative | None = None
    min_word_length: NonNegative | None = None
    max_word_length: NonNegative | None = None
    stop_words: list[str] | None = None
    analyzer: str | None = None
    minimum_should_match: MinimumShouldMatch | None = None
    boost_terms: Number | None = None
    include: bool | None = None
    fail_on_unsupported_field: bool | None = None


class PercolateBody(Scored):
    field: FieldName
    document: dict[str, Any] | None = None
    documents: list[dict[str, Any]] | None = None
    index: str | None = None
    id: str | None = None
    routing: str | None = None
    preference: str | None = None
    version: int | None = None
    name: str | None = None


# --- the clause: `{"<type>": <body>}` -----------------------------------------------------------


class Clause(Strict):
    """`{"<kind>": <body>}`; one subclass per query type, made by `clause_model`."""

    kind: ClassVar[str]


def clause_model(kind: str, body: type[BaseModel]) -> type[Clause]:
    name = "".join(part.title() for part in kind.split("_")) + "Clause"
    model: type[Clause] = create_model(name, __base__=Clause, **{kind: (body, ...)})  # type: ignore[call-overload]
    model.kind = kind
    return model


QUERY_BODIES: dict[str, type[BaseModel]] = {
    "match_all": MatchAllBody,
    "match_none": MatchAllBody,
    "term": TermBody,
    "terms": TermsBody,
    "terms_set": TermsSetBody,
    "range": RangeBody,
    "exists": ExistsBody,
    "prefix": PrefixBody,
    "wildcard": WildcardBody,
    "regexp": RegexpBody,
    "fuzzy": FuzzyBody,
    "ids": IdsBody,
    "match": MatchBody,
    "match_phrase": MatchPhraseBody,
    "match_phrase_prefix": MatchPhrasePrefixBody,
    "match_bool_prefix": MatchBoolPrefixBody,
    "multi_match": MultiMatchBody,
    "combined_fields": CombinedFieldsBody,
    "query_string": QueryStringBody,
    "simple_query_string": SimpleQueryStringBody,
    "bool": BoolBody,
    "constant_score": ConstantScoreBody,
    "dis_max": DisMaxBody,
    "boosting": BoostingBody,
    "nested": NestedBody,
    "script": ScriptQueryBody,
    "script_score": ScriptScoreBody,
    "function_score": FunctionScoreBody,
    "more_like_this": MoreLikeThisBody,
    "percolate": PercolateBody,
}
CLAUSES: dict[str, type[Clause]] = {
    kind: clause_model(kind, body) for kind, body in QUERY_BODIES.items()
}


def _clause_tag(value: Any) -> str | None:
    if isinstance(value, Clause):
        return f"<{value.kind}>"
    if isinstance(value, dict) and len(value) == 1:
        return f"<{next(iter(value))}>"
    return None


def _guard_clause(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """Depth, count and type of a clause, before its body is looked at."""
    state = guard_state(info)
    policy = state.policy
    if state.depth >= policy.max_depth:
        raise refused("query clauses are nested deeper than {limit} levels", limit=policy.max_depth)
    state.clauses += 1
    if state.clauses > policy.max_clauses:
        raise refused("query has more than {limit} clauses", limit=policy.max_clauses)
    if not isinstance(value, dict) or len(value) != 1:
        raise refused(CLAUSE_SHAPE)
    ((kind, _),) = value.items()
    if kind in SCRIPT_QUERIES and not policy.allow_scripts:
        raise refused("query type [{kind}] runs a script and is not allowed", kind=kind[:100])
    if kind in LOOKUP_QUERIES and not policy.allow_lookups:
        raise refused(
            "query type [{kind}] reads other documents and is not allowed", kind=kind[:100]
        )
    if kind not in CLAUSES:
        raise refused("query type [{kind}] is not allowed", kind=kind[:100])
    state.depth += 1
    try:
        return handler(value)
    finally:
        state.depth -= 1


Query = Annotated[
    tagged_union({f"<{kind}>": model for kind, model in CLAUSES.items()}),
    Discriminator(_clause_tag),
    WrapValidator(_guard_clause),
]
Clauses = one_or_many(Query)
