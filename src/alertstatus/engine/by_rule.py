"""Select the alerts one rule produced (`kibana.alert.rule.uuid`), for closures by rule.

The operator CLI (`close --rule`) is planned to build its StatusChange here; the rule id is the
one both rule APIs answer with (`id`), which Kibana copies into every alert of the rule.
"""

from __future__ import annotations

from alertstatus.engine.model import (
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
    closing_reason,
    validate_space_id,
)

RULE_UUID_FIELD = "kibana.alert.rule.uuid"


def rule_alerts_query(rule_id: str) -> dict[str, object]:
    """The Elasticsearch query for every alert of one rule (used inside `bool.filter`)."""
    return {"term": {RULE_UUID_FIELD: rule_id}}


def change_alerts_of_rule(
    space_id: str,
    rule_id: str,
    status: WorkflowStatus,
    *,
    reason: str | None = None,
    actor: str | None = None,
    conflicts: Conflicts = Conflicts.PROCEED,
) -> StatusChange:
    """A StatusChange for all alerts of `rule_id` in a space (conflicts proceed: a bulk sweep)."""
    return StatusChange(
        space_id=validate_space_id(space_id),
        selector=AlertQuery(rule_alerts_query(rule_id)),
        status=status,
        reason=closing_reason(status, reason),
        conflicts=conflicts,
        actor=actor,
    )
