"""`alertstatus loadtest` against the real app on loopback, for a couple of seconds."""

from __future__ import annotations

import re

from bench.server import ServiceProcess
from typer.testing import CliRunner

from alertstatus.cli import app
from alertstatus.engine.indices import alerts_alias


def test_loadtest_runs_the_mix_and_summarises(es, es_url, seed, space) -> None:
    before = seed(space, 200)
    with ServiceProcess(es_url) as service:
        result = CliRunner().invoke(
            app,
            [
                "loadtest",
                "--url",
                service.url,
                "--concurrency",
                "4",
                # ends by its budget, not the clock: the mix (one seeded generator) is then the
                # same whatever the machine's load
                "--duration",
                "120",
                "--max-requests",
                "40",
                "--space",
                space,
                "--id-range",
                "200",
            ],
        )

    assert result.exit_code == 0, result.output
    total = int(re.match(r"(\d+) requests in", result.output).group(1))
    assert total == 40
    for kind in ("close_ids", "close_query", "acknowledge", "reopen"):
        assert re.search(rf"^{kind}\s+\d+\s+0\s", result.output, re.MULTILINE), result.output
    assert "'200'" in result.output
    assert re.search(
        r"^by class: 2xx \d+, 4xx 0, 5xx 0, connection error 0$", result.output, re.MULTILINE
    )
    after = es.sources(alerts_alias(space))
    assert any(after[i] != before[i] for i in before)


def test_loadtest_refuses_unbounded_or_odd_targets() -> None:
    runner = CliRunner()
    too_long = runner.invoke(
        app, ["loadtest", "--url", "http://127.0.0.1:1", "--duration", "99999"]
    )
    assert too_long.exit_code != 0
    not_http = runner.invoke(app, ["loadtest", "--url", "file:///etc/passwd", "--duration", "1"])
    assert not_http.exit_code != 0
    assert "http" in not_http.output
