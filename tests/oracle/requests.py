"""The concurrency oracle's requests: what the workers send, in every dialect, and what each asks.

Every request is planned from one seeded generator before anything is sent, so a seed names the
whole workload (the interleaving is the machine's). A request knows how it travels (an HTTP call
on one of the four APIs, or an `alertstatus close` process) and, in the oracle's own words, which
alerts it selects and what it writes. The dialect rules below are written out again from the
dialects' documentation (docs/dialects.md, "The vocabulary map" and "CHAD") rather than imported
from the engine: an oracle that shared the engine's tables would share their bugs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

FP_REASON = "false_positive"
FP_TAG = "False positive"  # UTMStack's tag: a closed alert carrying it is a false positive
KIBANA_STATUSES = ("open", "acknowledged", "in-progress", "closed")
CLOSE_REASONS = ("false_positive", "duplicate", "true_positive", "benign_positive")
OTHER_TAGS = ("triage", "vip", "noise")  # what the tags workers add and remove
SEVERITIES = ("low", "medium", "high", "critical")
UTMSTACK_CODES = (2, 3, 5)
CHAD_WORDS = ("new", "acknowledged", "resolved", "false_positive")

# The model state as a dialect reads it: the status, with `closed` split by false positive.
FALSE_POSITIVE_STATE = "closed/false_positive"
CHAD_WORD = {
    "open": "new",
    "acknowledged": "acknowledged",
    "in-progress": "acknowledged",
    "closed": "resolved",
    FALSE_POSITIVE_STATE: "false_positive",
}
UTMSTACK_CODE = {
    "open": 2,
    "acknowledged": 3,
    "in-progress": 3,
    "closed": 5,
    FALSE_POSITIVE_STATE: 5,
}
# CHAD's transitions: new -> acknowledged -> resolved; new | acknowledged -> false_positive;
# anything -> new. Target word -> the words it may be reached from.
CHAD_REACHABLE_FROM = {
    "new": frozenset(CHAD_WORDS),
    "acknowledged": frozenset({"new"}),
    "resolved": frozenset({"acknowledged"}),
    "false_positive": frozenset({"new", "acknowledged"}),
}


class Kind(StrEnum):
    KIBANA_IDS = "kibana-ids"
    KIBANA_QUERY = "kibana-query"
    UTMSTACK = "utmstack"
    CHAD_PATCH = "chad-patch"
    CHAD_BULK = "chad-bulk"
    TAGS = "tags"
    CLI = "cli"


KIBANA_LIKE = (Kind.KIBANA_IDS, Kind.KIBANA_QUERY, Kind.CLI)  # one `_update_by_query`
DIALECTS = (Kind.UTMSTACK, Kind.CHAD_PATCH, Kind.CHAD_BULK)  # one `_bulk` of guarded updates


class Verdict(StrEnum):
    """What a request does to one alert in a given state."""

    CHANGE = "change"
    UNCHANGED = "unchanged"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class State:
    """An alert's workflow status and reason (None: no reason stored)."""

    status: str
    reason: str | None = None

    def model(self, fp_tag: bool) -> str:
        if self.status == "closed" and (self.reason == FP_REASON or fp_tag):
            return FALSE_POSITIVE_STATE
        return self.status

    def __str__(self) -> str:
        return self.status if self.reason is None else f"{self.status}({self.reason})"


@dataclass(frozen=True, slots=True)
class Alert:
    """What the plan needs of a seeded alert: its two names and the fields queries read."""

    id: str
    uuid: str
    timestamp: str
    severity: str


