"""Status history: one record per request, and in each alert a small entry written with the change.

Two parts, each written once:

- **The change record**: who asked, through which dialect, for which status and reason, with
  which note, when, in which request. It is written first, to the hidden `.alertstatus-audit`
  index, before any alert is touched; if it cannot be written the request fails and nothing
  changes.
- **The entry in the alert**: a line `<record id> <from>[ <from reason>]` of the string
  `alertstatus.history`, appended by the very painless run that changes `workflow_status`.
  Elasticsearch writes one document atomically, so an entry exists exactly when its alert's
  change does: no change without its record, no record of a change that did not happen, whatever
  fails around it (a bulk that partly fails, a version conflict, a node dying midway).

Why split: every stored byte of an alert is parsed and rewritten at each later change, so an
alert carrying its whole audit trail (actor, note, time, request id per entry) made deep-history
closures 25-30% slower; what the request says once now lives once, and an entry is ~21 bytes
(docs/dialects.md has the measurements). The history is bounded (the last `history_limit`
entries; older ones leave the alert, their records stay) and not indexed (the alerts mapping is
`dynamic: false`): it costs no field of the 2500-field budget and no search sees it.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from alertstatus.es.gateway import ElasticsearchError, Gateway

log = logging.getLogger(__name__)

HISTORY_FIELD = "alertstatus.history"
RECORDS_INDEX = ".alertstatus-audit"
DEFAULT_HISTORY_LIMIT = 20
_CREATE_ATTEMPTS = 3

# The service's own small indices: hidden from Kibana's index patterns, one shard.
HIDDEN_INDEX_SETTINGS = {"index.hidden": True, "number_of_shards": 1, "auto_expand_replicas": "0-1"}
_RECORDS_MAPPING = {
    "dynamic": False,
    "properties": {
        "@timestamp": {"type": "date"},
        "request_id": {"type": "keyword"},
        "dialect": {"type": "keyword"},
        "actor": {"type": "keyword"},
        "caller": {"type": "keyword"},
        "space_id": {"type": "keyword"},
        "alert_ids": {"type": "keyword"},
        "target": {"properties": {"status": {"type": "keyword"}, "reason": {"type": "keyword"}}},
    },
}

# Painless, appended to a status script. Expects `previous` (the status before), `previousReason`
# and `statusChanged` (whether this run changed the status); `params.history_ref` is the change
# record's id, null when recording is off. The history is one string, a line per entry,
# `<record id>[ <from>[ <from reason>]]`, the values percent-encoded ('%', ' ', newline): one
# string is far cheaper to parse and rewrite at every later change than a list of objects.
APPEND_HISTORY = """
if (statusChanged && params.history_ref != null) {
  String entry = params.history_ref;
  if (previous != null) {
    entry += ' ' + previous.toString().replace('%', '%25').replace(' ', '%20')
        .replace(params.newline, '%0A');
    if (previousReason != null) {
      entry += ' ' + previousReason.toString().replace('%', '%25').replace(' ', '%20')
          .replace(params.newline, '%0A');
    }
  }
  def stored = ctx._source['alertstatus.history'];
  String kept = stored instanceof String && !stored.isEmpty()
      ? stored + params.newline + entry : entry;
  int count = 1;
  for (int at = kept.indexOf(params.newline); at >= 0; at = kept.indexOf(params.newline, at + 1)) {
    count++;
  }
  int start = 0;
  for (int drop = count - params.history_limit; drop > 0; drop--) {
    start = kept.indexOf(params.newline, start) + 1;
  }
  ctx._source['alertstatus.history'] = kept.substring(start);
}
""".strip()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who changed an alert, through which dialect, in which request, with which note."""

    dialect: str = "kibana"
    actor: str | None = None
    note: str | None = None
    request_id: str | None = None
    caller: str | None = None  # the authenticated name; `actor` is what `workflow_user` stores


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """What one request asked for; its entries in the alerts point at it."""

    space_id: str
    status: str
    reason: str | None
    provenance: Provenance
    at: str
    selection: Mapping[str, Any] = field(default_factory=dict)  # alert_ids, query, ...

    def document(self) -> dict[str, Any]:
        return {
            "@timestamp": self.at,
            "request_id": self.provenance.request_id,
            "dialect": self.provenance.dialect,
            "actor": self.provenance.actor,
            "caller": self.provenance.caller,
            "note": self.provenance.note,
            "space_id": self.space_id,
            "target": {"status": self.status, "reason": self.reason},
            **self.selection,
        }


