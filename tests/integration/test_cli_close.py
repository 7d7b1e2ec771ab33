"""`alertstatus close|open|acknowledge` and `tasks` against the real node: data, output, codes."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from alertstatus.cli import app
from alertstatus.engine.indices import alerts_alias
from alertstatus.settings import get_settings
from tests.integration.test_tasks import start_throttled_closure

STATUS = "kibana.alert.workflow_status"
SINCE, UNTIL = "2024-11-10T00:00:00Z", "2024-11-19T23:59:59.999Z"


@pytest.fixture
def runner(es_url: str) -> Iterator[CliRunner]:
    """A CLI runner whose settings point at the test node (settings are cached per process)."""
    get_settings.cache_clear()
    yield CliRunner(env={"ELASTICSEARCH_URL": es_url})
    get_settings.cache_clear()


def in_window(source: dict[str, Any]) -> bool:
    return SINCE[:23] <= source["@timestamp"][:23] <= UNTIL[:23]


def test_close_a_time_range_with_yes(runner, es, seed, space) -> None:
    before = seed(space, 200, closed_ratio=0.2)
    inside = {i for i, s in before.items() if in_window(s)}
    already = {i for i in inside if before[i][STATUS] == "closed"}
    assert 20 < len(inside) < 150 and already

    result = runner.invoke(
        app,
        [
            "close",
            "--space",
            space,
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--reason",
            "false_positive",
            "--yes",
        ],
    )

    assert result.exit_code == 0, result.output
    assert f"{len(inside)} alerts match in space {space}" in result.stdout
    assert (
        f"done: total {len(inside)}, updated {len(inside) - len(already)}, "
        f"noops {len(already)}, version_conflicts 0, took " in result.stdout
    )
    assert f"{len(inside)}/{len(inside)}" in result.stderr  # the progress bar's last frame
    assert "task " in result.stderr and " started (cli:" in result.stderr
    after = es.sources(alerts_alias(space))
    for alert_id, source in after.items():
        if alert_id in inside and alert_id not in already:
            assert source[STATUS] == "closed"
            assert source["kibana.alert.workflow_reason"] == "false_positive"
            assert source["kibana.alert.workflow_user"] == f"cli:{getpass.getuser()}"
            [entry] = es.history(source)
            assert (entry["from"], entry["to"], entry["reason"]) == (
                "open",
                "closed",
                "false_positive",
            )
            assert (entry["actor"], entry["dialect"]) == (f"cli:{getpass.getuser()}", "cli")
        else:
            assert source == before[alert_id]  # outside the window, or a noop: untouched


def test_no_skip_unchanged_counts_as_kibana_does(runner, es, seed, space) -> None:
    """The CLI skips unchanged alerts by default (above); `--no-skip-unchanged` rewrites them and
    counts them as updated, Kibana's counting (docs/dialects.md, "Counting")."""
    before = seed(space, 120, closed_ratio=0.3)
    inside = {i for i, s in before.items() if in_window(s)}
    already = {i for i in inside if before[i][STATUS] == "closed"}
    assert already and len(already) < len(inside)
    args = ["close", "--space", space, "--since", SINCE, "--until", UNTIL, "--yes"]

    result = runner.invoke(app, [*args, "--no-skip-unchanged"])

    assert result.exit_code == 0, result.output
    assert (
        f"done: total {len(inside)}, updated {len(inside)}, noops 0, version_conflicts 0"
        in result.stdout
    )
    after = es.sources(alerts_alias(space))
    for alert_id in already:  # rewritten, but their workflow fields are as they were
        assert after[alert_id] == before[alert_id]


