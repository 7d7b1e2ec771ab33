"""Times as the CLI reads them: ISO-8601 and Kibana's date math, and the closure query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alertstatus.engine.selection import closure_query, read_query_file, rule_filter
from alertstatus.engine.timerange import TimeWindow, iso_millis, parse_time
from alertstatus.errors import QueryFileError, TimeParseError

NOW = datetime(2025, 3, 31, 14, 37, 12, 345678, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-15m", NOW - timedelta(minutes=15)),
        ("now-24h", NOW - timedelta(hours=24)),
        ("now-7d", NOW - timedelta(days=7)),
        ("now+1H", NOW + timedelta(hours=1)),
        ("now-1w", NOW - timedelta(weeks=1)),
        ("now-30s", NOW - timedelta(seconds=30)),
        ("now-1d-2h", NOW - timedelta(days=1, hours=2)),
        ("now/d", datetime(2025, 3, 31, tzinfo=UTC)),
        ("now-7d/d", datetime(2025, 3, 24, tzinfo=UTC)),
        ("now/h", datetime(2025, 3, 31, 14, tzinfo=UTC)),
        ("now/w", datetime(2025, 3, 31, tzinfo=UTC)),  # a Monday
        ("now-1d/w", datetime(2025, 3, 24, tzinfo=UTC)),
        ("now/M", datetime(2025, 3, 1, tzinfo=UTC)),
        ("now-1M", datetime(2025, 2, 28, 14, 37, 12, 345678, tzinfo=UTC)),  # day clamped
        ("now-1y/y", datetime(2024, 1, 1, tzinfo=UTC)),
        ("  now-1h  ", NOW - timedelta(hours=1)),
    ],
)
def test_date_math_rounds_down_at_the_start(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now/d", datetime(2025, 3, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        ("now-1d/d", datetime(2025, 3, 30, 23, 59, 59, 999000, tzinfo=UTC)),
        ("now/M", datetime(2025, 3, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        ("now-1M/M", datetime(2025, 2, 28, 23, 59, 59, 999000, tzinfo=UTC)),
        ("now/m", datetime(2025, 3, 31, 14, 37, 59, 999000, tzinfo=UTC)),
        ("now-15m", NOW - timedelta(minutes=15)),  # no rounding: round_up changes nothing
    ],
)
def test_date_math_rounds_up_at_the_end(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW, round_up=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-01T08:00:00Z", datetime(2024, 11, 1, 8, tzinfo=UTC)),
        ("2024-11-01T08:00:00.250Z", datetime(2024, 11, 1, 8, 0, 0, 250000, tzinfo=UTC)),
        ("2024-11-01T10:00:00+02:00", datetime(2024, 11, 1, 8, tzinfo=UTC)),
        ("2024-11-01T08:00:00", datetime(2024, 11, 1, 8, tzinfo=UTC)),  # naive = UTC
        ("2024-11-01", datetime(2024, 11, 1, tzinfo=UTC)),
    ],
)
def test_iso_8601_is_read_as_utc(text: str, expected: datetime) -> None:
    moment = parse_time(text, now=NOW)
    assert moment == expected
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["", "yesterday", "now-", "now-7x", "now-7d/", "now/dd", "now 7d", "2024-13-01", "nowz"]
)
def test_anything_else_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(TimeParseError, match=r"now-24h|now-15m"):
        parse_time(text, now=NOW)


def test_window_reads_now_once_and_builds_the_range_query() -> None:
    window = TimeWindow.parse("now-7d/d", "now/d", now=NOW)
    assert window.range_query() == {
        "range": {
            "@timestamp": {
                "gte": "2025-03-24T00:00:00.000Z",
                "lte": "2025-03-31T23:59:59.999Z",
                "format": "strict_date_optional_time",
            }
        }
    }
    assert TimeWindow.parse("now-1h", None, now=NOW).range_query() == {
        "range": {
            "@timestamp": {"gte": "2025-03-31T13:37:12.345Z", "format": "strict_date_optional_time"}
        }
    }
    assert TimeWindow().range_query() is None


def test_window_refuses_a_start_after_its_end() -> None:
    with pytest.raises(TimeParseError, match="after the end"):
        TimeWindow.parse("now", "now-1d", now=NOW)


def test_iso_millis_is_kibanas_form() -> None:
    assert iso_millis(datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == (
        "2024-01-02T03:04:05.678Z"
    )


def test_closure_query_combines_every_condition() -> None:
    window = TimeWindow.parse("2024-11-01T00:00:00Z", "2024-11-02T00:00:00Z", now=NOW)
    user_query = {"term": {"host.name": "ws-001"}}

    query = closure_query(window, rule="Brute Force Login Attempts", query=user_query)

    assert query == {
        "bool": {
            "filter": [
                window.range_query(),
                rule_filter("Brute Force Login Attempts"),
                user_query,
            ]
        }
    }
    assert rule_filter("r-1") == {
        "bool": {
            "should": [
                {"term": {"kibana.alert.rule.name": "r-1"}},
                {"term": {"kibana.alert.rule.uuid": "r-1"}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert closure_query(TimeWindow()) == {"match_all": {}}
    assert closure_query(TimeWindow(), rule="x") == {"bool": {"filter": [rule_filter("x")]}}


def test_query_file_holds_a_query_or_a_query_member(tmp_path) -> None:
    bare = tmp_path / "bare.json"
    bare.write_text('{"term": {"user.name": "bob"}}')
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text('{"query": {"term": {"user.name": "bob"}}}')
    assert read_query_file(bare) == read_query_file(wrapped) == {"term": {"user.name": "bob"}}

    for name, text in [("list.json", "[1]"), ("empty.json", "{}"), ("bad.json", "{nope")]:
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(QueryFileError):
            read_query_file(path)
    with pytest.raises(QueryFileError, match="cannot read"):
        read_query_file(tmp_path / "missing.json")
