"""Dialect status changes, history reads and the audit trail, on one alert model.

Dialects (UTMStack, CHAD) name alerts by `_id` or by `kibana.alert.uuid`; both resolve here. A
change is one `_bulk` of scripted updates (engine/transitions.py), each atomic per alert and
carrying its own history entry that points at the request's change record (engine/history.py),
written first; the record is annotated with each alert's outcome after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from alertstatus.engine.admission import Admission
from alertstatus.engine.comments import Comment, CommentStore
from alertstatus.engine.history import (
    HISTORY_FIELD,
    ChangeRecord,
    Provenance,
    StatusHistory,
)
from alertstatus.engine.indices import READ_PARAMS, AlertIndices, alerts_alias
from alertstatus.engine.refreshes import RefreshCoalescer
from alertstatus.engine.scripts import utc_now_iso
from alertstatus.engine.transitions import guarded_script
from alertstatus.engine.vocabulary import ModelState, Target, state_of
from alertstatus.errors import AlertNotFound, UpdateFailed
from alertstatus.es.gateway import ElasticsearchError, Gateway

_LOOKUP_CHUNK = 5_000  # keys per search: two hits per key stay under max_result_window
_STATE_FIELDS = "kibana.alert.workflow_*"  # what tells a refusal from "already there"
RETRY_ON_CONFLICT = 10  # concurrent writers to one alert: re-run the script on the fresh doc


class Result(StrEnum):
    UPDATED = "updated"  # status (or tags) written, history appended when the status moved
    UNCHANGED = "unchanged"  # already reads as the target: nothing written
    FORBIDDEN = "forbidden"  # the transition is not allowed from the alert's current state
    NOT_FOUND = "not_found"
    FAILED = "failed"  # Elasticsearch refused this alert's update


REACHED = (Result.UPDATED, Result.UNCHANGED)  # the alert reads as the target afterwards


@dataclass(frozen=True, slots=True)
class AlertRef:
    """Where one alert lives, and its `_source` when it was read."""

    key: str
    index: str
    id: str
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> ModelState:
        return state_of(self.source)


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    result: Result
    alert: AlertRef | None = None
    error: str | None = None
    comment: Comment | None = None


@dataclass(frozen=True, slots=True)
class DialectChange:
    """Move alerts named by `keys` to `target`, unless they already read as it.

    `allowed_from` None allows every source state (UTMStack); CHAD passes its transition rules.
    """

    space_id: str
    keys: tuple[str, ...]
    target: Target
    already_there: frozenset[ModelState]
    provenance: Provenance
    allowed_from: frozenset[ModelState] | None = None
    tags_to_add: tuple[str, ...] = ()
    comment: str | None = None  # also stored as a comment on every alert the change reached
    read_back: bool = False  # return each alert's workflow fields and history after the change


class WorkflowService:
    """Everything a dialect does to alerts beyond Kibana's raw `_update_by_query`."""

    def __init__(
        self,
        gateway: Gateway,
        indices: AlertIndices,
        status_history: StatusHistory,
        comment_store: CommentStore,
        *,
        refreshes: RefreshCoalescer | None = None,
        admission: Admission | None = None,
        coalesce_refresh: bool = False,
    ) -> None:
        self.gateway = gateway
        self.indices = indices
        self.status_history = status_history
        self.comment_store = comment_store
        self.refreshes = refreshes or RefreshCoalescer(gateway.refresh)
        self.admission = admission or Admission()  # shared with StatusService (services.py)
        self.coalesce_refresh = coalesce_refresh  # False: `_bulk` with `refresh=true`

    # --- reading -------------------------------------------------------------------------------

    async def find(
        self, space_id: str, keys: Iterable[str], *, source: bool = False
    ) -> dict[str, AlertRef]:
        """Alerts by `_id` or `kibana.alert.uuid`; keys that name nothing are absent."""
        alias = alerts_alias(space_id)  # a read: a space without alerts is not created
        wanted = list(dict.fromkeys(keys))
        found: dict[str, AlertRef] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            body = {
                "size": 2 * len(chunk),
                "_source": True if source else ["kibana.alert.uuid"],
                "query": {
                    "bool": {
                        "minimum_should_match": 1,
                        "should": [
                            {"terms": {"_id": chunk}},
                            {"terms": {"kibana.alert.uuid": chunk}},
                        ],
                    }
                },
            }
            hits = (await self.gateway.search(alias, body, READ_PARAMS)).json()
            chunk_keys = set(chunk)
            for hit in hits["hits"]["hits"]:
                doc = hit.get("_source") or {}
                for key in (hit["_id"], doc.get("kibana.alert.uuid")):
                    if key in chunk_keys and key not in found:
                        found[key] = AlertRef(key, hit["_index"], hit["_id"], doc)
        return found

    async def get(self, space_id: str, key: str) -> AlertRef:
        found = await self.find(space_id, [key], source=True)
        if key not in found:
            raise AlertNotFound([key])
        return found[key]

    async def history(self, space_id: str, key: str) -> tuple[AlertRef, list[dict[str, Any]]]:
        alert = await self.get(space_id, key)
        return alert, await self.history_entries(alert, space_id)

    async def history_entries(
        self, alert: AlertRef, space_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The status history of an alert read with its `_source`, oldest first."""
        return await self.status_history.entries(alert.source, space_id)

    # --- changing ------------------------------------------------------------------------------

    async def change(
        self, request: DialectChange, *, all_or_nothing: bool = False
    ) -> list[Outcome]:
        """Apply a change to each named alert; one outcome per key, in the request's order.

        `all_or_nothing`: when any key names no alert, raise AlertNotFound before writing; when
        Elasticsearch refused any alert's write (a read-only index, a shard without a copy),
        raise UpdateFailed once the record says which: never an answer of success for a change
        that did not happen (docs/reliability.md). Sending the request again is safe.

        The write holds an admission slot (Overloaded before anything is recorded when too many
        wait); when this returns, the changes are visible to search (engine/refreshes.py).
        """
        found = await self.find(request.space_id, request.keys)
        missing = [key for key in request.keys if key not in found]
        if all_or_nothing and missing:
            raise AlertNotFound(missing)
        at = utc_now_iso()
        outcomes = {key: Outcome(key, Result.NOT_FOUND, error="Alert not found") for key in missing}
        alias = alerts_alias(request.space_id)
        record = self.status_history.record(_change_record(request, at))
        async with self.admission.slot_after(alias, record) as record_id:  # written while it waits
            if found:
                outcomes |= await self._write(request, list(found.values()), at, record_id)
        if request.comment is not None:
            outcomes |= await self._comment_reached(request, outcomes.values())
        await self._annotate(record_id, outcomes.values())
        if found and self.coalesce_refresh:
            await self.refreshes.visible(alias)
        failed = [outcome for outcome in outcomes.values() if outcome.result is Result.FAILED]
        if all_or_nothing and failed:
            raise UpdateFailed(
                f"{len(failed)} of {len(outcomes)} alerts were not updated "
                f"({_error_type(failed[0].error)}); sending the request again is safe"
            )
        return [outcomes[key] for key in dict.fromkeys(request.keys)]

    async def _write(
        self, request: DialectChange, alerts: list[AlertRef], at: str, record_id: str | None
    ) -> dict[str, Outcome]:
        script = guarded_script(
            request.target,
            already_there=request.already_there,
            allowed_from=request.allowed_from,
            tags_to_add=request.tags_to_add,
            actor=request.provenance.actor,
            updated_at=at,
            history_ref=record_id,
            history_limit=self.status_history.limit,
        )
        lines: list[dict[str, Any]] = []
        for alert in alerts:
            lines.append(
                {
                    "update": {
                        "_index": alert.index,
                        "_id": alert.id,
                        "retry_on_conflict": RETRY_ON_CONFLICT,
                    }
                }
            )
            lines.append({"script": script, "_source": _returned_source(request)})
        response = await self.gateway.bulk(lines, refresh=not self.coalesce_refresh)
        items = response.json()["items"]
        outcomes: dict[str, Outcome] = {}
        for alert, item in zip(alerts, items, strict=True):
            outcomes[alert.key] = _outcome(alert, item["update"], request)
        return outcomes

    async def _annotate(self, record_id: str | None, outcomes: Iterable[Outcome]) -> None:
        """What happened to each named alert, added to the change record (best effort)."""
        by_result: dict[str, list[str]] = {result.value: [] for result in Result}
        for outcome in outcomes:
            by_result[outcome.result.value].append(outcome.key)
        await self.status_history.annotate(record_id, {"results": by_result})

    # --- comments ------------------------------------------------------------------------------

    async def add_comment(self, space_id: str, key: str, user: str | None, text: str) -> Comment:
        alert = await self.get(space_id, key)
        (comment,) = await self.comment_store.add(space_id, [alert.id], user, text)
        if comment is None:
            raise ElasticsearchError(500, b"", "the comment was not stored")
        return comment

    async def comments(self, space_id: str, key: str) -> list[Comment]:
        alert = await self.get(space_id, key)
        return await self.comment_store.of_alert(space_id, alert.id)

    async def _comment_reached(
        self, request: DialectChange, outcomes: Iterable[Outcome]
    ) -> dict[str, Outcome]:
        """The change's comment on each alert it reached (changed or already there)."""
        reached = [o for o in outcomes if o.alert and o.result in REACHED]
        if not reached or request.comment is None:
            return {}
        comments = await self.comment_store.add(
            request.space_id,
            [o.alert.id for o in reached if o.alert],
            request.provenance.actor,
            request.comment,
        )
        return {
            o.key: replace(o, comment=comment) for o, comment in zip(reached, comments, strict=True)
        }


def _change_record(request: DialectChange, at: str) -> ChangeRecord:
    return ChangeRecord(
        request.space_id,
        request.target.status.value,
        request.target.reason,
        request.provenance,
        at,
        {"alert_ids": list(request.keys), "tags_to_add": list(request.tags_to_add)},
    )


def _error_type(error: str | None) -> str:
    """`type` of an item's `type: reason`: the reason may name indices and values."""
    return (error or "failed").split(":", 1)[0]


def _returned_source(request: DialectChange) -> bool | dict[str, list[str]]:
    """As little of each alert as the caller needs back: bytes returned cost throughput."""
    if request.read_back:
        return {"includes": [_STATE_FIELDS, HISTORY_FIELD]}
    if request.allowed_from is not None:
        return {"includes": [_STATE_FIELDS]}
    return False


def _outcome(alert: AlertRef, item: dict[str, Any], request: DialectChange) -> Outcome:
    """What happened to one alert, read from its `_bulk` item."""
    if "error" in item:
        error = item["error"]
        reason = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else error
        result = Result.NOT_FOUND if item.get("status") == 404 else Result.FAILED
        return Outcome(alert.key, result, alert, str(reason))
    after = AlertRef(alert.key, alert.index, alert.id, (item.get("get") or {}).get("_source") or {})
    if item.get("result") == "updated":
        return Outcome(alert.key, Result.UPDATED, after)
    if after.state in request.already_there or request.allowed_from is None:
        return Outcome(alert.key, Result.UNCHANGED, after)
    return Outcome(alert.key, Result.FORBIDDEN, after)