def test_dry_run_prints_count_and_request_and_changes_nothing(runner, es, seed, space) -> None:
    before = seed(space, 80)
    inside = sum(in_window(s) for s in before.values())

    result = runner.invoke(
        app, ["close", "--space", space, "--since", SINCE, "--until", UNTIL, "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    first, *request, last = result.stdout.strip().splitlines()
    assert first.startswith(f"{inside} alerts match in space {space} (from 2024-11-10T00:00")
    assert last == "dry run: nothing changed"
    printed = orjson.loads("\n".join(request))
    assert printed["index"] == alerts_alias(space)
    assert printed["params"]["conflicts"] == "proceed"
    assert printed["body"]["script"]["params"]["status"] == "closed"
    assert printed["body"]["script"]["params"]["skip_unchanged"] is True  # the CLI's default
    time_range = printed["body"]["query"]["bool"]["filter"]["bool"]["filter"][0]["range"]
    assert time_range["@timestamp"]["gte"] == "2024-11-10T00:00:00.000Z"
    counted = es.call("POST", f"/{alerts_alias(space)}/_count", {"query": printed["body"]["query"]})
    assert counted["count"] == inside  # the printed query is the one counted
    assert es.sources(alerts_alias(space)) == before


def test_without_yes_it_asks_and_refuses_without_an_answer(runner, es, seed, space) -> None:
    before = seed(space, 40)
    args = ["close", "--space", space, "--since", SINCE, "--until", UNTIL]

    no_input = runner.invoke(app, args)
    declined = runner.invoke(app, args, input="n\n")

    for result in (no_input, declined):
        assert result.exit_code == 3, result.output
        assert "not confirmed: nothing changed" in result.stderr
    assert "pass --yes" in no_input.stderr
    assert es.sources(alerts_alias(space)) == before

    confirmed = runner.invoke(app, args, input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "done: total" in confirmed.stdout
    after = es.sources(alerts_alias(space))
    assert {i for i, s in after.items() if s[STATUS] == "closed"} == {
        i for i, s in before.items() if in_window(s)
    }


def test_rule_and_open_and_acknowledge(runner, es, seed, space, tmp_path) -> None:
    before = seed(space, 60)
    rule = next(iter(before.values()))["kibana.alert.rule.name"]
    uuid = next(iter(before.values()))["kibana.alert.rule.uuid"]
    of_rule = {i for i, s in before.items() if s["kibana.alert.rule.name"] == rule}
    assert 0 < len(of_rule) < 60

    acked = runner.invoke(app, ["acknowledge", "--space", space, "--rule", rule, "--yes"])
    assert acked.exit_code == 0, acked.output
    assert f"{len(of_rule)} alerts match" in acked.stdout
    after = es.sources(alerts_alias(space))
    assert {i for i, s in after.items() if s[STATUS] == "acknowledged"} == of_rule

    reopened = runner.invoke(
        app,
        [
            "open",
            "--space",
            space,
            "--rule",
            uuid,
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--yes",
        ],
    )
    assert reopened.exit_code == 0, reopened.output
    after = es.sources(alerts_alias(space))
    assert {i for i, s in after.items() if s[STATUS] == "acknowledged"} == {
        i for i in of_rule if not in_window(before[i])
    }

    query_file = tmp_path / "query.json"
    query_file.write_bytes(orjson.dumps({"query": {"term": {"kibana.alert.rule.name": rule}}}))
    status = runner.invoke(
        app,
        [
            "close",
            "--space",
            space,
            "--status",
            "in-progress",
            "--query-file",
            str(query_file),
            "-y",
        ],
    )
    assert status.exit_code == 0, status.output
    after = es.sources(alerts_alias(space))
    assert {i for i, s in after.items() if s[STATUS] == "in-progress"} == of_rule


def test_bad_options_are_usage_errors(runner, es, seed, space) -> None:
    before = seed(space, 5)
    for args, message in [
        (["--status", "open", "--reason", "duplicate"], "only for --status closed"),
        (["--reason", "because"], "invalid closing reason"),
        (["--since", "yesterday"], "invalid time"),
        (["--since", "now", "--until", "now-1d"], "is after the end"),
        (["--query-file", "/nonexistent.json"], "cannot read"),
    ]:
        result = runner.invoke(app, ["close", "--space", space, "--yes", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    bad_space = runner.invoke(app, ["close", "--space", "_all", "--yes"])
    assert bad_space.exit_code == 2 and "space_id must be" in bad_space.stderr
    assert es.sources(alerts_alias(space)) == before


def test_a_space_without_alerts_is_nothing_to_do(runner, es, space) -> None:
    result = runner.invoke(app, ["close", "--space", space, "--yes"])
    assert result.exit_code == 0, result.output
    assert f"0 alerts match in space {space}" in result.stdout and "nothing to do" in result.stdout
    assert es.http.head(f"/{alerts_alias(space)}").status_code == 404  # counting created nothing


def wait_done(runner: CliRunner, space: str, task_id: str) -> dict[str, Any]:
    """Poll `tasks show` until Elasticsearch reports the task finished (bounded)."""
    for _ in range(600):
        shown = runner.invoke(app, ["tasks", "show", task_id, "--space", space])
        assert shown.exit_code == 0, shown.output
        report = orjson.loads(shown.stdout)
        if report["done"]:
            return report
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish")


def test_tasks_list_show_cancel(runner, make_client, es, seed, space) -> None:
    _, task_id = start_throttled_closure(make_client, seed, space)

    for _ in range(600):  # until the first (throttled) batch has reported its total
        shown = runner.invoke(app, ["tasks", "show", task_id, "--space", space])
        assert shown.exit_code == 0, shown.output
        report = orjson.loads(shown.stdout)
        if report["total"]:
            break
        time.sleep(0.1)
    assert report["task"] == task_id and report["done"] is False and report["total"] == 1500

    listed = runner.invoke(app, ["tasks", "list"])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if task_id in line)
    assert space in row and "/1500" in row
    elsewhere = runner.invoke(app, ["tasks", "list", "--space", "not-" + space])
    assert task_id not in elsewhere.stdout
    foreign = runner.invoke(app, ["tasks", "show", task_id, "--space", "not-" + space])
    assert foreign.exit_code == 1 and "no status change task" in foreign.stderr
    malformed = runner.invoke(app, ["tasks", "show", "../_cluster", "--space", space])
    assert malformed.exit_code == 2

    canceled = runner.invoke(app, ["tasks", "cancel", task_id, "--space", space])
    assert canceled.exit_code == 0, canceled.output
    assert orjson.loads(canceled.stdout)["task"] == task_id
    report = wait_done(runner, space, task_id)
    assert report["canceled"] is True and report["updated"] < 1500
    statuses = {s[STATUS] for s in es.sources(alerts_alias(space)).values()}
    assert "open" in statuses
    after = runner.invoke(app, ["tasks", "list", "--space", space])
    assert after.exit_code == 0 and task_id not in after.stdout


def interruptible() -> None:
    """In the child, before exec: SIGINT back to its default, so Python installs its handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_cancels_the_running_task(es_url, es, seed, space) -> None:
    """A real process, throttled so it is still running when SIGINT arrives."""
    seed(space, 1500)
    env = {**os.environ, "ELASTICSEARCH_URL": es_url, "ALERTSTATUS_UPDATE_REQUESTS_PER_SECOND": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "alertstatus", "close", "--space", space, "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell without job control starts background commands with SIGINT ignored, and that
        # is inherited: the CLI would never hear this test's Ctrl-C. The test gives it a terminal's.
        preexec_fn=interruptible,
    )
    try:
        assert process.stderr is not None
        started = next(line for line in process.stderr if line.startswith("task "))
        task_id = started.split()[1]
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)  # drains both pipes while it waits
    finally:
        if process.poll() is None:
            process.kill()
            print("still running after SIGINT; its output:", *process.communicate())
    assert process.returncode == 130, stderr
    assert f"canceling task {task_id}" in stderr
    assert "canceled: total " in stdout and "version_conflicts 0, took " in stdout
    task = es.call("GET", f"/_tasks/{task_id}")
    assert task["completed"] is True, task
    assert "cancel" in orjson.dumps(task.get("response") or task.get("error")).decode()
    assert "open" in {s[STATUS] for s in es.sources(alerts_alias(space)).values()}


def test_a_query_file_passes_the_query_guard(runner, es, seed, space, tmp_path) -> None:
    """The file's query is parsed like the API's (docs/security.md): lookups, hidden queries and
    cost knobs are refused before anything runs."""
    before = seed(space, 5)
    for query, message in [
        ({"wrapper": {"query": "eyJtYXRjaF9hbGwiOnt9fQ=="}}, "query type [wrapper] is not allowed"),
        (
            {"terms": {"boost": {"index": ".alertstatus-api-keys", "id": "x", "path": "role"}}},
            "terms.boost]: must be a number",
        ),
        (
            {"regexp": {"host.name": {"value": "a.*", "max_determinized_states": 20_000}}},
            "regexp.host.name.max_determinized_states]: must be between 1 and 10000",
        ),
    ]:
        query_file = tmp_path / "query.json"
        query_file.write_bytes(orjson.dumps({"query": query}))
        args = ["close", "--space", space, "--query-file", str(query_file), "--yes"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        unboxed = " ".join(result.stderr.replace("│", " ").split())  # the error box wraps lines
        assert message in unboxed, result.stderr
    assert es.sources(alerts_alias(space)) == before
