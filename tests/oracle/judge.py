"""The concurrency oracle's judge: is what the cluster holds after a concurrent run explained by
one serial order of the requests that were answered?

Pure and deterministic: it reads the alerts before and after, the change records, and every
request with its answer and the monotonic times it was sent and answered, and returns what cannot
be explained, in words (docs/reliability.md, "Concurrency oracle", describes each check):

1. answers: each request answered as its dialect may (no 5xx, no hang);
2. records: every change record belongs to exactly one request sent, says what it asked, and
   every status request that was answered left one;
3. replay: each alert's history entries, in order, form an unbroken chain from its state before
   the run, each made by a request that selected the alert in that state and was allowed to
   change it (CHAD's transitions, UTMStack's and Kibana's "already there"); the final status,
   reason, user and time are the last entry's; every other field is as before; no entry is
   doubled or points at no request;
4. counts: each request's answer (Elasticsearch's counts, the CLI's summary, CHAD's body, the
   dialect record's per-alert results) agrees with the entries it left;
5. placements: what a request saw without changing an alert ("already there", "forbidden") was
   true of that alert at some moment while the request ran;
6. tags: every final tag is explained by a tag request (or UTMStack's false-positive flag);
7. one serial order: the relation "A changed the alert right before B" over all alerts, plus
   "A was answered before B was sent", has no cycle; a Kibana-like request (one snapshot) is one
   point of that order, a UTMStack or CHAD request one point per alert (see `check_serial_order`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.oracle.requests import (
    CHAD_WORD,
    DIALECTS,
    FP_TAG,
    KIBANA_LIKE,
    OTHER_TAGS,
    Kind,
    Request,
    State,
    Verdict,
)

STATUS = "kibana.alert.workflow_status"
REASON = "kibana.alert.workflow_reason"
USER = "kibana.alert.workflow_user"
UPDATED_AT = "kibana.alert.workflow_status_updated_at"
TAGS = "kibana.alert.workflow_tags"
HISTORY = "alertstatus.history"
WORKFLOW_FIELDS = frozenset({STATUS, REASON, USER, UPDATED_AT, TAGS, HISTORY})

# What each kind may answer: anything else (a 5xx, a 404 for an alert that exists) is a defect.
ANSWERS: dict[Kind, frozenset[int]] = {
    Kind.KIBANA_IDS: frozenset({200, 409}),  # 409: a version conflict with conflicts=abort
    Kind.KIBANA_QUERY: frozenset({200, 409}),
    Kind.UTMSTACK: frozenset({200}),
    Kind.CHAD_PATCH: frozenset({200, 409}),  # 409: a forbidden transition
    Kind.CHAD_BULK: frozenset({200}),
    Kind.TAGS: frozenset({200, 409}),  # tags always abort on a conflict, as Kibana's
    Kind.CLI: frozenset({0}),
}
RECORD_DIALECT = {
    Kind.KIBANA_IDS: "kibana",
    Kind.KIBANA_QUERY: "kibana",
    Kind.UTMSTACK: "utmstack",
    Kind.CHAD_PATCH: "chad",
    Kind.CHAD_BULK: "chad",
    Kind.CLI: "cli",
}
CLI_DONE = re.compile(r"done: total (\d+), updated (\d+), noops (\d+), version_conflicts (\d+)")

Predicate = Callable[[State, bool], bool]  # (state, FP tag present) -> holds


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request as sent, its answer (HTTP status or CLI exit code, body or CLI output), and the
    monotonic times it was sent and answered."""

    request: Request
    sent_at: float
    answered_at: float
    status: int
    body: Any

    @property
    def number(self) -> int:
        return self.request.number

    def answered_before(self, other: Exchange) -> bool:
        return self.answered_at < other.sent_at

    def describe(self) -> str:
        return f"{self.request.describe()} [answered {self.status}]"


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything the judge reads, collected after the run."""

    space: str
    before: Mapping[str, Mapping[str, Any]]  # `_id` -> `_source`, before the run
    after: Mapping[str, Mapping[str, Any]]
    records: Mapping[str, Mapping[str, Any]]  # change record id -> its document (this space's)
    exchanges: Sequence[Exchange]
    cli_queries: Mapping[int, Any] = field(default_factory=dict)  # CLI run -> its record's query


@dataclass(frozen=True, slots=True)
class Step:
    """One history entry of an alert, replayed: who made it and the state it left."""

    exchange: Exchange
    state: State


def history_entries(source: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """`(record id, from status, from reason)` per line of the alert's history, oldest first
    (docs/dialects.md, "Status history": `<record id> <from>[ <from reason>]`, percent-encoded)."""
    stored = source.get(HISTORY)
    if not stored:
        return []
    entries = []
    for line in str(stored).split("\n"):
        record_id, *values = line.split(" ")
        decoded: list[str | None] = [unquote(value) for value in values]
        decoded += [None, None]
        entries.append((record_id, decoded[0], decoded[1]))
    return entries


def state_of(source: Mapping[str, Any]) -> State:
    return State(source.get(STATUS) or "open", source.get(REASON))


CLI_NOTHING_TO_DO = "nothing to do"


def sent_no_change(exchange: Exchange) -> bool:
    """The CLI counts its selection first; finding no alert, it sends no change and records none
    (cli/status_changes.py). Any entry naming such a run is still a stray (checked elsewhere)."""
    if exchange.request.kind is not Kind.CLI:
        return False
    return CLI_NOTHING_TO_DO in str((exchange.body or {}).get("stdout", "")).splitlines()


def update_counts(exchange: Exchange) -> dict[str, int] | None:
    """Elasticsearch's `_update_by_query` counts of a Kibana-like answer, when it has them."""
    body = exchange.body
    if exchange.request.kind is Kind.CLI:
        found = CLI_DONE.search(str((body or {}).get("stdout", "")))
        if not found:
            return None
        total, updated, noops, conflicts = (int(value) for value in found.groups())
        return {
            "total": total,
            "updated": updated,
            "noops": noops,
            "version_conflicts": conflicts,
        }
    if isinstance(body, dict) and isinstance(body.get("message"), str):  # Kibana's 409
        try:
            body = json.loads(body["message"])
        except ValueError:
            return None
    return body if isinstance(body, dict) and "updated" in body else None


