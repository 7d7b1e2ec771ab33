"""The benchmark end to end at toy sizes: every row and target is there (timings not judged)."""

from __future__ import annotations

import asyncio
import uuid

from bench.__main__ import measure
from bench.phases import P3_CURVE, Sizes
from bench.plot import plot_curve
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
    ("P3", "service, authentication off"),
    ("P4", "service"),
    ("P5", "service async"),
]
P6_CASES = (
    "first close (depth 0 to 1)",
    "full history, Kibana path (20 entries, the bound)",
    "full history, UTMStack path (20 entries, the bound)",
)
P6_ROWS = [("P6", f"history {mode}, {case}") for case in P6_CASES for mode in ("on", "off")]
P7_ROWS = [("P7", "service"), ("P7", "kibana"), ("P7", "direct slices=3")]
# the P3 curve at 1 and 8 clients (8 is also P3's own concurrency: measured once); at 1 client
# also without authentication, and without authentication and history
ONE_CLIENT = ("service, authentication off", "service, authentication and history off")
CURVE_ROWS = [(P3_CURVE, variant) for variant in ("direct", "service", *ONE_CLIENT)] + [
    (P3_CURVE, variant) for variant in ("direct", "service")
]


def test_quick_bench_prints_every_row(es_url, cluster_version, tmp_path) -> None:
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
        p3_clients=(1, 8),
        p3_curve_requests=32,  # at 1 client; 8 is P3's own point (64 requests)
        p7_alerts=300,
        p7_shards=3,
    )

    rows, header = asyncio.run(measure(es_url, sizes, prefix=f"b{uuid.uuid4().hex[:8]}"))

    after_p3 = ROWS.index(("P4", "service"))  # the curve's rows follow P3's own
    expected = ROWS[:after_p3] + CURVE_ROWS + ROWS[after_p3:] + P7_ROWS + P6_ROWS
    assert [(row.phase, row.variant) for row in rows] == expected
    by_name = {(row.phase, row.variant): row for row in rows}
    assert by_name[("P1", "service")].extra["updated"] == 300
    assert by_name[("P2", "kibana")].extra["updated"] == 300
    assert 0 < by_name[("P2", "service skip_unchanged=true")].extra["noops"] < 300
    counting = by_name[("P2", "service Kibana counting (default)")].extra
    assert (counting["updated"], counting["noops"]) == (300, 0)
    assert by_name[("P3", "service")].work == 64 and by_name[("P3", "service")].rss_mb > 0
    assert by_name[("P5", "service async")].work == 300
    for variant, slices in (("service", 1), ("kibana", 1), ("direct slices=3", 3)):
        sharded = by_name[("P7", variant)]  # 300 alerts: below the service's slicing threshold
        assert sharded.extra["updated"] == 300, sharded.extra  # each reopened before the next
        assert f"; slices {slices}; 3 shards, best of 1" in sharded.note
    curve = [row for row in rows if row.phase == P3_CURVE]
    assert [row.extra["clients"] for row in curve] == [1, 1, 1, 1, 8, 8]
    assert [row.work for row in curve] == [32, 32, 32, 32, 64, 64]
    assert all(row.p99_ms >= row.p50_ms > 0 for row in curve)
    plot = plot_curve(rows, tmp_path / "out" / "p3-curve.svg", header)
    text = render(rows, header, str(plot))
    assert f"{cluster_version}; service: authentication on" in header  # engine and auth named
    assert plot.read_text().lstrip().startswith("<?xml") and "<svg" in plot.read_text()
    assert f"P3 curve plot: {plot}" in text
    assert "| clients | direct req/s | service req/s | throughput ratio |" in text
    for clients in (1, 8):
        assert f"\n| {clients} | " in text
    assert "Service added latency at 1 client (p50 service - p50 direct): " in text
    assert "p50 over direct at 1 client: service " in text
    assert "; service, authentication and history off " in text
    assert "Authentication's cost at P3 (8 clients): throughput " in text
    assert by_name[P6_ROWS[0]].work == 200 and by_name[P6_ROWS[-1]].work == 50
    assert all(by_name[row].seconds > 0 for row in P6_ROWS)
    for phase, variant in ROWS + P7_ROWS + P6_ROWS:
        assert f"| {phase} | {variant} |" in text
    targets = (
        "P1 service vs direct",
        "P2 service skip_unchanged vs kibana",
        "P2 service Kibana counting vs kibana",
        "P3 p99",
        "P3 service peak RSS",
        "P3 throughput service vs direct (issue 16)",
        "P3 p99 service / direct (issue 16)",
        "P3 service added p50 at 1 client",
        "P7 service vs kibana, 300 alerts on 3 shards (issue 16)",
        *(f"P6 status history cost, {case}" for case in P6_CASES),
    )
    for target in targets:
        assert target in text
