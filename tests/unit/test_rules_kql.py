"""The KQL subset compiler (pure code)."""

from __future__ import annotations

import pytest

from alertstatus.errors import RuleInvalid
from alertstatus.rules.kql import compile_filter


def test_and_binds_tighter_than_or() -> None:
    query = compile_filter(
        "alert.attributes.tags: a or alert.attributes.tags: b "
        "and not alert.attributes.enabled: true"
    )
    assert query == {
        "bool": {
            "should": [
                {"term": {"tags": "a"}},
                {
                    "bool": {
                        "filter": [
                            {"term": {"tags": "b"}},
                            {"bool": {"must_not": [{"term": {"enabled": True}}]}},
                        ]
                    }
                },
            ]
        }
    }


def test_values_fields_and_ranges() -> None:
    assert compile_filter('alert.attributes.name: "my alert"') == {
        "match_phrase": {"name": "my alert"}
    }
    assert compile_filter("alert.attributes.name: my alert") == {"match": {"name": "my alert"}}
    assert compile_filter("alert.attributes.name: my*") == {
        "wildcard": {"name.keyword": {"value": "my*"}}
    }
    assert compile_filter(r"alert.attributes.tags: a\*b") == {"term": {"tags": "a*b"}}
    assert compile_filter("alert.attributes.alertTypeId: *") == {
        "exists": {"field": "rule_type_id"}
    }
    assert compile_filter("alert.attributes.updatedAt >= 2024-01-01") == {
        "range": {"updated_at": {"gte": "2024-01-01"}}
    }
    assert compile_filter("ALERT.attributes.tags: x".lower()) == {"term": {"tags": "x"}}
    assert compile_filter("  ") == {"match_all": {}}


@pytest.mark.parametrize(
    "source",
    [
        "alert.attributes.params.x: 1",
        "alert.attributes.tags x",
        "alert.attributes.tags: (a or",
        "alert.attributes.tags: a)",
        'alert.attributes.tags: "open',
        "alert.attributes.muteAll: 1",
        "alert.attributes.tags > 1",
        "alert.attributes.createdAt: 2024*",
    ],
)
def test_outside_the_subset_is_refused(source: str) -> None:
    with pytest.raises(RuleInvalid):
        compile_filter(source)


def test_nesting_is_bounded_not_a_recursion_error() -> None:
    within = "(" * 20 + "alert.attributes.tags: a" + ")" * 20
    assert compile_filter(within) == {"term": {"tags": "a"}}
    for source in (
        "(" * 300 + "alert.attributes.tags: a" + ")" * 300,
        "not " * 300 + "alert.attributes.tags: a",
        "alert.attributes.tags: " + "(" * 300 + "a" + ")" * 300,
    ):
        with pytest.raises(RuleInvalid, match="nested deeper than 20 levels"):
            compile_filter(source)


def test_the_compiled_query_passes_the_guard() -> None:
    with pytest.raises(RuleInvalid, match="patterns are limited to 256 characters"):
        compile_filter("alert.attributes.tags: " + "a" * 300 + "*")
