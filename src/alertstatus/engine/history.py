"""Status history: written by the very script that changes the status, inside the alert.

Why in the alert: Elasticsearch writes one document atomically, so a history entry appended by
the same painless run that changes `workflow_status` exists exactly when the change does. No
change without its record, no record of a change that did not happen, whatever fails around it
(a bulk that partly fails, a version conflict, a node dying midway). The list is bounded (the
last `history_limit` entries) and lives under `alertstatus.history`, which the alerts mapping
(`dynamic: false`) does not index: it costs no field in the 2500-field budget and is invisible
to searches, yet `_source` keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HISTORY_FIELD = "alertstatus.history"
DEFAULT_HISTORY_LIMIT = 100

# Painless, appended to a status script. Expects `previous` (the status before) and
# `statusChanged` (whether this run changed it); `params.history` is null when recording is off.
APPEND_HISTORY = """
if (statusChanged && params.history != null) {
  def entries = ctx._source['alertstatus.history'];
  if (!(entries instanceof List)) {
    entries = new ArrayList();
  }
  Map entry = new HashMap(params.history);
  entry.put('from', previous);
  if (previousReason != null) {
    entry.put('from_reason', previousReason);
  }
  entry.put('to', params.status);
  if (params.reason != null) {
    entry.put('reason', params.reason);
  }
  entries.add(entry);
  while (entries.size() > params.history_limit) {
    entries.remove(0);
  }
  ctx._source['alertstatus.history'] = entries;
}
""".strip()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who changed an alert, through which dialect, in which request, with which note."""

    dialect: str = "kibana"
    actor: str | None = None
    note: str | None = None
    request_id: str | None = None


def history_params(provenance: Provenance, *, at: str, limit: int | None) -> dict[str, Any]:
    """The `history` and `history_limit` script params (history None = recording off)."""
    if limit is None:
        return {"history": None, "history_limit": 0}
    entry = {
        "at": at,
        "actor": provenance.actor,
        "dialect": provenance.dialect,
        "note": provenance.note,
        "request_id": provenance.request_id,
    }
    # Absent means null, and the space is the alert's own: every stored byte is rewritten with
    # the alert at each later change, so entries carry only what the alert does not already say.
    compact = {key: value for key, value in entry.items() if value is not None}
    return {"history": compact, "history_limit": limit}


ENTRY_KEYS = ("at", "space_id", "from", "from_reason", "to", "reason", "actor", "dialect", "note",
              "request_id")  # fmt: skip


def history_of(source: Mapping[str, Any], space_id: str | None = None) -> list[dict[str, Any]]:
    """The entries of an alert `_source`, oldest first (the order the changes were applied).

    Stored entries omit nulls and the space (the alert's own); here every entry has every key.
    """
    entries = source.get(HISTORY_FIELD)
    if not isinstance(entries, list):
        return []
    return [
        {key: entry.get(key) for key in ENTRY_KEYS} | {"space_id": space_id}
        for entry in entries
        if isinstance(entry, dict)
    ]
