"""The P3 curve as a picture: throughput and p99 against clients, the service and direct.

An SVG (matplotlib, its Agg backend: no display needed) written by `python -m bench` next to the
table it draws (docs/performance.md, "P3 curve").
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window

from matplotlib import pyplot

from bench.phases import Row
from bench.report import curve_points


def plot_curve(rows: list[Row], path: Path, title: str = "") -> Path | None:
    """Draw the P3 curve of `rows` into `path`; None when the rows have no curve."""
    points = curve_points(rows)
    if not points:
        return None
    clients = [point[0] for point in points]
    figure, (throughput, p99) = pyplot.subplots(1, 2, figsize=(11, 4.5))
    try:
        for axes, label, direct_values, service_values in (
            (
                throughput,
                "throughput (req/s)",
                [direct.rate for _, direct, _ in points],
                [service.rate for _, _, service in points],
            ),
            (
                p99,
                "p99 latency (ms)",
                [direct.p99_ms or 0.0 for _, direct, _ in points],
                [service.p99_ms or 0.0 for _, _, service in points],
            ),
        ):
            axes.plot(clients, direct_values, "o-", label="direct (Kibana's request)")
            axes.plot(clients, service_values, "s-", label="service")
            axes.set_xscale("log", base=2)
            axes.set_xticks(clients, [str(count) for count in clients])
            axes.set_xlabel("concurrent clients (10 ids per request)")
            axes.set_ylabel(label)
            axes.grid(True, which="both", alpha=0.3)
            axes.legend()
        if title:
            figure.suptitle(title, fontsize=7, wrap=True)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)  # the format from the suffix: .svg (the default path), .png, .pdf
    finally:
        pyplot.close(figure)
    return path
