"""The one vocabulary map: every dialect's status words onto the alert model, and back.

The alert model is Kibana's: `kibana.alert.workflow_status` plus `workflow_reason` plus
`workflow_tags`. A *model state* is the status, refined to `closed/false_positive` when a closed
alert carries the false-positive reason or UTMStack's `False positive` tag: that is the one
distinction any dialect draws beyond the bare status. The painless scripts compute the same key
(`MODEL_STATE` in engine/transitions.py), so the check and the write happen in one document update.

| model state            | Kibana        | UTMStack      | CHAD           |
|------------------------|---------------|---------------|----------------|
| open                   | open          | 2 OPEN        | new            |
| acknowledged           | acknowledged  | 3 IN_REVIEW   | acknowledged   |
| in-progress            | in-progress   | 3 IN_REVIEW   | acknowledged   |
| closed                 | closed        | 5 COMPLETED   | resolved       |
| closed/false_positive  | closed        | 5 COMPLETED   | false_positive |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from alertstatus.engine.model import WorkflowStatus

FALSE_POSITIVE_REASON = "false_positive"
FALSE_POSITIVE_TAG = "False positive"  # UTMStack's tag, kept in `kibana.alert.workflow_tags`


class Dialect(StrEnum):
    KIBANA = "kibana"
    UTMSTACK = "utmstack"
    CHAD = "chad"


class ModelState(StrEnum):
    """A workflow status, with closed split by whether it is a false positive."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in-progress"
    CLOSED = "closed"
    FALSE_POSITIVE = "closed/false_positive"


class UtmStatus(IntEnum):
    OPEN = 2
    IN_REVIEW = 3
    COMPLETED = 5


class ChadStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a model state and its word in each dialect."""

    state: ModelState
    kibana: WorkflowStatus
    utmstack: UtmStatus
    chad: ChadStatus


VOCABULARY: tuple[Row, ...] = (
    Row(ModelState.OPEN, WorkflowStatus.OPEN, UtmStatus.OPEN, ChadStatus.NEW),
    Row(
        ModelState.ACKNOWLEDGED,
        WorkflowStatus.ACKNOWLEDGED,
        UtmStatus.IN_REVIEW,
        ChadStatus.ACKNOWLEDGED,
    ),
    Row(
        ModelState.IN_PROGRESS,
        WorkflowStatus.IN_PROGRESS,
        UtmStatus.IN_REVIEW,
        ChadStatus.ACKNOWLEDGED,
    ),
    Row(ModelState.CLOSED, WorkflowStatus.CLOSED, UtmStatus.COMPLETED, ChadStatus.RESOLVED),
    Row(
        ModelState.FALSE_POSITIVE,
        WorkflowStatus.CLOSED,
        UtmStatus.COMPLETED,
        ChadStatus.FALSE_POSITIVE,
    ),
)

Word = WorkflowStatus | UtmStatus | ChadStatus


@dataclass(frozen=True, slots=True)
class Target:
    """What a dialect's word writes: a status and a reason (None removes the reason)."""

    status: WorkflowStatus
    reason: str | None = None


# What each dialect word writes. UTMStack's 3 is Kibana's `in-progress` (under investigation);
# its 5 is `closed`, a false positive when the caller asks for the tag.
_UTMSTACK_WRITES = {
    UtmStatus.OPEN: Target(WorkflowStatus.OPEN),
    UtmStatus.IN_REVIEW: Target(WorkflowStatus.IN_PROGRESS),
    UtmStatus.COMPLETED: Target(WorkflowStatus.CLOSED),
}
_CHAD_WRITES = {
    ChadStatus.NEW: Target(WorkflowStatus.OPEN),
    ChadStatus.ACKNOWLEDGED: Target(WorkflowStatus.ACKNOWLEDGED),
    ChadStatus.RESOLVED: Target(WorkflowStatus.CLOSED),
    ChadStatus.FALSE_POSITIVE: Target(WorkflowStatus.CLOSED, FALSE_POSITIVE_REASON),
}


def model_state(status: str | None, reason: str | None, tags: Iterable[str] | None) -> ModelState:
    """The model state of stored fields (the painless MODEL_STATE computes the same)."""
    try:
        workflow = WorkflowStatus(status or WorkflowStatus.OPEN)
    except ValueError:  # a value no dialect knows: treat as untriaged
        workflow = WorkflowStatus.OPEN
    if workflow is WorkflowStatus.CLOSED and (
        reason == FALSE_POSITIVE_REASON or FALSE_POSITIVE_TAG in (tags or ())
    ):
        return ModelState.FALSE_POSITIVE
    return ModelState(workflow.value)


def state_of(source: Mapping[str, Any]) -> ModelState:
    """The model state of an alert `_source` (flat dotted keys, as Kibana writes them)."""
    return model_state(
        source.get("kibana.alert.workflow_status"),
        source.get("kibana.alert.workflow_reason"),
        source.get("kibana.alert.workflow_tags"),
    )


def _row(state: ModelState) -> Row:
    return next(row for row in VOCABULARY if row.state is state)


def word(dialect: Dialect, state: ModelState) -> Word:
    """How `dialect` says `state`."""
    return getattr(_row(state), dialect.value)


def states_saying(dialect: Dialect, spoken: Word) -> frozenset[ModelState]:
    """Every model state `dialect` reads as `spoken` (those need no write to reach it)."""
    return frozenset(row.state for row in VOCABULARY if getattr(row, dialect.value) == spoken)


def utmstack_target(status: UtmStatus, *, false_positive: bool) -> Target:
    target = _UTMSTACK_WRITES[status]
    if false_positive and target.status is WorkflowStatus.CLOSED:
        return Target(WorkflowStatus.CLOSED, FALSE_POSITIVE_REASON)
    return target


def chad_target(status: ChadStatus) -> Target:
    return _CHAD_WRITES[status]
