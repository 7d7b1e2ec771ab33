"""The bench's tables (Markdown, pasted as is into docs/performance.md) and its targets."""

from __future__ import annotations

from bench.phases import (
    DIRECT,
    P3_CURVE,
    SERVICE,
    SERVICE_BARE,
    SERVICE_COUNTING,
    SERVICE_NO_AUTH,
    SERVICE_SKIP,
    Row,
)


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
        if r.phase == P3_CURVE:  # its own table
            continue
        lines.append(
            f"| {r.phase} | {r.variant} | {r.work:,} | {r.seconds:.2f} | {r.rate:,.0f} {r.unit} "
            f"| {_ms(r.p50_ms)} | {_ms(r.p99_ms)} | {_ms(r.rss_mb)} | {r.note} |"
        )
    return "\n".join(lines)


def curve_points(rows: list[Row]) -> list[tuple[int, Row, Row]]:
    """(clients, direct, service) of the P3 curve, fewest clients first."""
    by_clients: dict[int, dict[str, Row]] = {}
    for row in rows:
        if row.phase == P3_CURVE:
            by_clients.setdefault(row.extra["clients"], {})[row.variant] = row
    return [
        (clients, variants[DIRECT], variants[SERVICE])
        for clients, variants in sorted(by_clients.items())
        if DIRECT in variants and SERVICE in variants
    ]


def added_latency_ms(rows: list[Row]) -> float | None:
    """The service's p50 minus direct's at one client (what the service adds per request)."""
    for clients, direct, service in curve_points(rows):
        if clients == 1 and direct.p50_ms is not None and service.p50_ms is not None:
            return service.p50_ms - direct.p50_ms
    return None


def curve_table(rows: list[Row]) -> str:
    """P3 per concurrency: service vs direct (Kibana's request), throughput and latency."""
    lines = [
        "| clients | direct req/s | service req/s | throughput ratio | direct p50 ms "
        "| direct p99 ms | service p50 ms | service p99 ms | p99 ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clients, direct, service in curve_points(rows):
        throughput = service.rate / direct.rate if direct.rate else 0.0
        p99 = service.p99_ms / direct.p99_ms if direct.p99_ms and service.p99_ms else 0.0
        lines.append(
            f"| {clients} | {direct.rate:,.1f} | {service.rate:,.1f} | {throughput:.2f}x "
            f"| {_ms(direct.p50_ms)} | {_ms(direct.p99_ms)} | {_ms(service.p50_ms)} "
            f"| {_ms(service.p99_ms)} | {p99:.2f}x |"
        )
    added = added_latency_ms(rows)
    if added is not None:
        added_text = f"Service added latency at 1 client (p50 service - p50 direct): {added:.1f} ms"
        lines += ["", added_text]
    breakdown = one_client_breakdown(rows)
    if breakdown:
        lines += ["", breakdown]
    return "\n".join(lines)


def one_client_breakdown(rows: list[Row]) -> str | None:
    """At 1 client, each service variant's p50 over direct's: what authentication and the
    status history add to the service's own cost."""
    at_one = {
        row.variant: row
        for row in rows
        if row.phase == P3_CURVE and row.extra["clients"] == 1 and row.p50_ms is not None
    }
    direct = at_one.get(DIRECT)
    if direct is None or direct.p50_ms is None:
        return None
    parts = [
        f"{variant} {row.p50_ms - direct.p50_ms:+.1f} ms"
        for variant in (SERVICE, SERVICE_NO_AUTH, SERVICE_BARE)
        if (row := at_one.get(variant)) is not None and row.p50_ms is not None
    ]
    return "p50 over direct at 1 client: " + "; ".join(parts) if len(parts) > 1 else None


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
    sharded, kibana = _find(rows, "P7", "service"), _find(rows, "P7", "kibana")
    if sharded and kibana:
        shards = sharded.extra["shards"]
        name = f"P7 service vs kibana, {sharded.work:,} alerts on {shards} shards (issue 16)"
        ratio(name, sharded, kibana, 1.2)
    service, direct = _find(rows, "P3", "service"), _find(rows, "P3", "direct")
    ratio("P3 throughput service vs direct", service, direct, 0.9)
    if service and direct and service.p99_ms and direct.p99_ms:
        value = service.p99_ms / direct.p99_ms
        checks.append(("P3 p99 service / direct", f"{value:.2f}x (want <= 1.2x)", value <= 1.2))
    # issue 16's targets for P3 (docs/performance.md, "P3 curve")
    ratio("P3 throughput service vs direct (issue 16)", service, direct, 3.0)
    if service and direct and service.p99_ms and direct.p99_ms:
        value = service.p99_ms / direct.p99_ms
        checks.append(
            ("P3 p99 service / direct (issue 16)", f"{value:.2f}x (want <= 0.5x)", value <= 0.5)
        )
    added = added_latency_ms(rows)
    if added is not None:
        checks.append(
            ("P3 service added p50 at 1 client", f"{added:.1f} ms (want <= 2 ms)", added <= 2)
        )
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


def authentication_cost(rows: list[Row]) -> str | None:
    """P3 at `p3_concurrency`: the service with authentication on against the same app without."""
    service, unauthenticated = _find(rows, "P3", SERVICE), _find(rows, "P3", SERVICE_NO_AUTH)
    if not (service and unauthenticated and unauthenticated.rate and unauthenticated.p99_ms):
        return None
    throughput = service.rate / unauthenticated.rate
    p99 = (service.p99_ms or 0.0) / unauthenticated.p99_ms
    return (
        f"Authentication's cost at P3 ({service.extra['clients']} clients): throughput "
        f"{throughput:.2f}x, p99 {p99:.2f}x "
        "(service with an API key / the same service with authentication off)"
    )


def render(rows: list[Row], header: str, plot_path: str | None = None) -> str:
    checks = targets(rows)
    lines = [header, "", table(rows)]
    cost = authentication_cost(rows)
    if cost:
        lines += ["", cost]
    if curve_points(rows):
        lines += ["", "P3 curve (Kibana's request direct, refresh=true each, vs the service):"]
        lines += ["", curve_table(rows)]
        if plot_path:
            lines += ["", f"P3 curve plot: {plot_path}"]
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in checks]
    return "\n".join(lines)
