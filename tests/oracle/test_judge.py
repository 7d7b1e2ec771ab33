"""The oracle's judge on hand-made runs (no cluster): it explains a serial run and names each kind
of defect it exists to catch, so a quiet oracle means a sound run, not a blind judge."""

from __future__ import annotations

from typing import Any

from tests.oracle.judge import HISTORY, Exchange, Observation, find_cycle, judge
from tests.oracle.requests import Kind, QuerySpec, Request

AT = "2026-01-01T00:00:00.000Z"


def alert(status: str = "open", reason: str | None = None, **extra: Any) -> dict[str, Any]:
    source = {
        "@timestamp": "2024-11-05T00:00:00.000Z",
        "kibana.alert.severity": "low",
        "kibana.alert.rule.name": "rule",
        "kibana.alert.workflow_status": status,
        "kibana.alert.workflow_tags": [],
        **extra,
    }
    if reason:
        source["kibana.alert.workflow_reason"] = reason
    return source


def changed(
    source: dict[str, Any], status: str, reason: str | None, history: list[str], at: str = AT
) -> dict[str, Any]:
    """The alert after changes, the last one made at `at`, with its history lines."""
    after = {**source, "kibana.alert.workflow_status": status, HISTORY: "\n".join(history)}
    after.pop("kibana.alert.workflow_reason", None)
    if reason:
        after["kibana.alert.workflow_reason"] = reason
    after["kibana.alert.workflow_user"] = None
    after["kibana.alert.workflow_status_updated_at"] = at
    return after


def record(request: Request, at: str = AT, **results: list[str]) -> dict[str, Any]:
    dialect = {"utmstack": "utmstack", "chad-patch": "chad", "chad-bulk": "chad"}
    document = {
        "@timestamp": at,
        "request_id": request.request_id,
        "dialect": dialect.get(request.kind.value, "kibana"),
        "actor": None,
        "target": {"status": request.target.status, "reason": request.target.reason},
    }
    if request.kind in (Kind.UTMSTACK, Kind.CHAD_PATCH, Kind.CHAD_BULK):
        document["results"] = {"updated": [], "unchanged": [], "forbidden": [], **results}
    return document


def counts(updated: int, total: int | None = None) -> dict[str, Any]:
    total = updated if total is None else total
    return {"total": total, "updated": updated, "noops": 0, "version_conflicts": 0, "failures": []}


def run(before, after, records, exchanges) -> list[str]:
    violations, _ = judge(Observation("s", before, after, records, exchanges))
    return violations


def test_a_serial_run_is_explained() -> None:
    before = {"x": alert(), "y": alert("closed", "duplicate")}
    close = Request(1, Kind.KIBANA_IDS, "closed", keys=("x",), reason="duplicate")
    reopen = Request(2, Kind.CHAD_BULK, "new", keys=("x", "y"))
    after = {
        "x": changed(before["x"], "open", None, ["r1 open", "r2 closed duplicate"], "t2"),
        "y": changed(before["y"], "open", None, ["r2 closed duplicate"], "t2"),
    }
    records = {"r1": record(close), "r2": record(reopen, "t2", updated=["x", "y"])}
    exchanges = [
        Exchange(close, 0.0, 1.0, 200, counts(1)),
        Exchange(reopen, 2.0, 3.0, 200, {"updated": 2, "failed": []}),
    ]
    assert run(before, after, records, exchanges) == []


def test_a_lost_entry_a_doubled_entry_and_a_stray_record_are_named() -> None:
    before = {"x": alert(), "y": alert()}
    close = Request(1, Kind.KIBANA_IDS, "closed", keys=("x", "y"), skip_unchanged=True)
    after = {
        "x": changed(before["x"], "closed", None, []),  # changed, no entry: lost
        "y": changed(before["y"], "closed", None, ["r1 open", "r1 open"]),  # doubled
    }
    records = {"r1": record(close), "r9": {**record(close), "request_id": "someone-else"}}
    violations = run(before, after, records, [Exchange(close, 0.0, 1.0, 200, counts(2))])
    text = "\n".join(violations)
    assert "alert x ends closed, its history says open" in text
    assert "the entry of record r1 is doubled" in text
    assert "change record r9 (kibana, request id someone-else) belongs to no request" in text
    assert "updated 2, but 1 entries point at it" in text


