"""What a caller's query may hold and how long it may run: switches, bounds, the timeout.

A plain value object, so the engine's guard, the model's validators and the settings agree on one
set of numbers (docs/security.md). The cost bounds only ever *lower* what Elasticsearch would do
by default: a caller may ask for a cheaper query, never a dearer one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Elasticsearch's own defaults, which callers may lower but not raise.
DEFAULT_MAX_DETERMINIZED_STATES = 10_000  # regexp / query_string automata
DEFAULT_MAX_EXPANSIONS = 50  # fuzzy, match_phrase_prefix, *_prefix, query_string fuzzy terms


@dataclass(frozen=True, slots=True)
class QueryPolicy:
    """The bounds and switches a query (and the search around it) is checked against."""

    allow_scripts: bool = False
    allow_lookups: bool = False
    max_depth: int = 20  # nesting of query clauses
    max_clauses: int = 1024  # every clause, at every level (Elasticsearch's max_clause_count)
    max_json_depth: int = 64  # nesting of objects and arrays anywhere in the query
    max_string_length: int = 10_000
    max_terms: int = 65_536  # values of one `terms` / `ids` (Elasticsearch's index.max_terms_count)
    max_ids: int = 100_000  # ids in one request (the body limit usually binds first)
    max_id_length: int = 512  # bytes: Elasticsearch's own `_id` limit
    max_pattern_length: int = 256  # regexp, wildcard, prefix and fuzzy values
    max_query_string_length: int = 4_096  # query_string / simple_query_string `query`
    max_pattern_operators: int = 64  # `*`, `+`, `?`, `{` in all patterns of a request together
    max_determinized_states: int = DEFAULT_MAX_DETERMINIZED_STATES
    max_expansions: int = DEFAULT_MAX_EXPANSIONS
    max_slop: int = 100  # phrase slop: sloppy phrase matching costs with the slop
    max_aggregations: int = 100  # every aggregation, at every level
    max_aggregation_depth: int = 5  # nesting of sub-aggregations
    max_top_hits: int = 100  # Elasticsearch's index.max_inner_result_window
    max_runtime_fields: int = 100  # Kibana's cap on a status change's runtime_fields
    search_timeout: float = 30.0  # seconds; Elasticsearch's `timeout` / `search_timeout`

    @property
    def timeout(self) -> str:
        """`search_timeout` as an Elasticsearch time value (`30s`, or whole milliseconds)."""
        milliseconds = max(1, round(self.search_timeout * 1000))
        return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"


DEFAULT_POLICY = QueryPolicy()
