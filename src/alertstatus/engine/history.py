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

import asyncio
import base64
import binascii
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any
from urllib.parse import unquote

import orjson

from alertstatus.engine.batches import BulkBatcher
from alertstatus.engine.outcome import UpdateCounts
from alertstatus.engine.refreshes import RefreshCoalescer
from alertstatus.errors import ChangeNotVisible, InvalidCursor
from alertstatus.es.gateway import ElasticsearchError, Gateway

log = logging.getLogger(__name__)

HISTORY_FIELD = "alertstatus.history"
RECORDS_INDEX = ".alertstatus-audit"
DEFAULT_HISTORY_LIMIT = 20
_CREATE_ATTEMPTS = 3
_TASKS_REMEMBERED = 10_000  # finished tasks whose record has its counts, per process

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
        # the record's own id (the tie-break of the changes listing) and what became of it
        "record_id": {"type": "keyword"},
        "task": {"type": "keyword"},
        "counts": {
            "properties": {
                name: {"type": "long"}
                for name in ("total", "updated", "noops", "version_conflicts", "failures")
            }
        },
    },
}
# The keys a record may hold besides its selection (alert_ids, query, ...: the dialect's).
_RECORD_KEYS = frozenset(
    {"@timestamp", "request_id", "dialect", "actor", "caller", "note", "space_id", "target"}
    | {"record_id", "task", "counts", "results"}
)
MAX_CHANGES_PAGE = 100
_RECORD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

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

    def __init__(
        self,
        gateway: Gateway,
        limit: int | None = DEFAULT_HISTORY_LIMIT,
        refreshes: RefreshCoalescer | None = None,
        writes: BulkBatcher | None = None,
    ) -> None:
        self.gateway = gateway
        self.limit = limit  # None: no records, no entries
        self._index_ready = False
        # the listing sees every change answered before it was asked (one refresh, shared)
        self.refreshes = refreshes or RefreshCoalescer(gateway.refresh)
        # records and their counts from concurrent changes go together (engine/batches.py)
        self.writes = writes or BulkBatcher(gateway.bulk)
        self._tasks_seen_done: dict[str, None] = {}  # insertion-ordered, the oldest dropped

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    async def record(self, change: ChangeRecord) -> str | None:
        """Store the record before the change; its id, or None when history is off.

        Raises ElasticsearchError when it cannot be stored: the change must not run then.
        Written without a refresh, batched with other changes' records (engine/batches.py):
        reads by id (`_mget`) are realtime, and the translog makes the write as durable as the
        alerts' own.
        """
        if not self.enabled:
            return None
        await self.ensure_index()
        for _ in range(_CREATE_ATTEMPTS):
            record_id = new_record_id()
            document = _stored(change, record_id)
            if await self._created(record_id, document):
                return record_id
        raise ElasticsearchError(409, b"", "no free change record id")

    async def _created(self, record_id: str, document: Mapping[str, Any]) -> bool:
        """`create` the record; False when another record holds the id. A 409 for a write
        replayed after a failover is this record, not a second one (`Gateway.create_document`).
        """
        action = {"create": {"_index": RECORDS_INDEX, "_id": record_id}}
        item = await self.writes.write(action, document)
        status = int(item.get("status") or 500)
        if status == 409:
            return await self.gateway.holds_document(RECORDS_INDEX, record_id, document)
        if status >= 300:
            raise ElasticsearchError(status, orjson.dumps(item), "change record not stored")
        return True

    async def annotate(self, record_id: str | None, fields: Mapping[str, Any]) -> None:
        """Add what happened (per-alert results) to a record; best effort, the entries are kept."""
        await self._write_record(record_id, "update", {"doc": fields})

    async def annotate_counts(self, record_id: str | None, counts: UpdateCounts) -> None:
        """How many alerts a Kibana-style change matched and changed (best effort)."""
        await self.annotate(record_id, {"counts": stored_counts(counts)})

    def record_counts(
        self, record_id: str | None, change: ChangeRecord, counts: UpdateCounts
    ) -> None:
        """The record as `record` stored it, now with Elasticsearch's counts (best effort).

        Queued, not awaited: it rides with the next batched write (engine/batches.py,
        `write_later`), so no answer waits for it; `changes` and shutdown flush it first.
        An `index` of the whole document, not an update: an update reads the record back first,
        and reading a record that is not yet searchable makes Elasticsearch refresh the records
        index, which cost every change a refresh of an index nobody waits on.
        """
        if record_id is not None:
            document = {**_stored(change, record_id), "counts": stored_counts(counts)}
            action = {"index": {"_index": RECORDS_INDEX, "_id": record_id}}
            written = self.writes.write_later(action, document)
            written.add_done_callback(partial(_log_unwritten, record_id, "index"))

    async def flush(self) -> None:
        """Wait for the queued record writes (`record_counts`)."""
        await self.writes.flush()

    async def _write_record(
        self, record_id: str | None, op: str, source: Mapping[str, Any]
    ) -> None:
        """One best-effort write to a record, batched with other changes' writes
        (engine/batches.py), without a refresh; a failure is logged, the change stands."""
        if record_id is None:
            return
        written = asyncio.ensure_future(
            self.writes.write({op: {"_index": RECORDS_INDEX, "_id": record_id}}, source)
        )
        await asyncio.wait([written])
        _log_unwritten(record_id, op, written)

    async def link_task(self, record_id: str | None, task_id: str) -> None:
        """The task an asynchronous change runs as (best effort); `task_done` finds it by it."""
        await self.annotate(record_id, {"task": task_id})

    async def task_done(self, space_id: str, task_id: str, counts: UpdateCounts) -> None:
        """The counts of a finished task, on its record if it has none yet (best effort).

        Done once per task in this process: a client polling a finished task costs no further
        refresh or search of the records.
        """
        if task_id in self._tasks_seen_done:
            return
        query = {
            "bool": {
                "filter": [{"term": {"task": task_id}}, {"term": {"space_id": space_id}}],
                "must_not": [{"exists": {"field": "counts.total"}}],
            }
        }
        try:
            await self._records_visible()  # the task's link, written when it started
            response = await self.gateway.search(
                RECORDS_INDEX, {"size": 1, "_source": False, "query": query}, READ_PARAMS
            )
        except ElasticsearchError as error:
            log.warning("the record of task %s was not read: %s", task_id, error)
            return
        for hit in response.json()["hits"]["hits"]:
            await self.annotate_counts(hit["_id"], counts)
        self._tasks_seen_done[task_id] = None
        if len(self._tasks_seen_done) > _TASKS_REMEMBERED:
            del self._tasks_seen_done[next(iter(self._tasks_seen_done))]

    async def changes(
        self, space_id: str, size: int, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A space's change records, newest first, and the cursor of the next page (None at
        the end). No records index (history never on) is an empty list."""
        size = max(1, min(size, MAX_CHANGES_PAGE))
        filters: list[dict[str, Any]] = [{"term": {"space_id": space_id}}]
        body: dict[str, Any] = {
            "size": size + 1,  # one more tells whether there is a next page
            "sort": [
                {"@timestamp": {"order": "desc"}},
                {"record_id": {"order": "desc", "missing": "_last", "unmapped_type": "keyword"}},
            ],
            "track_total_hits": False,
        }
        if cursor is not None:
            millis, record_id = decode_cursor(cursor)
            if record_id is None:  # a record older than record ids: by time alone
                filters.append({"range": {"@timestamp": {"lt": millis}}})
            else:
                body["search_after"] = [millis, record_id]
        body["query"] = {"bool": {"filter": filters}}
        await self._records_visible()
        response = await self.gateway.search(RECORDS_INDEX, body, READ_PARAMS)
        hits = response.json()["hits"]["hits"]
        following = None
        if len(hits) > size:
            hits = hits[:size]
            following = encode_cursor(hits[-1]["sort"])
        return [change_summary(hit["_id"], hit["_source"]) for hit in hits], following

    async def _records_visible(self) -> None:
        """Refresh the records (shared by concurrent readers), so records and counts written
        before this read are listed; if that fails, the listing is read as it is (logged)."""
        await self.writes.flush()  # counts queued by this process (`record_counts`)
        try:  # no records index yet: the refresh answers with no shards, and nothing is listed
            await self.refreshes.visible(RECORDS_INDEX)
        except ChangeNotVisible as error:
            log.warning("change records listed without a refresh: %s", error)

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


READ_PARAMS = {"ignore_unavailable": True, "allow_no_indices": True}


def _log_unwritten(record_id: str, op: str, written: asyncio.Future[dict[str, Any]]) -> None:
    """Log a best-effort record write that failed: as a whole, or its item."""
    if written.cancelled():
        return
    if (error := written.exception()) is not None:
        log.warning("change record %s not written (%s): %s", record_id, op, error)
    elif int(written.result().get("status") or 500) >= 300:
        log.warning(
            "change record %s not written (%s): %s", record_id, op, written.result().get("error")
        )


def _stored(change: ChangeRecord, record_id: str) -> dict[str, Any]:
    """A change record's document as the records index holds it."""
    return {**change.document(), "record_id": record_id}