class Judge:
    """Runs every check once; `violations` lists what the run cannot explain."""

    def __init__(self, observation: Observation) -> None:
        self.o = observation
        self.violations: list[str] = []
        self.ids = {alert_id: alert_id for alert_id in observation.before}
        for alert_id, source in observation.before.items():
            if source.get("kibana.alert.uuid"):
                self.ids[source["kibana.alert.uuid"]] = alert_id
        self.record_of: dict[int, str] = {}
        self.exchange_of: dict[str, Exchange] = {}
        self.timelines: dict[str, list[Step]] = {}
        self.broken: set[str] = set()  # alerts whose history could not be replayed
        self.changed: dict[int, set[str]] = defaultdict(set)  # request -> alerts it changed
        self.fp_possible = {alert_id: self._fp_possible(alert_id) for alert_id in self.o.before}

    # --- the checks, in order -------------------------------------------------------------------

    def run(self) -> list[str]:
        self.check_answers()
        self.match_records()
        for alert_id in sorted(self.o.before):
            self.replay(alert_id)
        self.check_counts()
        self.check_placements()
        self.check_tags()
        self.check_serial_order()
        return self.violations

    def fail(self, text: str) -> None:
        self.violations.append(text)

    def check_answers(self) -> None:
        if set(self.o.after) != set(self.o.before):
            self.fail(f"alerts appeared or vanished: {set(self.o.after) ^ set(self.o.before)}")
        for exchange in self.o.exchanges:
            request = exchange.request
            if exchange.status not in ANSWERS[request.kind]:
                self.fail(f"{exchange.describe()}: not an allowed answer: {exchange.body!r:.400}")
            elif (
                request.kind in (Kind.KIBANA_IDS, Kind.KIBANA_QUERY)
                and exchange.status == 409
                and request.conflicts == "proceed"
            ):
                self.fail(f"{exchange.describe()}: 409 although conflicts=proceed")

    def match_records(self) -> None:
        """Each change record to the one request that wrote it: HTTP requests by request id, CLI
        runs by the query they carry."""
        by_request_id = {
            e.request.request_id: e for e in self.o.exchanges if e.request.kind is not Kind.CLI
        }
        by_query = {
            json.dumps(query, sort_keys=True): self._by_number(number)
            for number, query in self.o.cli_queries.items()
        }
        if len(by_query) != len(self.o.cli_queries):
            self.fail("two CLI runs carry the same query: their records cannot be told apart")
        for record_id, record in sorted(self.o.records.items()):
            if record.get("dialect") == "cli":
                selection = (record.get("selection") or {}).get("query")
                exchange = by_query.get(json.dumps(selection, sort_keys=True))
            else:
                exchange = by_request_id.get(str(record.get("request_id")))
            if exchange is None:
                self.fail(
                    f"change record {record_id} ({record.get('dialect')}, request id "
                    f"{record.get('request_id')}) belongs to no request sent"
                )
                continue
            request = exchange.request
            if request.number in self.record_of:
                self.fail(
                    f"{exchange.describe()} has two change records: "
                    f"{self.record_of[request.number]} and {record_id}"
                )
                continue
            self.record_of[request.number] = record_id
            self.exchange_of[record_id] = exchange
            target = {"status": request.target.status, "reason": request.target.reason}
            if record.get("target") != target:
                self.fail(
                    f"record {record_id} of {exchange.describe()} says {record.get('target')}"
                )
            if record.get("dialect") != RECORD_DIALECT[request.kind]:
                self.fail(f"record {record_id} of {exchange.describe()}: {record.get('dialect')}")
        for exchange in self.o.exchanges:
            request = exchange.request
            answered = exchange.status in ANSWERS[request.kind]
            unrecorded = request.number not in self.record_of and not sent_no_change(exchange)
            if request.changes_status and answered and unrecorded:
                self.fail(f"{exchange.describe()} left no change record")

    def replay(self, alert_id: str) -> None:
        """Replay the alert's entries from its state before the run (check 3)."""
        before, after = self.o.before[alert_id], self.o.after.get(alert_id, {})
        state = state_of(before)
        steps: list[Step] = []
        seen: set[str] = set()
        for record_id, from_status, from_reason in history_entries(after):
            exchange = self.exchange_of.get(record_id)
            if record_id in seen:
                self.fail(f"alert {alert_id}: the entry of record {record_id} is doubled")
                self.broken.add(alert_id)
                continue
            seen.add(record_id)
            if exchange is None:
                self.fail(f"alert {alert_id}: entry {record_id} points at no request's record")
                self.broken.add(alert_id)
                return
            request = exchange.request
            if (from_status, from_reason) != (state.status, state.reason):
                self.fail(
                    f"alert {alert_id}: {exchange.describe()} left "
                    f"{State(from_status or '', from_reason)} but the replay stands at {state} "
                    "(an entry lost or out of order)"
                )
                self.broken.add(alert_id)
                state = State(from_status or "open", from_reason)
            if not self.selects(request, alert_id, state):
                self.fail(
                    f"alert {alert_id}: changed by {exchange.describe()}, not selected in {state}"
                )
            verdicts = {request.verdict(state, fp) for fp in self.fp_possible[alert_id]}
            if verdicts != {Verdict.CHANGE}:
                what = "forbidden transition" if Verdict.FORBIDDEN in verdicts else "no change due"
                self.fail(
                    f"alert {alert_id}: {exchange.describe()} moved it from {state} "
                    f"to {request.target}: {what} ({', '.join(sorted(verdicts))})"
                )
            state = request.target
            self.changed[request.number].add(alert_id)
            steps.append(Step(exchange, state))
        self.timelines[alert_id] = steps
        self._check_final(alert_id, state, steps)

    def _check_final(self, alert_id: str, state: State, steps: list[Step]) -> None:
        before, after = self.o.before[alert_id], self.o.after.get(alert_id, {})
        if state_of(after) != state:
            self.fail(f"alert {alert_id} ends {state_of(after)}, its history says {state}")
        if steps:
            record = self.o.records[self.record_of[steps[-1].exchange.number]]
            expected = (record.get("actor"), record.get("@timestamp"))
        else:
            expected = (before.get(USER), before.get(UPDATED_AT))
        if (after.get(USER), after.get(UPDATED_AT)) != expected:
            self.fail(
                f"alert {alert_id}: user and time {(after.get(USER), after.get(UPDATED_AT))}, "
                f"its last change says {expected}"
            )
        others = {key for key in set(before) | set(after) if key not in WORKFLOW_FIELDS}
        changed = sorted(key for key in others if before.get(key) != after.get(key))
        if changed:
            self.fail(f"alert {alert_id}: fields beyond the workflow changed: {changed}")

    def selects(self, request: Request, alert_id: str, state: State) -> bool:
        if request.query is not None:
            return request.query.matches(self.o.before[alert_id], state.status)
        return alert_id in {self.ids.get(key) for key in request.keys}

    def check_counts(self) -> None:
        """What each request answered agrees with the entries it left (check 4)."""
        for exchange in self.o.exchanges:
            request = exchange.request
            if request.number not in self.record_of:
                continue
            entries = len(self.changed[request.number])
            if request.kind in KIBANA_LIKE:
                self._check_update_counts(exchange, entries)
            elif request.kind in DIALECTS:
                self._check_dialect_results(exchange)

    def _check_update_counts(self, exchange: Exchange, entries: int) -> None:
        request = exchange.request
        counts = update_counts(exchange)
        if counts is None:
            if exchange.status in (0, 200):
                self.fail(f"{exchange.describe()}: no counts in {exchange.body!r:.300}")
            return
        updated = counts["updated"]
        if request.skips_unchanged and entries != updated:
            self.fail(
                f"{exchange.describe()}: updated {updated}, but {entries} entries point at it"
            )
        if not request.skips_unchanged and entries > updated:
            self.fail(
                f"{exchange.describe()}: updated {updated} < {entries} entries pointing at it"
            )
        if exchange.status in (0, 200):
            parts = counts["updated"] + counts.get("noops", 0) + counts["version_conflicts"]
            if counts["total"] != parts or counts.get("failures"):
                self.fail(f"{exchange.describe()}: counts do not add up: {counts}")
            if request.kind is Kind.KIBANA_IDS and counts["total"] != len(self.selected(request)):
                self.fail(f"{exchange.describe()}: total {counts['total']} of {len(request.keys)}")
            if not request.skips_unchanged and counts.get("noops"):
                self.fail(f"{exchange.describe()}: noops under Kibana's counting: {counts}")

    def results(self, exchange: Exchange) -> dict[str, set[str]]:
        """A dialect record's per-alert results, keys resolved to `_id`s."""
        record = self.o.records[self.record_of[exchange.number]]
        found = record.get("results") or {}
        return {
            result: {self.ids.get(key, key) for key in found.get(result) or ()}
            for result in ("updated", "unchanged", "forbidden", "not_found", "failed")
        }

    def _check_dialect_results(self, exchange: Exchange) -> None:
        request = exchange.request
        record = self.o.records[self.record_of[exchange.number]]
        if "results" not in record:
            record_id = self.record_of[exchange.number]
            self.fail(f"{exchange.describe()}: its record {record_id} has no results")
            return
        results = self.results(exchange)
        changed = self.changed[request.number]
        if results["not_found"] or results["failed"]:
            self.fail(f"{exchange.describe()}: alerts not found or failed: {results}")
        if request.kind is Kind.UTMSTACK and results["forbidden"]:
            self.fail(f"{exchange.describe()}: UTMStack refused {results['forbidden']}")
        tag_only = request.kind is Kind.UTMSTACK and request.false_positive
        if not changed <= results["updated"] or (not tag_only and changed != results["updated"]):
            self.fail(
                f"{exchange.describe()}: its record says updated {sorted(results['updated'])}, "
                f"entries point at it on {sorted(changed)}"
            )
        reached = results["updated"] | results["unchanged"]
        if reached | results["forbidden"] != self.selected(request):
            self.fail(f"{exchange.describe()}: results {results} do not cover its alerts")
        if request.kind is Kind.CHAD_BULK and exchange.status == 200:
            body = exchange.body
            failed = {self.ids.get(item["id"]) for item in body.get("failed", [])}
            if body.get("updated") != len(reached) or failed != results["forbidden"]:
                self.fail(f"{exchange.describe()}: answered {body}, its record says {results}")
        if request.kind is Kind.CHAD_PATCH:
            (alert_id,) = self.selected(request)
            # the alert as CHAD reads it after the change: the word asked for, except that a
            # `resolved` alert still carrying UTMStack's FP tag reads `false_positive`
            readings = {CHAD_WORD[request.target.model(fp)] for fp in self.fp_possible[alert_id]}
            if exchange.status == 200 and (
                exchange.body.get("status") not in readings or alert_id not in reached
            ):
                self.fail(f"{exchange.describe()}: answered {exchange.body}, record {results}")
            if exchange.status == 409 and alert_id not in results["forbidden"]:
                self.fail(f"{exchange.describe()}: refused, but its record says {results}")

    def selected(self, request: Request) -> set[str]:
        return {self.ids[key] for key in request.keys if key in self.ids}

    def check_placements(self) -> None:
        """What a request saw of an alert it did not change held at some moment while it ran,
        on the alert's replayed timeline (check 5)."""
        for exchange in self.o.exchanges:
            request = exchange.request
            if request.number not in self.record_of:
                continue
            for alert_id, predicate, seen in self.sightings(exchange):
                if alert_id in self.broken:
                    continue
                if not self.held_while_running(alert_id, exchange, predicate):
                    states = [str(state_of(self.o.before[alert_id]))] + [
                        f"{step.state} by #{step.exchange.number}"
                        for step in self.timelines[alert_id]
                    ]
                    self.fail(
                        f"{exchange.describe()} saw alert {alert_id} {seen}, which it never was "
                        f"while the request ran; its states: {states}"
                    )

    def sightings(self, exchange: Exchange) -> list[tuple[str, Predicate, str]]:
        """(alert, what held, in words) for each alert the request saw but did not change."""
        request = exchange.request
        changed = self.changed[request.number]
        target = request.target
        found: list[tuple[str, Predicate, str]] = []
        if request.kind in KIBANA_LIKE:
            counts = update_counts(exchange)
            if exchange.status not in (0, 200) or not counts or counts["version_conflicts"]:
                return []  # which alerts conflicted is not known
            query = request.query
            if query is None:
                for alert_id in sorted(self.selected(request) - changed):
                    found.append(
                        (alert_id, lambda s, _: s.status == target.status, f"in {target.status}")
                    )
                return found
            for alert_id in sorted(set(self.o.before) - changed):
                source = self.o.before[alert_id]
                found.append(
                    (
                        alert_id,
                        lambda s, _, source=source: (
                            not query.matches(source, s.status) or s.status == target.status
                        ),
                        f"outside its query or in {target.status}",
                    )
                )
            return found
        results = self.results(exchange)
        for alert_id in sorted(results["unchanged"] | (results["updated"] - changed)):
            found.append(
                (
                    alert_id,
                    lambda s, fp: request.verdict(s, fp) is Verdict.UNCHANGED,
                    "already there",
                )
            )
        for alert_id in sorted(results["forbidden"]):
            found.append(
                (
                    alert_id,
                    lambda s, fp: request.verdict(s, fp) is Verdict.FORBIDDEN,
                    "in a state it may not leave for this target",
                )
            )
        return found

    def held_while_running(self, alert_id: str, exchange: Exchange, predicate: Predicate) -> bool:
        """Whether some state of the alert, possibly current while `exchange` ran, satisfies it.

        State k holds from step k's write (inside its request's window) to step k+1's, so it may
        be current during `exchange` unless step k began after `exchange` was answered, or step
        k+1 was answered before `exchange` was sent."""
        steps = self.timelines.get(alert_id, [])
        states = [state_of(self.o.before[alert_id])] + [step.state for step in steps]
        for k, state in enumerate(states):
            if k > 0 and steps[k - 1].exchange.sent_at >= exchange.answered_at:
                break
            if k < len(steps) and steps[k].exchange.answered_before(exchange):
                continue
            if any(predicate(state, fp) for fp in self.fp_possible[alert_id]):
                return True
        return False

    def _fp_possible(self, alert_id: str) -> tuple[bool, ...]:
        """Whether UTMStack's FP tag may be on the alert mid-run: it is only ever added (by a
        false-positive UTMStack request) and never removed, so its ends bound it."""
        if FP_TAG in (self.o.before[alert_id].get(TAGS) or ()):
            return (True,)
        if FP_TAG not in (self.o.after.get(alert_id, {}).get(TAGS) or ()):
            return (False,)
        return (False, True)

    def check_tags(self) -> None:
        """Final tags explained by the requests that add and remove them (check 6)."""
        flagged = set()
        for exchange in self.o.exchanges:
            request = exchange.request
            fp_request = request.kind is Kind.UTMSTACK and request.false_positive
            if fp_request and request.number in self.record_of:
                results = self.results(exchange)
                flagged |= results["updated"] | results["unchanged"]
        for alert_id in sorted(self.o.before):
            before = list(self.o.before[alert_id].get(TAGS) or ())
            after = list(self.o.after.get(alert_id, {}).get(TAGS) or ())
            if len(after) != len(set(after)):
                self.fail(f"alert {alert_id}: a tag is doubled: {after}")
            expected_fp = FP_TAG in before or alert_id in flagged
            if (FP_TAG in after) != expected_fp:
                self.fail(f"alert {alert_id}: FP tag {FP_TAG in after}, expected {expected_fp}")
            for tag in OTHER_TAGS:
                self._check_tag(alert_id, tag, tag in before, tag in after)

    def _check_tag(self, alert_id: str, tag: str, at_start: bool, at_end: bool) -> None:
        edits = [
            e
            for e in self.o.exchanges
            if e.request.kind is Kind.TAGS and alert_id in self.selected(e.request)
        ]
        adders = [e for e in edits if tag in e.request.tags_to_add]
        removers = [e for e in edits if tag in e.request.tags_to_remove]
        if at_end and not at_start and not adders:
            self.fail(f"alert {alert_id}: tag {tag!r} appeared, no request added it")
        if not at_end and at_start and not removers:
            self.fail(f"alert {alert_id}: tag {tag!r} vanished, no request removed it")
        # A request answered 200 surely applied; its edit can only be undone by one that could
        # have come after it.
        for done, undoers, present in ((adders, removers, False), (removers, adders, True)):
            for exchange in (e for e in done if e.status == 200):
                if at_end == present and not any(
                    not undoer.answered_before(exchange) for undoer in undoers
                ):
                    self.fail(
                        f"alert {alert_id}: tag {tag!r} {'present' if at_end else 'gone'} after "
                        f"{exchange.describe()}, and nothing later undid it"
                    )

    def check_serial_order(self) -> None:
        """One serial order consistent with every alert's order and with real time (check 7).

        What is ordered is each request's *action*: a Kibana-like request (one
        `_update_by_query`: a snapshot, then writes that each check the alert is unchanged since)
        acts at one point; a UTMStack or CHAD request is one atomic update per alert, each its
        own action (their bulk is applied alert by alert, as the original systems do). Every
        action lies between its request's sending and its answer. A cycle in "right before it on
        an alert" + "inside its request" + "answered before the other was sent" means no serial
        order explains the run. The stricter order, with every request one point, is reported by
        `summary` (docs/reliability.md: concurrent dialect bulks may interleave).
        """
        cycle = self.order_cycle(requests_atomic=False)
        if cycle:
            self.fail(f"no serial order explains the run, a cycle: {cycle}")

    def order_cycle(self, *, requests_atomic: bool) -> str:
        """A cycle of the order constraints, in words, or "" when some serial order fits them."""
        edges: dict[str, dict[str, str]] = defaultdict(dict)

        def action(exchange: Exchange, alert_id: str) -> str:
            if requests_atomic or exchange.request.kind in KIBANA_LIKE:
                return f"#{exchange.number}"
            return f"#{exchange.number}@{alert_id}"

        changing = [e for e in self.o.exchanges if self.changed[e.number]]
        for exchange in changing:
            for alert_id in sorted(self.changed[exchange.number]):
                acted = action(exchange, alert_id)
                edges[f"#{exchange.number}>"].setdefault(acted, "sent before")
                edges[acted].setdefault(f"#{exchange.number}<", "before the answer")
        for alert_id, steps in sorted(self.timelines.items()):
            for first, second in itertools.pairwise(steps):
                edges[action(first.exchange, alert_id)].setdefault(
                    action(second.exchange, alert_id), f"right before it on alert {alert_id}"
                )
        for first in changing:
            for second in changing:
                if first.answered_before(second):
                    edges[f"#{first.number}<"].setdefault(
                        f"#{second.number}>", "answered before it was sent"
                    )
        nodes = set(edges) | {node for following in edges.values() for node in following}
        cycle = find_cycle(nodes, edges)
        return "; ".join(
            f"{a} {edges[a][b]} {b}" for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
        )

    def summary(self) -> dict[str, int]:
        """How much the run exercised, for the test to insist it was not vacuous."""
        kinds: dict[str, int] = defaultdict(int)
        for exchange in self.o.exchanges:
            kinds[f"sent {exchange.request.kind}"] += 1
            kinds[f"entries {exchange.request.kind}"] += len(self.changed[exchange.number])
            chad = exchange.request.kind in (Kind.CHAD_PATCH, Kind.CHAD_BULK)
            if chad and exchange.number in self.record_of:
                kinds["chad forbidden"] += len(self.results(exchange)["forbidden"])
            counts = update_counts(exchange) if exchange.request.kind in KIBANA_LIKE else None
            kinds["version conflicts"] += (counts or {}).get("version_conflicts", 0)
        kinds["cycles with every request one point"] = int(
            bool(self.order_cycle(requests_atomic=True))
        )
        return dict(kinds)

    def _by_number(self, number: int) -> Exchange | None:
        return next((e for e in self.o.exchanges if e.number == number), None)


def find_cycle(nodes: set[str], edges: Mapping[str, Mapping[str, str]]) -> list[str]:
    """A cycle of the directed graph as its nodes in order, or [] when it is acyclic."""
    colour: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(nodes):
        if start in colour:
            continue
        path: list[str] = [start]
        pending = [iter(sorted(edges.get(start, {})))]
        colour[start] = 1
        while pending:
            following = next(pending[-1], None)
            if following is None:
                colour[path.pop()] = 2
                pending.pop()
                continue
            if following not in nodes:
                continue
            if colour.get(following) == 1:
                return path[path.index(following) :]
            if following not in colour:
                colour[following] = 1
                path.append(following)
                pending.append(iter(sorted(edges.get(following, {}))))
    return []


def judge(observation: Observation) -> tuple[list[str], dict[str, int]]:
    """The violations (empty: one serial order explains the run) and what the run exercised."""
    found = Judge(observation)
    return found.run(), found.summary()
