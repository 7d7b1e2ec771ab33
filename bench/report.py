"""The bench's table (Markdown, pasted as is into docs/performance.md) and its targets."""

from __future__ import annotations

from bench.phases import SERVICE_COUNTING, SERVICE_SKIP, Row


def _find(rows: list[Row], phase: str, variant: str) -> Row | None:
    return next((r for r in rows if r.phase == phase and r.variant == variant), None)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| phase | variant | work | seconds | rate | p50 ms | p99 ms | peak RSS MB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.phase} | {r.variant} | {r.work:,} | {r.seconds:.2f} | {r.rate:,.0f} {r.unit} "
            f"| {_ms(r.p50_ms)} | {_ms(r.p99_ms)} | {_ms(r.rss_mb)} | {r.note} |"
        )
    return "\n".join(lines)


def targets(rows: list[Row]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of issue 3 the rows allow to check."""
    checks: list[tuple[str, str, bool]] = []

    def ratio(name: str, a: Row | None, b: Row | None, want: float, faster: bool = True) -> None:
        if a and b and a.seconds and b.seconds:
            value = a.rate / b.rate if faster else b.seconds / a.seconds
            checks.append((name, f"{value:.2f}x (want >= {want}x)", value >= want))

    ratio("P1 service vs direct", _find(rows, "P1", "service"), _find(rows, "P1", "direct"), 0.95)
    skip = _find(rows, "P2", SERVICE_SKIP)
    ratio("P2 service skip_unchanged vs kibana", skip, _find(rows, "P2", "kibana"), 1.5)
    counting = _find(rows, "P2", SERVICE_COUNTING)
    ratio("P2 service Kibana counting vs kibana", counting, _find(rows, "P2", "kibana"), 0.95)
    service, direct = _find(rows, "P3", "service"), _find(rows, "P3", "direct")
    ratio("P3 throughput service vs direct", service, direct, 0.9)
    if service and direct and service.p99_ms and direct.p99_ms:
        value = service.p99_ms / direct.p99_ms
        checks.append(("P3 p99 service / direct", f"{value:.2f}x (want <= 1.2x)", value <= 1.2))
    if service and service.rss_mb is not None:
        checks.append(
            ("P3 service peak RSS", f"{service.rss_mb:.0f} MB (want <= 200)", service.rss_mb <= 200)
        )
    for row in rows:
        if row.phase == "P6" and row.variant.startswith("history on, "):
            cost = row.extra["cost"]
            name = f"P6 status history cost, {row.variant.removeprefix('history on, ')}"
            checks.append((name, f"{cost:.1%} (want <= 10%)", cost <= 0.10))
    return checks


def render(rows: list[Row], header: str) -> str:
    checks = targets(rows)
    lines = [header, "", table(rows), "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in checks]
    return "\n".join(lines)
