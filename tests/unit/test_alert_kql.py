"""KQL over alert fields (engine/kql.py): the compiler on its own, no node."""

from __future__ import annotations

import pytest

from alertstatus.engine.indices import mapped_alert_fields
from alertstatus.engine.kql import (
    ALERT_FIELD_NAMES,
    ALERT_FIELDS,
    Kind,
    compile_alert_query,
)
from alertstatus.errors import KqlInvalid, KqlUnknownField

SEVERITY = "kibana.alert.severity"


def test_blank_selects_everything() -> None:
    assert compile_alert_query("") == {"match_all": {}}
    assert compile_alert_query(" \t\n") == {"match_all": {}}


def test_every_allowed_field_is_mapped_with_its_kind() -> None:
    mapped = mapped_alert_fields()
    assert set(ALERT_FIELDS) == set(ALERT_FIELD_NAMES)
    for name, field in ALERT_FIELDS.items():
        assert name in mapped
        assert field.name == name
    assert ALERT_FIELDS["@timestamp"].kind is Kind.DATE
    assert ALERT_FIELDS["kibana.alert.risk_score"].kind is Kind.NUMBER
    assert ALERT_FIELDS["source.ip"].kind is Kind.IP
    assert ALERT_FIELDS["message"].kind is Kind.TEXT
    assert ALERT_FIELDS["kibana.alert.workflow_reason"].kind is Kind.KEYWORD
    assert "kibana.space_ids" in mapped and "kibana.space_ids" not in ALERT_FIELDS


def test_fields_values_and_boolean_operators() -> None:
    assert compile_alert_query("host.name: web-01") == {"term": {"host.name": "web-01"}}
    assert compile_alert_query(f'{SEVERITY}: "high" and not user.name: root') == {
        "bool": {
            "filter": [
                {"term": {SEVERITY: "high"}},
                {"bool": {"must_not": [{"term": {"user.name": "root"}}]}},
            ]
        }
    }
    assert compile_alert_query(f"{SEVERITY}: (high OR critical)") == {
        "bool": {"should": [{"term": {SEVERITY: "high"}}, {"term": {SEVERITY: "critical"}}]}
    }
    assert compile_alert_query("kibana.alert.rule.name: Suspicious PowerShell") == {
        "term": {"kibana.alert.rule.name": "Suspicious PowerShell"}
    }


def test_wildcards_exists_and_escapes() -> None:
    assert compile_alert_query("host.name: web-*") == {
        "wildcard": {"host.name": {"value": "web-*"}}
    }
    assert compile_alert_query(r"host.name: web\*") == {"term": {"host.name": "web*"}}
    assert compile_alert_query('host.name: "web-*"') == {"term": {"host.name": "web-*"}}
    assert compile_alert_query("destination.ip: *") == {"exists": {"field": "destination.ip"}}
    assert compile_alert_query("message: *powershell*") == {
        "wildcard": {"message": {"value": "*powershell*", "case_insensitive": True}}
    }
    assert compile_alert_query('message: "encoded command"') == {
        "match_phrase": {"message": "encoded command"}
    }


def test_ranges_on_dates_numbers_and_addresses() -> None:
    assert compile_alert_query("@timestamp >= now-7d/d and @timestamp < 2024-11-02") == {
        "bool": {
            "filter": [
                {"range": {"@timestamp": {"gte": "now-7d/d"}}},
                {"range": {"@timestamp": {"lt": "2024-11-02"}}},
            ]
        }
    }
    assert compile_alert_query('@timestamp <= "2024-11-01T08:00:00.5+01:00"') == {
        "range": {"@timestamp": {"lte": "2024-11-01T08:00:00.5+01:00"}}
    }
    assert compile_alert_query("kibana.alert.risk_score > 47.5") == {
        "range": {"kibana.alert.risk_score": {"gt": 47.5}}
    }
    assert compile_alert_query("kibana.alert.risk_score: 73") == {
        "term": {"kibana.alert.risk_score": 73}
    }
    assert compile_alert_query("source.ip: 10.0.0.0/8") == {"term": {"source.ip": "10.0.0.0/8"}}
    assert compile_alert_query("source.ip <= 10.0.0.255") == {
        "range": {"source.ip": {"lte": "10.0.0.255"}}
    }


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("host.name web", "expected ':' after 'host.name' at position 0, found 'web'"),
        ("host.name: (a or", "unexpected end of query"),
        ("host.name: a)", "unexpected ')' at position 12"),
        ('host.name: "open', "unexpected character '\"' at position 11"),
        ("host.name > a", "range comparisons are supported on dates, numbers and IP addresses"),
        ("@timestamp: 2024*", "wildcards are not supported on the date field @timestamp"),
        ("@timestamp > yesterday", "@timestamp is a date"),
        ("@timestamp > 2024-13-01", "no such date"),
        ("kibana.alert.risk_score: high", "kibana.alert.risk_score is a number"),
        ("kibana.alert.risk_score < 1e999", "'1e999' is out of range"),
        ("@timestamp > now-999999999999y", "@timestamp is a date"),
        ("source.ip: 10.0.0.300", "source.ip is an IP address"),
        ("source.ip > 10.0.0.0/8", "source.ip is an IP address"),
        ("and host.name: a", "expected a field name, found 'and' at position 0"),
        ("@timestamp > 2024-11-01T08:00:00Z", "unexpected ':' at position 26: quote a value"),
    ],
)
def test_outside_the_subset_is_refused_in_plain_words(source: str, words: str) -> None:
    with pytest.raises(KqlInvalid) as refused:
        compile_alert_query(source)
    assert words in refused.value.message
    assert refused.value.status == 400


@pytest.mark.parametrize("name", ["kibana.space_ids", "alertstatus.history", "params.x", "*"])
def test_fields_outside_the_allow_list_are_refused(name: str) -> None:
    with pytest.raises(KqlUnknownField, match="is not a field alert queries may use"):
        compile_alert_query(f"{name}: x")


def test_the_space_field_says_why() -> None:
    with pytest.raises(KqlUnknownField, match="the space is the route's"):
        compile_alert_query("kibana.space_ids: other")


def test_nesting_and_the_guard_bound_what_is_compiled() -> None:
    within = "(" * 20 + "host.name: a" + ")" * 20
    assert compile_alert_query(within) == {"term": {"host.name": "a"}}
    with pytest.raises(KqlInvalid, match="query is nested deeper than 20 levels"):
        compile_alert_query("not " * 30 + "host.name: a")
    with pytest.raises(KqlInvalid, match="patterns are limited to 256 characters"):
        compile_alert_query("host.name: " + "a" * 300 + "*")