def history_params(record_id: str | None, limit: int | None) -> dict[str, Any]:
    """The `history_ref` and `history_limit` script params (no record id = recording off)."""
    return {
        "history_ref": None if limit is None else record_id,
        "history_limit": limit or 0,
        "newline": "\n",  # painless string literals have no escapes
    }


def stored_entries(source: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """The `(record_id, from, from_reason)` entries of an alert `_source`, oldest first."""
    stored = source.get(HISTORY_FIELD)
    if not isinstance(stored, str) or not stored:
        return []
    entries: list[tuple[str, str | None, str | None]] = []
    for line in stored.split("\n"):
        record_id, *values = line.split(" ")
        decoded = [unquote(value) for value in values] + [None, None]
        entries.append((record_id, decoded[0], decoded[1]))
    return entries


def new_record_id() -> str:
    """12 URL-safe characters, time-ordered: a millisecond clock and 24 random bits.

    Shorter than Elasticsearch's 20-character ids because every alert entry repeats it; a
    collision (same millisecond, same random bits) is refused by `op_type=create` and retried.
    """
    stamp = time.time_ns() // 1_000_000
    raw = stamp.to_bytes(6, "big") + secrets.token_bytes(3)
    return base64.urlsafe_b64encode(raw).decode()


class StatusHistory:
    """Writes change records and reads an alert's history back, joined with them."""

    def __init__(self, gateway: Gateway, limit: int | None = DEFAULT_HISTORY_LIMIT) -> None:
        self.gateway = gateway
        self.limit = limit  # None: no records, no entries
        self._index_ready = False

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    async def record(self, change: ChangeRecord) -> str | None:
        """Store the record before the change; its id, or None when history is off.

        Raises ElasticsearchError when it cannot be stored: the change must not run then.
        Written without a refresh: reads by id (`_mget`) are realtime, and the translog makes
        the write as durable as the alerts' own.
        """
        if not self.enabled:
            return None
        await self.ensure_index()
        for _ in range(_CREATE_ATTEMPTS):
            record_id = new_record_id()
            if await self.gateway.create_document(
                RECORDS_INDEX, record_id, change.document(), refresh="false"
            ):  # a write replayed after a failover is this record, not a second one
                return record_id
        raise ElasticsearchError(409, b"", "no free change record id")

    async def annotate(self, record_id: str | None, fields: Mapping[str, Any]) -> None:
        """Add what happened (per-alert results) to a record; best effort, the entries are kept."""
        if record_id is None:
            return
        try:
            await self.gateway.update_document(RECORDS_INDEX, record_id, fields, refresh=False)
        except ElasticsearchError as error:
            log.warning("change record %s not annotated: %s", record_id, error)

    async def entries(
        self, source: Mapping[str, Any], space_id: str | None = None
    ) -> list[dict[str, Any]]:
        """An alert's history, oldest first, every entry with every key (see `_entry`).

        A record that is gone (deleted by hand) leaves its entry with `from` only.
        """
        stored = stored_entries(source)
        ids = list(dict.fromkeys(record_id for record_id, _, _ in stored))
        records = await self.gateway.get_sources(RECORDS_INDEX, ids) if ids else {}
        return [_entry(entry, records.get(entry[0]) or {}, space_id) for entry in stored]

    async def ensure_index(self) -> None:
        """Create the records index with its mapping, once per process (idempotent).

        An index made by an earlier version gets the fields it lacks (mappings only grow).
        """
        if not self._index_ready:
            body = {"settings": HIDDEN_INDEX_SETTINGS, "mappings": _RECORDS_MAPPING}
            if not await self.gateway.create_index(RECORDS_INDEX, body):
                await self.gateway.put_mapping(RECORDS_INDEX, _RECORDS_MAPPING)
            self._index_ready = True


def _entry(
    stored: tuple[str, str | None, str | None], record: Mapping[str, Any], space_id: str | None
) -> dict[str, Any]:
    record_id, from_status, from_reason = stored
    target = record.get("target") or {}
    return {
        "at": record.get("@timestamp"),
        "space_id": space_id,
        "from": from_status,
        "from_reason": from_reason,
        "to": target.get("status"),
        "reason": target.get("reason"),
        "actor": record.get("actor"),
        "caller": record.get("caller"),
        "dialect": record.get("dialect"),
        "note": record.get("note"),
        "request_id": record.get("request_id"),
        "record_id": record_id,
    }