@dataclass(frozen=True, slots=True)
class QuerySpec:
    """A selection by query that the oracle can evaluate itself: a closed `@timestamp` window,
    optionally some workflow statuses and severities."""

    since: str
    until: str
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    @property
    def reads_status(self) -> bool:
        return bool(self.statuses)

    def window(self) -> dict[str, Any]:
        bounds = {"gte": self.since, "lte": self.until, "format": "strict_date_optional_time"}
        return {"range": {"@timestamp": bounds}}

    def clauses(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if self.statuses:
            found.append({"terms": {"kibana.alert.workflow_status": list(self.statuses)}})
        if self.severities:
            found.append({"terms": {"kibana.alert.severity": list(self.severities)}})
        return found

    def es_query(self) -> dict[str, Any]:
        return {"bool": {"filter": [self.window(), *self.clauses()]}}

    def matches(self, source: Mapping[str, Any], status: str) -> bool:
        """Whether an alert with these (unchanging) fields, in `status`, is selected."""
        return (
            self.since <= source["@timestamp"] <= self.until
            and (not self.statuses or status in self.statuses)
            and (not self.severities or source["kibana.alert.severity"] in self.severities)
        )


@dataclass(frozen=True, slots=True)
class Request:
    """One planned request. `word` is the requested status in the request's own dialect."""

    number: int
    kind: Kind
    word: str = ""
    keys: tuple[str, ...] = ()  # ids as sent: `_id`s (Kibana, tags), UUIDs or `_id`s (dialects)
    query: QuerySpec | None = None
    reason: str | None = None
    false_positive: bool = False  # UTMStack's addFalsePositiveTag
    skip_unchanged: bool | None = None  # None: the service's setting (Kibana's counting here)
    conflicts: str | None = None  # None: `abort`, Elasticsearch's default
    tags_to_add: tuple[str, ...] = ()
    tags_to_remove: tuple[str, ...] = ()
    note: str | None = None

    @property
    def request_id(self) -> str:
        return f"oracle-{self.number}"

    @property
    def changes_status(self) -> bool:
        return self.kind is not Kind.TAGS

    @property
    def skips_unchanged(self) -> bool:
        return bool(self.skip_unchanged)

    @property
    def target(self) -> State:
        """What the request writes into an alert it changes."""
        match self.kind:
            case Kind.KIBANA_IDS | Kind.KIBANA_QUERY | Kind.CLI:
                return State(self.word, self.reason)
            case Kind.UTMSTACK:
                code = int(self.word)
                if code == 5:
                    return State("closed", FP_REASON if self.false_positive else None)
                return State("open" if code == 2 else "in-progress")
            case Kind.CHAD_PATCH | Kind.CHAD_BULK:
                return {
                    "new": State("open"),
                    "acknowledged": State("acknowledged"),
                    "resolved": State("closed"),
                    "false_positive": State("closed", FP_REASON),
                }[self.word]
        raise ValueError(f"{self.kind} writes no status")

    def verdict(self, state: State, fp_tag: bool) -> Verdict:
        """What this request does to an alert in `state` (with or without the FP tag)."""
        model = state.model(fp_tag)
        match self.kind:
            case Kind.KIBANA_IDS | Kind.KIBANA_QUERY | Kind.CLI:  # Kibana compares statuses only
                same = state.status == self.word
                return Verdict.UNCHANGED if same else Verdict.CHANGE
            case Kind.UTMSTACK:
                same = UTMSTACK_CODE[model] == int(self.word)
                return Verdict.UNCHANGED if same else Verdict.CHANGE
            case Kind.CHAD_PATCH | Kind.CHAD_BULK:
                current = CHAD_WORD[model]
                if current == self.word:
                    return Verdict.UNCHANGED
                allowed = current in CHAD_REACHABLE_FROM[self.word]
                return Verdict.CHANGE if allowed else Verdict.FORBIDDEN
        raise ValueError(f"{self.kind} writes no status")

    def http(self, space: str) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
        """Method, path, query-string parameters and JSON body."""
        kibana = f"/s/{space}/api/detection_engine/signals"
        params: dict[str, Any] = {}
        if self.skip_unchanged is not None:
            params["skip_unchanged"] = str(self.skip_unchanged).lower()
        match self.kind:
            case Kind.KIBANA_IDS | Kind.KIBANA_QUERY:
                body: dict[str, Any] = {"status": self.word}
                if self.query is not None:
                    body["query"] = self.query.es_query()
                else:
                    body["signal_ids"] = list(self.keys)
                if self.reason is not None:
                    body["reason"] = self.reason
                if self.conflicts is not None:
                    body["conflicts"] = self.conflicts
                return "POST", f"{kibana}/status", params, body
            case Kind.UTMSTACK:
                body = {
                    "alertIds": list(self.keys),
                    "status": int(self.word),
                    "addFalsePositiveTag": self.false_positive,
                }
                if self.note is not None:
                    body["statusObservation"] = self.note
                return "POST", "/api/utm-alerts/status", {}, body
            case Kind.CHAD_PATCH:
                body = {"status": self.word, "comment": self.note}
                return "PATCH", f"/api/alerts/{self.keys[0]}", {}, body
            case Kind.CHAD_BULK:
                body = {"ids": list(self.keys), "status": self.word, "comment": self.note}
                return "POST", "/api/alerts/bulk/status", {}, body
            case Kind.TAGS:
                tags = {
                    "tags_to_add": list(self.tags_to_add),
                    "tags_to_remove": list(self.tags_to_remove),
                }
                return "POST", f"{kibana}/tags", {}, {"ids": list(self.keys), "tags": tags}
        raise ValueError(f"{self.kind} is not an HTTP request")

    def cli_arguments(self, space: str, query_file: str | None) -> list[str]:
        """`alertstatus close ...`; the status and severity filters go in `query_file`."""
        assert self.query is not None
        arguments = ["close", "--space", space, "--status", self.word, "--yes"]
        arguments += ["--since", self.query.since, "--until", self.query.until]
        if self.reason is not None:
            arguments += ["--reason", self.reason]
        if query_file is not None:
            arguments += ["--query-file", query_file]
        if self.skip_unchanged is False:
            arguments.append("--no-skip-unchanged")
        return arguments

    def cli_file_query(self) -> dict[str, Any] | None:
        assert self.query is not None
        clauses = self.query.clauses()
        return {"bool": {"filter": clauses}} if clauses else None

    def describe(self) -> str:
        what = f"#{self.number} {self.kind}"
        if self.kind is Kind.TAGS:
            return f"{what} +{list(self.tags_to_add)} -{list(self.tags_to_remove)}"
        return f"{what} -> {self.word}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the workers may send: HTTP requests in order, and the CLI runs."""

    http: tuple[Request, ...]
    cli: tuple[Request, ...]


@dataclass
class Planner:
    """Draws requests from one seeded generator over a small pool of alerts: a hot few take
    most of the traffic, so requests overlap on the same alerts all the time."""

    rng: random.Random
    alerts: Sequence[Alert]
    hot: int = 10
    numbers: int = 0
    kinds: dict[Kind, int] = field(
        default_factory=lambda: {
            Kind.KIBANA_IDS: 22,
            Kind.KIBANA_QUERY: 14,
            Kind.UTMSTACK: 16,
            Kind.CHAD_PATCH: 18,
            Kind.CHAD_BULK: 12,
            Kind.TAGS: 12,
        }
    )

    def plan(self, http_count: int, cli_count: int) -> Plan:
        kinds, weights = zip(*self.kinds.items(), strict=True)
        http = tuple(
            self.request(kind) for kind in self.rng.choices(kinds, weights=weights, k=http_count)
        )
        return Plan(http, tuple(self.cli_request() for _ in range(cli_count)))

    def _next(self) -> int:
        self.numbers += 1
        return self.numbers

    def pick(self, most: int) -> list[Alert]:
        pool = self.alerts[: self.hot] if self.rng.random() < 0.75 else self.alerts
        return self.rng.sample(list(pool), self.rng.randint(1, min(most, len(pool))))

    def keys(self, alerts: list[Alert], *, uuids: float) -> tuple[str, ...]:
        return tuple(alert.uuid if self.rng.random() < uuids else alert.id for alert in alerts)

    def query(self, *, span: int = 0, besides: str | None = None) -> QuerySpec:
        """A window over at least `span` + 1 alerts; a status filter, if any, without `besides`."""
        stamps = sorted(alert.timestamp for alert in self.alerts)
        first = self.rng.randrange(len(stamps) - span)
        last = min(len(stamps) - 1, first + self.rng.randint(span, len(stamps) // 2))
        statuses: tuple[str, ...] = ()
        if self.rng.random() < 0.5:
            others = [status for status in KIBANA_STATUSES if status != besides]
            statuses = tuple(self.rng.sample(others, self.rng.randint(1, 3)))
        severities: tuple[str, ...] = ()
        if self.rng.random() < 0.25:
            severities = tuple(self.rng.sample(SEVERITIES, 2))
        return QuerySpec(stamps[first], stamps[last], statuses, severities)

    def kibana_word(self) -> tuple[str, str | None]:
        word = self.rng.choice(KIBANA_STATUSES)
        if word == "closed" and self.rng.random() < 0.7:
            return word, self.rng.choice(CLOSE_REASONS)
        return word, None

    def note(self) -> str | None:
        return f"note {self.rng.randrange(1000)}" if self.rng.random() < 0.5 else None

    def request(self, kind: Kind) -> Request:
        number = self._next()
        match kind:
            case Kind.KIBANA_IDS | Kind.KIBANA_QUERY:
                word, reason = self.kibana_word()
                return Request(
                    number,
                    kind,
                    word,
                    keys=self.keys(self.pick(8), uuids=0) if kind is Kind.KIBANA_IDS else (),
                    query=self.query() if kind is Kind.KIBANA_QUERY else None,
                    reason=reason,
                    skip_unchanged=self.rng.choice((None, True)),
                    conflicts=self.rng.choice((None, "proceed")),
                )
            case Kind.UTMSTACK:
                code = self.rng.choice(UTMSTACK_CODES)
                return Request(
                    number,
                    kind,
                    str(code),
                    keys=self.keys(self.pick(6), uuids=1),  # UTMStack names alerts by UUID
                    false_positive=self.rng.random() < (0.4 if code == 5 else 0.15),
                    note=self.note(),
                )
            case Kind.CHAD_PATCH | Kind.CHAD_BULK:
                alerts = self.pick(1 if kind is Kind.CHAD_PATCH else 6)
                return Request(
                    number,
                    kind,
                    self.rng.choice(CHAD_WORDS),
                    keys=self.keys(alerts, uuids=0.5),
                    note=self.note(),
                )
            case Kind.TAGS:
                add = self.rng.sample(OTHER_TAGS, self.rng.randint(0, 2))
                remove = [tag for tag in OTHER_TAGS if tag not in add and self.rng.random() < 0.4]
                if not add and not remove:
                    remove = [self.rng.choice(OTHER_TAGS)]
                return Request(
                    number,
                    kind,
                    keys=self.keys(self.pick(8), uuids=0),
                    tags_to_add=tuple(add),
                    tags_to_remove=tuple(remove),
                )
        raise ValueError(kind)

    def cli_request(self) -> Request:
        """A wide window whose status filter, if any, selects alerts the run will change."""
        word, reason = self.kibana_word()
        number = self._next()
        query = self.query(span=len(self.alerts) // 3, besides=word)
        # A CLI run's record carries no request id: its window, moved earlier by its own number
        # of milliseconds (alerts are minutes apart), tells it from every other run's.
        since = datetime.fromisoformat(query.since) - timedelta(milliseconds=number)
        since_text = since.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return Request(
            number,
            Kind.CLI,
            word,
            query=replace(query, since=since_text),
            reason=reason,
            skip_unchanged=self.rng.choice((True, False)),
        )