def stored_counts(counts: UpdateCounts) -> dict[str, int]:
    return {key: value for key, value in asdict(counts).items() if key != "took"}


def change_summary(record_id: str, source: Mapping[str, Any]) -> dict[str, Any]:
    """A change record as the changes route shows it (docs/dialects.md, "Console routes")."""
    target = source.get("target") or {}
    selection = source.get("selection")
    if not isinstance(selection, Mapping):  # UTMStack and CHAD store theirs at the top
        selection = {key: value for key, value in source.items() if key not in _RECORD_KEYS}
    return {
        "id": record_id,
        "at": source.get("@timestamp"),
        "dialect": source.get("dialect"),
        "actor": source.get("actor"),
        "caller": source.get("caller"),
        "note": source.get("note"),
        "request_id": source.get("request_id"),
        "target": {"status": target.get("status"), "reason": target.get("reason")},
        "selection": dict(selection),
        "result": _result(source),
        "task": source.get("task"),
    }


def _result(source: Mapping[str, Any]) -> dict[str, int] | None:
    """Elasticsearch's counts of a Kibana-style change, or the per-alert results of a UTMStack
    or CHAD change counted the same way; None while unknown (a task not yet seen done)."""
    counts = source.get("counts")
    if isinstance(counts, Mapping):
        return {key: int(counts.get(key) or 0) for key in stored_counts(UpdateCounts())}
    results = source.get("results")
    if isinstance(results, Mapping):
        sizes = {key: len(value or []) for key, value in results.items()}
        return {
            "total": sum(sizes.values()),
            "updated": sizes.get("updated", 0),
            "noops": sizes.get("unchanged", 0),
            "version_conflicts": 0,
            "failures": sizes.get("failed", 0),
        }
    return None


def encode_cursor(sort: list[Any]) -> str:
    """The position after a hit, opaque to callers: its sort values, base64url JSON."""
    return base64.urlsafe_b64encode(orjson.dumps(sort)).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str | None]:
    """A cursor this service handed out, or InvalidCursor (400)."""
    refusal = InvalidCursor("search_after is not a cursor from a previous page's `next`")
    if len(cursor) > 200:
        raise refusal
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise refusal from None
    if not (isinstance(decoded, list) and len(decoded) == 2):
        raise refusal
    millis, record_id = decoded
    if isinstance(millis, bool) or not isinstance(millis, int) or not 0 <= millis < 2**62:
        raise refusal
    if record_id is not None and not (
        isinstance(record_id, str) and _RECORD_ID.fullmatch(record_id)
    ):
        raise refusal
    return millis, record_id


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
