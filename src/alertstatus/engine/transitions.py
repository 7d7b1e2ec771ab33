"""Guarded status changes for the dialects: check and write in one painless run per alert.

A document update in Elasticsearch is atomic and `retry_on_conflict` re-runs the script on the
fresh document, so the transition check below can never act on a stale status: two concurrent
requests are serialised by the document's version, and the loser is checked against the winner's
result. The script refuses a forbidden transition with `ctx.op = 'noop'`; the engine tells a
refusal from "already there" by the model state in the returned `_source`.
"""

from __future__ import annotations

from typing import Any

from alertstatus.engine.history import APPEND_HISTORY, history_params
from alertstatus.engine.scripts import WRITE_WORKFLOW_FIELDS
from alertstatus.engine.vocabulary import (
    FALSE_POSITIVE_REASON,
    FALSE_POSITIVE_TAG,
    ChadStatus,
    Dialect,
    ModelState,
    Target,
    states_saying,
)

# CHAD's transitions: new -> acknowledged -> resolved; new | acknowledged -> false_positive;
# anything -> new. The key is the target, the value the statuses it may be reached from.
CHAD_ALLOWED_FROM: dict[ChadStatus, frozenset[ChadStatus]] = {
    ChadStatus.NEW: frozenset(ChadStatus),
    ChadStatus.ACKNOWLEDGED: frozenset({ChadStatus.NEW}),
    ChadStatus.RESOLVED: frozenset({ChadStatus.ACKNOWLEDGED}),
    ChadStatus.FALSE_POSITIVE: frozenset({ChadStatus.NEW, ChadStatus.ACKNOWLEDGED}),
}


def chad_allowed(source: ChadStatus, target: ChadStatus) -> bool:
    return source == target or source in CHAD_ALLOWED_FROM[target]


def chad_allowed_states(target: ChadStatus) -> frozenset[ModelState]:
    """The model states a CHAD change to `target` may start from (the script checks these)."""
    allowed: set[ModelState] = set()
    for source in CHAD_ALLOWED_FROM[target] | {target}:
        allowed |= states_saying(Dialect.CHAD, source)
    return frozenset(allowed)


# The model state in painless; vocabulary.model_state is the same rule in Python.
_MODEL_STATE = """
def current = ctx._source['kibana.alert.workflow_status'];
def previous = current;
def previousReason = ctx._source['kibana.alert.workflow_reason'];
def tags = ctx._source['kibana.alert.workflow_tags'];
String state = current == null ? 'open' : current.toString();
if (state == 'closed' && (previousReason == params.fp_reason
    || (tags instanceof List && tags.contains(params.fp_tag)))) {
  state = 'closed/' + params.fp_reason;
}
""".strip()

_GUARDED_CHANGE = "\n".join(
    (
        """
boolean changed = false;
boolean statusChanged = false;
boolean allowed = params.allowed_from == null || params.allowed_from.contains(state);
if (allowed && !params.already_there.contains(state)) {""".strip(),
        WRITE_WORKFLOW_FIELDS,
        """
  def signal = ctx._source.signal;
  if (signal instanceof Map && signal.status != null) {
    signal.status = params.status;
  }
  changed = true;
  statusChanged = true;
}
if (allowed && !params.tags_to_add.isEmpty()) {
  if (!(tags instanceof List)) {
    tags = new ArrayList();
  }
  for (def tag : params.tags_to_add) {
    if (!tags.contains(tag)) {
      tags.add(tag);
      changed = true;
    }
  }
  ctx._source['kibana.alert.workflow_tags'] = tags;
}""".strip("\n"),
    )
)

GUARDED_STATUS_CHANGE = "\n".join(
    (_MODEL_STATE, _GUARDED_CHANGE, APPEND_HISTORY, "if (!changed) { ctx.op = 'noop'; }")
)


def guarded_script(
    target: Target,
    *,
    already_there: frozenset[ModelState],
    allowed_from: frozenset[ModelState] | None,
    tags_to_add: tuple[str, ...],
    actor: str | None,
    updated_at: str,
    history_ref: str | None,
    history_limit: int | None,
) -> dict[str, Any]:
    """The update script: write `target` unless the alert already reads as it or may not move."""
    return {
        "lang": "painless",
        "source": GUARDED_STATUS_CHANGE,
        "params": {
            "status": target.status.value,
            "reason": target.reason,
            "user": actor,
            "updated_at": updated_at,
            "already_there": sorted(already_there),
            "allowed_from": None if allowed_from is None else sorted(allowed_from),
            "tags_to_add": list(tags_to_add),
            "fp_reason": FALSE_POSITIVE_REASON,
            "fp_tag": FALSE_POSITIVE_TAG,
            **history_params(history_ref, history_limit),
        },
    }