def test_a_forbidden_chad_transition_is_named() -> None:
    before = {"x": alert()}
    resolve = Request(1, Kind.CHAD_PATCH, "resolved", keys=("x",))  # new -> resolved: forbidden
    after = {"x": changed(before["x"], "closed", None, ["r1 open"])}
    records = {"r1": record(resolve, updated=["x"])}
    body = {"id": "x", "status": "resolved"}
    violations = run(before, after, records, [Exchange(resolve, 0.0, 1.0, 200, body)])
    assert any("forbidden transition" in text for text in violations), violations


def test_a_refusal_that_never_held_is_named() -> None:
    before = {"x": alert("acknowledged")}
    resolve = Request(1, Kind.CHAD_PATCH, "resolved", keys=("x",))  # allowed from acknowledged
    records = {"r1": record(resolve, forbidden=["x"])}
    violations = run(before, dict(before), records, [Exchange(resolve, 0.0, 1.0, 409, {})])
    assert any("in a state it may not leave" in text for text in violations), violations


def crossed(kind: Kind, first_word: str, second_word: str, windows: tuple[float, ...]):
    """Two requests on x and y, each alert's chain sound, but x says 1 before 2 and y 2 before 1:
    x open -> closed (1) -> in-progress (2), y open -> in-progress (2) -> closed (1)."""
    before = {"x": alert(), "y": alert()}
    first = Request(1, kind, first_word, keys=("x", "y"), skip_unchanged=True)
    second = Request(2, kind, second_word, keys=("x", "y"), skip_unchanged=True)
    after = {
        "x": changed(before["x"], "in-progress", None, ["r1 open", "r2 closed"], "t2"),
        "y": changed(before["y"], "closed", None, ["r2 open", "r1 in-progress"], "t1"),
    }
    dialect = kind is Kind.UTMSTACK
    body = "" if dialect else counts(2)
    results = {"updated": ["x", "y"]} if dialect else {}
    records = {"r1": record(first, "t1", **results), "r2": record(second, "t2", **results)}
    one, two, three, four = windows
    exchanges = [Exchange(first, one, two, 200, body), Exchange(second, three, four, 200, body)]
    return judge(Observation("s", before, after, records, exchanges))


def test_two_snapshot_requests_ordered_both_ways_are_a_cycle() -> None:
    violations, _ = crossed(Kind.KIBANA_IDS, "closed", "in-progress", (0.0, 2.0, 1.0, 3.0))
    assert violations == [
        "no serial order explains the run, a cycle: #1 right before it on alert x #2; "
        "#2 right before it on alert y #1"
    ]


def test_interleaved_dialect_bulks_are_explained_alert_by_alert() -> None:
    """UTMStack and CHAD apply a bulk alert by alert: overlapping, two may cross (the strict
    order, each request one point, has a cycle and says so); one after the other, never."""
    violations, summary = crossed(Kind.UTMSTACK, "5", "3", (0.0, 2.0, 1.0, 3.0))
    assert violations == []
    assert summary["cycles with every request one point"] == 1
    violations, _ = crossed(Kind.UTMSTACK, "5", "3", (0.0, 1.0, 2.0, 3.0))
    assert violations[-1].startswith("no serial order explains the run, a cycle: ")
    assert "#1< answered before it was sent #2>" in violations[-1]


def test_a_field_beyond_the_workflow_changed_is_named() -> None:
    before = {"x": alert()}
    after = {"x": {**before["x"], "kibana.alert.severity": "high"}}
    assert run(before, after, {}, []) == [
        "alert x: fields beyond the workflow changed: ['kibana.alert.severity']"
    ]


def test_find_cycle() -> None:
    assert find_cycle({"a", "b", "c"}, {"a": {"b": ""}, "b": {"c": ""}}) == []
    cycle = {"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}
    assert find_cycle({"a", "b", "c"}, cycle) == ["a", "b", "c"]


def test_a_cli_run_that_found_nothing_needs_no_record_but_one_that_closed_does() -> None:
    before = {"x": alert()}
    window = QuerySpec("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z")
    idle = Request(1, Kind.CLI, "closed", query=window)
    done = Request(2, Kind.CLI, "closed", query=window)
    exchanges = [
        Exchange(idle, 0.0, 1.0, 0, {"stdout": "matching alerts: 0\nnothing to do\n"}),
        Exchange(done, 2.0, 3.0, 0, {"stdout": "done: total 0, updated 0, noops 0, "}),
    ]
    violations = run(before, dict(before), {}, exchanges)
    assert [v for v in violations if "left no change record" in v] == [
        f"{exchanges[1].describe()} left no change record"
    ]
