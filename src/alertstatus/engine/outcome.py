"""What an `_update_by_query` did, in numbers, for whoever watches the engine (metrics, logs).

The engine hands these counts to an optional observer and stays ignorant of who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alertstatus.engine.model import StatusChange


@dataclass(frozen=True, slots=True)
class UpdateCounts:
    """The counters of one `_update_by_query` response."""

    took: int = 0
    total: int = 0
    updated: int = 0
    noops: int = 0
    version_conflicts: int = 0
    failures: int = 0

    @classmethod
    def from_response(cls, body: Any) -> UpdateCounts | None:
        """Counts from a response body; None when the body is not an `_update_by_query` one."""
        if not isinstance(body, dict) or "total" not in body:
            return None

        def number(key: str) -> int:
            value = body.get(key)
            return value if isinstance(value, int) else 0

        failures = body.get("failures")
        return cls(
            took=number("took"),
            total=number("total"),
            updated=number("updated"),
            noops=number("noops"),
            version_conflicts=number("version_conflicts"),
            failures=len(failures) if isinstance(failures, list) else 0,
        )


UpdateObserver = Callable[[StatusChange, UpdateCounts], None]
