"""Painless sources, as constants: user values only ever travel in `params`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alertstatus.engine.model import StatusChange

# Kibana's workflow-status update, plus an optional noop for alerts already in the target status
# (`params.skip_unchanged`): those are counted under `noops` and cost no Lucene write.
SET_WORKFLOW_STATUS = """
def current = ctx._source['kibana.alert.workflow_status'];
boolean changed = false;
if (current != null && current != params.status) {
  ctx._source['kibana.alert.workflow_status'] = params.status;
  ctx._source['kibana.alert.workflow_user'] = params.user;
  ctx._source['kibana.alert.workflow_status_updated_at'] = params.updated_at;
  if (params.reason != null) {
    ctx._source['kibana.alert.workflow_reason'] = params.reason;
  } else {
    ctx._source.remove('kibana.alert.workflow_reason');
  }
  changed = true;
}
def signal = ctx._source.signal;
if (signal instanceof Map && signal.status != null && signal.status != params.status) {
  signal.status = params.status;
  changed = true;
}
if (params.skip_unchanged && !changed) {
  ctx.op = 'noop';
}
""".strip()


def utc_now_iso() -> str:
    """Kibana's `new Date().toISOString()`: millisecond precision, `Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def workflow_status_script(change: StatusChange, *, skip_unchanged: bool) -> dict[str, Any]:
    """The `script` member of the `_update_by_query` body for one status change."""
    return {
        "lang": "painless",
        "source": SET_WORKFLOW_STATUS,
        "params": {
            "status": change.status.value,
            "reason": change.reason,
            "user": change.actor,
            "updated_at": utc_now_iso(),
            "skip_unchanged": skip_unchanged,
        },
    }
