"""`alertstatus seed` against the real node: what it writes, its progress output, exit codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from alertstatus.cli import app
from alertstatus.demo import BUILDING_BLOCK_RULES, DETECTION_RULES
from alertstatus.engine.indices import alerts_alias
from alertstatus.settings import get_settings


@pytest.fixture
def runner(es_url: str) -> Iterator[CliRunner]:
    """A CLI runner whose settings point at the test node (settings are cached per process)."""
    get_settings.cache_clear()
    yield CliRunner(env={"ELASTICSEARCH_URL": es_url})
    get_settings.cache_clear()


def test_seed_writes_realistic_alerts_with_progress(runner, es, space) -> None:
    started = datetime.now(UTC)

    result = runner.invoke(
        app,
        [
            "seed",
            "--space",
            space,
            "--count",
            "300",
            "--closed-ratio",
            "0.3",
            "--days",
            "2",
            "--building-block-ratio",
            "0.2",
            "--batch-size",
            "70",
            "--seed",
            "7",
        ],
    )

    finished = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert "seeding" in result.stderr and "300/300" in result.stderr
    assert f"seeded 300 alerts into space {space}" in result.stdout

    alerts = list(es.sources(alerts_alias(space)).values())
    assert len(alerts) == 300
    statuses = Counter(alert["kibana.alert.workflow_status"] for alert in alerts)
    assert set(statuses) == {"open", "closed"} and 50 < statuses["closed"] < 130
    assert all(
        a["kibana.alert.workflow_reason"]
        for a in alerts
        if a["kibana.alert.workflow_status"] == "closed"
    )
    blocks = [a for a in alerts if "kibana.alert.building_block_type" in a]
    assert 25 < len(blocks) < 100
    assert {a["kibana.alert.rule.name"] for a in blocks} <= {r.name for r in BUILDING_BLOCK_RULES}
    others = [a for a in alerts if "kibana.alert.building_block_type" not in a]
    assert {a["kibana.alert.rule.name"] for a in others} == {r.name for r in DETECTION_RULES}
    assert len({a["kibana.alert.severity"] for a in alerts}) == 4
    assert len({a["host.name"] for a in alerts}) > 20
    assert len({a["user.name"] for a in alerts}) > 5
    assert all(a["kibana.space_ids"] == [space] for a in alerts)
    times = sorted(a["@timestamp"] for a in alerts)
    earliest = (started - timedelta(days=2)).isoformat(timespec="milliseconds")[:23]
    assert times[0][:23] >= earliest
    assert times[-1][:23] <= finished.isoformat(timespec="milliseconds")[:23]
    assert times[0][:10] != times[-1][:10]  # spread over the days, not bunched

    again = runner.invoke(app, ["seed", "--space", space, "--count", "20", "--days", "1"])
    assert again.exit_code == 0, again.output
    assert len(es.sources(alerts_alias(space))) == 320  # added, never overwritten


def test_seed_refuses_a_bad_space_before_touching_elasticsearch(runner, es) -> None:
    result = runner.invoke(app, ["seed", "--space", "_all", "--count", "5"])
    assert result.exit_code == 1
    assert "space_id must be" in result.stderr
    result = runner.invoke(app, ["seed", "--count", "0"])
    assert result.exit_code == 2  # typer's usage error


def test_seed_says_when_elasticsearch_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    get_settings.cache_clear()
    try:
        result = CliRunner(
            env={"ELASTICSEARCH_URL": dead, "ELASTICSEARCH_MAX_RETRIES": "0"}
        ).invoke(app, ["seed", "--space", "nowhere", "--count", "5"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "error: Elasticsearch is unavailable" in result.stderr


def test_seed_as_a_real_process(es_url, es, space) -> None:
    """The installed entry point, as an operator runs it: exit code, progress on stderr."""
    env = {**os.environ, "ELASTICSEARCH_URL": es_url}
    completed = subprocess.run(
        [sys.executable, "-m", "alertstatus", "seed", "--space", space, "--count", "50"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "50/50" in completed.stderr
    assert completed.stdout.startswith(f"seeded 50 alerts into space {space}")
    assert len(es.sources(alerts_alias(space))) == 50
