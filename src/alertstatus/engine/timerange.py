"""Times as analysts type them: ISO-8601 instants or Kibana's date math (`now-24h`, `now-7d/d`).

Date math is resolved here, in UTC, to absolute instants rather than passed through to
Elasticsearch: `now` is then read once, so the count shown before a closure and the closure
itself cover exactly the same window, and the window can be printed and logged as it was used.
As in Kibana, the start of a range rounds down (`now/d` = today 00:00:00.000) and the end rounds
up (`now/d` = today 23:59:59.999).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alertstatus.errors import TimeParseError

TIMESTAMP_FIELD = "@timestamp"

# Kibana's date math units: y M w d h/H m s (months and years are calendar units).
_UNITS = "yMwdhHms"
_DATE_MATH = re.compile(r"now(?P<ops>(?:[+-]\d+[yMwdhHms])*)(?:/(?P<round>[yMwdhHms]))?")
_OPERATION = re.compile(r"([+-])(\d+)([yMwdhHms])")
_FIXED = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamping the day (Jan 31 + 1M = Feb 28/29), as moment.js does."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _shift(moment: datetime, sign: str, amount: int, unit: str) -> datetime:
    amount = amount if sign == "+" else -amount
    if unit == "y":
        return _add_months(moment, 12 * amount)
    if unit == "M":
        return _add_months(moment, amount)
    return moment + amount * _FIXED[unit]


def _round_down(moment: datetime, unit: str) -> datetime:
    if unit == "y":
        return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":  # ISO weeks start on Monday, as Elasticsearch's date math does
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=day.weekday())
    if unit == "d":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit in "hH":
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)


def _round_up(moment: datetime, unit: str) -> datetime:
    """The last millisecond of the unit containing `moment`."""
    start = _round_down(moment, unit)
    end = _add_months(start, 12 if unit == "y" else 1) if unit in "yM" else start + _FIXED[unit]
    return end - timedelta(milliseconds=1)


def parse_time(text: str, *, now: datetime | None = None, round_up: bool = False) -> datetime:
    """An aware UTC datetime from ISO-8601 (naive = UTC) or date math relative to `now`."""
    value = text.strip()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if value.startswith("now"):
        match = _DATE_MATH.fullmatch(value)
        if not match:
            raise TimeParseError(
                f"invalid date math {text!r}: use now, now-15m, now-24h, now-7d/d "
                f"(units {' '.join(_UNITS)})"
            )
        moment = now
        for sign, amount, unit in _OPERATION.findall(match.group("ops")):
            moment = _shift(moment, sign, int(amount), unit)
        if unit := match.group("round"):
            moment = _round_up(moment, unit) if round_up else _round_down(moment, unit)
        return moment
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise TimeParseError(
            f"invalid time {text!r}: use ISO-8601 (2024-11-01T08:00:00Z) or date math (now-24h)"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_millis(moment: datetime) -> str:
    """`2024-11-01T08:00:00.000Z`: the form Kibana writes and `strict_date_optional_time` reads."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of `@timestamp`; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(
        cls, since: str | None, until: str | None, *, now: datetime | None = None
    ) -> TimeWindow:
        """Both ends against one `now`; the end rounds up, as in Kibana's time picker."""
        now = now or datetime.now(UTC)
        window = cls(
            parse_time(since, now=now) if since else None,
            parse_time(until, now=now, round_up=True) if until else None,
        )
        if window.since and window.until and window.since > window.until:
            since, until = iso_millis(window.since), iso_millis(window.until)
            raise TimeParseError(f"the start ({since}) is after the end ({until})")
        return window

    def range_query(self, field: str = TIMESTAMP_FIELD) -> dict[str, Any] | None:
        """`{"range": {"@timestamp": {"gte": ..., "lte": ...}}}`, or None for an open window."""
        bounds: dict[str, Any] = {}
        if self.since:
            bounds["gte"] = iso_millis(self.since)
        if self.until:
            bounds["lte"] = iso_millis(self.until)
        if not bounds:
            return None
        return {"range": {field: {**bounds, "format": "strict_date_optional_time"}}}
