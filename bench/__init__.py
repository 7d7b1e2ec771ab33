"""The benchmarks (docs/performance.md): `python -m bench`, `python -m bench.audit_overhead`."""

from __future__ import annotations

import signal
from types import FrameType


def unwind_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so a stopped bench still stops the node it started.

    Without it the process dies at once and the `with` that owns the Elasticsearch node never
    exits, leaving the node running.
    """

    def exit_cleanly(signum: int, _: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_cleanly)
