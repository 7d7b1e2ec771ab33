"""The alert model every dialect maps onto: Kibana's alerts-as-data workflow fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from alertstatus.errors import InvalidSpaceId, StatusChangeError


class WorkflowStatus(StrEnum):
    """`kibana.alert.workflow_status` values (Kibana's AlertStatus enum, in its order, which its
    validation messages list: `'open' | 'closed' | 'acknowledged' | 'in-progress'`)."""

    OPEN = "open"
    CLOSED = "closed"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in-progress"


class Conflicts(StrEnum):
    """What `_update_by_query` does on a version conflict."""

    ABORT = "abort"
    PROCEED = "proceed"


# Kibana's default closing reasons (newest) plus the 8.1x schema's, so clients of either work.
CLOSE_REASONS: frozenset[str] = frozenset(
    {
        "false_positive",
        "duplicate",
        "true_positive",
        "benign_positive",
        "automated_closure",
        "other",
        "issue_resolved",
        "acceptable_risk",
        "expected_activity",
        "low_severity",
        "investigation_required",
    }
)

# Bounds on what the per-alert dialects (UTMStack, CHAD) and Kibana's tags/assignees accept.
MAX_ALERTS_PER_DIALECT_REQUEST = 10_000  # each named alert is one `_bulk` item
MAX_NOTE_LENGTH = 10_000  # a comment or status observation, in characters
MAX_KEYWORD_VALUES = 1_000  # tags or assignees added (or removed) in one request
MAX_KEYWORD_LENGTH = 1_024  # one tag or assignee, in characters

DEFAULT_SPACE = "default"  # Kibana's space when a path has no `/s/{space_id}`
SPACE_ID_MAX_LENGTH = 100
_SPACE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


def validate_space_id(space_id: str) -> str:
    """Kibana's space id rule (lowercase letters, digits, `_`, `-`), bounded length.

    The first character must be a letter or digit, so `_all` and `-x` never reach an index name.
    """
    if not (0 < len(space_id) <= SPACE_ID_MAX_LENGTH) or not _SPACE_ID.fullmatch(space_id):
        raise InvalidSpaceId(
            f"space_id must be 1 to {SPACE_ID_MAX_LENGTH} lowercase letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return space_id


def closing_reason(
    status: WorkflowStatus, reason: str | None, extra_reasons: Iterable[str] = ()
) -> str | None:
    """The reason to store: only for `closed` (dropped otherwise, as Kibana does), and known."""
    if status is not WorkflowStatus.CLOSED or reason is None:
        return None
    if reason not in CLOSE_REASONS and reason not in set(extra_reasons):
        raise StatusChangeError(f"{reason} is an invalid closing reason.")
    return reason


@dataclass(frozen=True, slots=True)
class AlertIds:
    """Select alerts by `_id`."""

    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Select alerts by an Elasticsearch query (wrapped in `bool.filter`), optionally with
    runtime fields the query may name (`runtime_mappings`, Elasticsearch's shape)."""

    query: dict[str, Any]
    runtime_mappings: dict[str, Any] = field(default_factory=dict)


Selector = AlertIds | AlertQuery


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One request to move a set of alerts in one space to one workflow status."""

    space_id: str
    selector: Selector
    status: WorkflowStatus
    reason: str | None = None
    conflicts: Conflicts = Conflicts.ABORT
    actor: str | None = None
    # Alerts already in the target status: True leaves them untouched (`noops`), False rewrites
    # them as Kibana does (`updated`); None is the service's setting (docs/dialects.md).
    skip_unchanged: bool | None = None
    # --- provenance, kept in the status history (engine/history.py) ---
    dialect: str = "kibana"
    note: str | None = None
    request_id: str | None = None
    caller: str | None = None  # who authenticated (also for API keys, whose actor is null)
