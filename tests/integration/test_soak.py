"""The soak (bench/soak.py) for seconds against the session's node: every row and verdict there.

Timings are not judged; the figures must be sane and the load must have had no 5xx.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest
from bench.soak import SoakPlan, render_soak, soak, verdicts

from alertstatus.engine.indices import alerts_alias

pytestmark = pytest.mark.storage

VERDICTS = (
    "0 5xx",
    "0 connection errors",
    "RSS flat",
    "no fd growth",
    "no connection growth",
    "ES heap stable",
)
RESOURCES = (
    "service RSS MB",
    "service fds",
    "service TCP connections",
    "ES heap MB",
    "ES heap %",
    "ES old gen MB",
)


def test_a_short_soak_samples_and_prints_every_row(es_url, cluster_version, tmp_path) -> None:
    space = f"soak-{uuid.uuid4().hex[:8]}"
    plan = SoakPlan(minutes=0.1, clients=8, sample_seconds=1, alerts=500, space=space)
    seen: list[float] = []
    service_log = tmp_path / "service.log"

    run = asyncio.run(
        soak(es_url, plan, on_sample=lambda s: seen.append(s.seconds), service_log=service_log)
    )

    loaded = run.loaded
    assert len(loaded) >= 3 and run.after_load is not None
    assert len(seen) == len(run.samples)
    assert run.report.requests > 0 and run.seconds > 0
    assert run.report.status_classes()["5xx"] == 0
    assert [s.requests for s in loaded] == sorted(s.requests for s in loaded)
    assert loaded[-1].requests <= run.after_load.requests == run.report.requests
    times = [s.seconds for s in loaded]
    assert times[0] == 0 and times == sorted(set(times)) and times[-1] < plan.seconds
    for sample in run.samples:
        assert sample.rss > 10 * 2**20 and sample.fds > 0 and sample.connections >= 0
        assert sample.heap is not None and 0 < sample.heap.used <= sample.heap.max
        assert 0 < sample.heap.percent <= 100
    assert max(s.connections for s in loaded) > 0  # the clients' sockets, seen by the sampler
    assert run.rss_peak >= max(s.rss for s in run.samples)

    text = render_soak(run)
    assert f"{cluster_version}; 0.1 min, 8 clients" in run.header
    assert "| time | requests | 4xx | 5xx | RSS MB |" in text
    assert re.search(r"^\| 0:00 \| [\d,]+ \| 0 \| 0 \|", text, re.MULTILINE), text
    assert re.search(r"^\| after load \| [\d,]+ \|", text, re.MULTILINE), text
    for resource in RESOURCES:
        assert f"| {resource} |" in text
    assert [name for name, _, _ in verdicts(run)] == list(VERDICTS)
    for name in VERDICTS:
        assert re.search(rf"^\| {name} \| .+ \| (yes|NO) \|$", text, re.MULTILINE), text
    assert re.search(r"^\| 0 5xx \| 0 of [\d,]+ requests \| yes \|$", text, re.MULTILINE)
    assert f"/s/{space}/api/detection_engine/signals/status 200" in service_log.read_text()
    # the seeded space is dropped afterwards
    assert httpx.head(f"{es_url}/_alias/{alerts_alias(space)}").status_code == 404
