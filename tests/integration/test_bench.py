"""The benchmark end to end at toy sizes: every row and target is there (timings not judged)."""

from __future__ import annotations

import asyncio
import uuid

from bench.__main__ import measure
from bench.phases import Sizes
from bench.report import render

ROWS = [
    ("P1", "service"),
    ("P1", "direct"),
    ("P1", "kibana"),
    ("P1", "direct slices=2"),
    ("P1", "direct slices=auto"),
    ("P2", "service skip_unchanged=true"),
    ("P2", "service Kibana counting (default)"),
    ("P2", "direct skip_unchanged"),
    ("P2", "direct skip_unchanged prefilter"),
    ("P2", "kibana"),
    ("P3", "direct"),
    ("P3", "service"),
    ("P4", "service"),
    ("P5", "service async"),
]
P6_CASES = (
    "first close (depth 0 to 1)",
    "full history, Kibana path (20 entries, the bound)",
    "full history, UTMStack path (20 entries, the bound)",
)
P6_ROWS = [("P6", f"history {mode}, {case}") for case in P6_CASES for mode in ("on", "off")]


def test_quick_bench_prints_every_row(es_url, cluster_version) -> None:
    sizes = Sizes(
        alerts=300,
        p3_alerts=200,
        p3_requests=64,
        p3_concurrency=8,
        p4_ids=2_000,
        repeat=1,
        p6_alerts=200,
        p6_rounds=1,
        p6_dialect_alerts=50,
    )

    rows, header = asyncio.run(measure(es_url, sizes, prefix=f"b{uuid.uuid4().hex[:8]}"))

    assert [(row.phase, row.variant) for row in rows] == ROWS + P6_ROWS
    by_name = {(row.phase, row.variant): row for row in rows}
    assert by_name[("P1", "service")].extra["updated"] == 300
    assert by_name[("P2", "kibana")].extra["updated"] == 300
    assert 0 < by_name[("P2", "service skip_unchanged=true")].extra["noops"] < 300
    counting = by_name[("P2", "service Kibana counting (default)")].extra
    assert (counting["updated"], counting["noops"]) == (300, 0)
    assert by_name[("P3", "service")].work == 64 and by_name[("P3", "service")].rss_mb > 0
    assert by_name[("P5", "service async")].work == 300
    text = render(rows, header)
    assert f"{cluster_version}; sizes" in header  # the engine the figures are from
    assert by_name[P6_ROWS[0]].work == 200 and by_name[P6_ROWS[-1]].work == 50
    assert all(by_name[row].seconds > 0 for row in P6_ROWS)
    for phase, variant in ROWS + P6_ROWS:
        assert f"| {phase} | {variant} |" in text
    targets = (
        "P1 service vs direct",
        "P2 service skip_unchanged vs kibana",
        "P2 service Kibana counting vs kibana",
        "P3 p99",
        "P3 service peak RSS",
        *(f"P6 status history cost, {case}" for case in P6_CASES),
    )
    for target in targets:
        assert target in text
