"""Painless sources, as constants: user values only ever travel in `params`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alertstatus.engine.history import APPEND_HISTORY, history_params
from alertstatus.engine.model import StatusChange

# The workflow fields Kibana's update writes; shared with the dialects' guarded script.
WRITE_WORKFLOW_FIELDS = """
ctx._source['kibana.alert.workflow_status'] = params.status;
ctx._source['kibana.alert.workflow_user'] = params.user;
ctx._source['kibana.alert.workflow_status_updated_at'] = params.updated_at;
if (params.reason != null) {
  ctx._source['kibana.alert.workflow_reason'] = params.reason;
} else {
  ctx._source.remove('kibana.alert.workflow_reason');
}
""".strip()

# Kibana's workflow-status update, plus an optional noop for alerts already in the target status
# (`params.skip_unchanged`): those are counted under `noops` and cost no Lucene write.
SET_WORKFLOW_STATUS = "\n".join(
    (
        """
def current = ctx._source['kibana.alert.workflow_status'];
def previous = current;
def previousReason = ctx._source['kibana.alert.workflow_reason'];
boolean changed = false;
boolean statusChanged = false;
if (current != null && current != params.status) {""".strip(),
        WRITE_WORKFLOW_FIELDS,
        """
  changed = true;
  statusChanged = true;
}
def signal = ctx._source.signal;
if (signal instanceof Map && signal.status != null && signal.status != params.status) {
  if (current == null) {
    previous = signal.status;
    statusChanged = true;
  }
  signal.status = params.status;
  changed = true;
}""".strip("\n"),
        APPEND_HISTORY,
        "if (params.skip_unchanged && !changed) {\n  ctx.op = 'noop';\n}",
    )
)


def utc_now_iso() -> str:
    """Kibana's `new Date().toISOString()`: millisecond precision, `Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def workflow_status_script(
    change: StatusChange,
    *,
    skip_unchanged: bool,
    history_limit: int | None = None,
    history_ref: str | None = None,
) -> dict[str, Any]:
    """The `script` member of the `_update_by_query` body for one status change.

    `history_ref` is the change record's id; None records no history (engine/history.py).
    """
    updated_at = utc_now_iso()
    return {
        "lang": "painless",
        "source": SET_WORKFLOW_STATUS,
        "params": {
            "status": change.status.value,
            "reason": change.reason,
            "user": change.actor,
            "updated_at": updated_at,
            "skip_unchanged": skip_unchanged,
            **history_params(history_ref, history_limit),
        },
    }


def with_history_ref(body: dict[str, Any], history_ref: str | None) -> dict[str, Any]:
    """The same request body whose script appends entries pointing at `history_ref`."""
    script = body["script"]
    if script["params"].get("history_ref") == history_ref:
        return body
    params = {**script["params"], "history_ref": history_ref}
    return {**body, "script": {**script, "params": params}}
