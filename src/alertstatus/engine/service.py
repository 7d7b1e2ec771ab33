"""The engine: a StatusChange becomes one `_update_by_query` call. Knows nothing of HTTP."""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson

from alertstatus.engine.admission import Admission
from alertstatus.engine.guard import (
    DEFAULT_POLICY,
    QueryPolicy,
    allowed_query,
    allowed_runtime_mappings,
    check_ids,
)
from alertstatus.engine.history import ChangeRecord, Provenance, StatusHistory
from alertstatus.engine.indices import AlertIndices
from alertstatus.engine.merge import merge_update_by_query
from alertstatus.engine.model import AlertIds, AlertQuery, Selector, StatusChange
from alertstatus.engine.outcome import UpdateCounts, UpdateObserver
from alertstatus.engine.refreshes import RefreshCoalescer
from alertstatus.engine.scripts import with_history_ref, workflow_status_script
from alertstatus.errors import ChangeNotVisible, SelectionTooLarge
from alertstatus.es.capabilities import EngineCapabilities
from alertstatus.es.gateway import ElasticsearchError, EsResponse, Gateway

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Behaviour switches, from settings."""

    skip_unchanged: bool = False  # Kibana's counting unless a change or the settings say so
    repair_null_range: bool = True
    history_limit: int | None = None  # None: no status history (engine/history.py)
    query_policy: QueryPolicy = DEFAULT_POLICY  # what a selection may hold (engine/guard.py)
    # "shards": slices chosen per change from the alias (StatusService._sliced); else passed as is
    slices: str = "1"
    slice_min_alerts: int = 20_000  # a query selection this large is sliced by "shards"
    prefilter_unchanged: bool = False
    requests_per_second: float = -1
    max_ids: int = 500_000
    max_terms_count_cache_seconds: float = 300.0
    # False: Kibana's `refresh=true` on every request (so `EngineOptions()` builds Kibana's
    # request); True, the service's default from settings: `refresh=false`, then a shared
    # refresh (engine/refreshes.py; docs/performance.md, "Refresh")
    coalesce_refresh: bool = False


WORKFLOW_STATUS_FIELD = "kibana.alert.workflow_status"
RUNTIME_MEMBERS = "runtime_mappings and runtime_fields"  # what a status change's caller sent
MAX_TERMS_COUNT = "index.max_terms_count"
NUMBER_OF_SHARDS = "index.number_of_shards"
SLICES_FROM_SHARDS = "shards"  # the `slices` setting that chooses them per change
DEFAULT_MAX_TERMS_COUNT = 65_536  # Elasticsearch's default, used when an index reports none


def selection_query(
    change: StatusChange, *, repair_null_range: bool = True, policy: QueryPolicy = DEFAULT_POLICY
) -> dict[str, Any]:
    """The `query` member: ids as `terms` on `_id`, or the user's query, inside `bool.filter`.

    The selection passes the guard first (QueryRefused otherwise): a user's query is sent as the
    guard's model re-serialises it, never as it came (engine/guard.py).
    """
    match change.selector:
        case AlertIds(ids=ids):
            check_ids(ids, policy)
            return {"bool": {"filter": {"terms": {"_id": list(ids)}}}}
        case AlertQuery(query=query):
            allowed = allowed_query(query, policy, repair_null_range=repair_null_range)
            return {"bool": {"filter": allowed}}
    raise TypeError(f"unknown selector {change.selector!r}")  # pragma: no cover


def skips_unchanged(change: StatusChange, options: EngineOptions) -> bool:
    """The change's own choice, else the service's (docs/dialects.md, "Counting")."""
    return options.skip_unchanged if change.skip_unchanged is None else change.skip_unchanged


def runtime_mappings(change: StatusChange, policy: QueryPolicy) -> dict[str, Any]:
    """The query's runtime fields as the guard re-serialises them; `{}` for an id selection."""
    if not isinstance(change.selector, AlertQuery):
        return {}
    return allowed_runtime_mappings(change.selector.runtime_mappings, policy)


def update_by_query_request(
    change: StatusChange, options: EngineOptions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Query-string parameters and body of the `_update_by_query` for one change.

    Pure: the selection and its runtime fields pass the guard here, before any I/O. With
    coalesced refreshes the call itself does not refresh: `StatusService` waits for a shared
    refresh after it (engine/refreshes.py).
    """
    params: dict[str, Any] = {
        "refresh": not options.coalesce_refresh,
        "ignore_unavailable": True,
        "conflicts": change.conflicts.value,
    }
    # only then: a sliced response carries an extra `slices` member; "shards" is chosen later
    if options.slices not in ("1", SLICES_FROM_SHARDS):
        params["slices"] = options.slices
    if options.requests_per_second > 0:
        params["requests_per_second"] = options.requests_per_second
    if isinstance(change.selector, AlertQuery):  # a caller's query: each batch search is bounded
        params["search_timeout"] = options.query_policy.timeout
    query = selection_query(
        change, repair_null_range=options.repair_null_range, policy=options.query_policy
    )
    skip_unchanged = skips_unchanged(change, options)
    if skip_unchanged and options.prefilter_unchanged:
        query["bool"]["must_not"] = {"term": {WORKFLOW_STATUS_FIELD: change.status.value}}
    body: dict[str, Any] = {"query": query}
    if runtime := runtime_mappings(change, options.query_policy):  # `{}` is never sent
        body["runtime_mappings"] = runtime
    body["script"] = workflow_status_script(
        change, skip_unchanged=skip_unchanged, history_limit=options.history_limit
    )  # history_ref is set once the change record is stored (StatusService._recorded)
    return params, body


def with_ids(body: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """The same request body selecting only `ids` (one chunk of a split id list)."""
    query = {**body["query"], "bool": {**body["query"]["bool"], "filter": {"terms": {"_id": ids}}}}
    return {**body, "query": query}


def change_record(change: StatusChange, at: str) -> ChangeRecord:
    """The history record of a Kibana-style change (engine/history.py)."""
    provenance = Provenance(
        change.dialect, change.actor, change.note, change.request_id, change.caller
    )
    return ChangeRecord(
        change.space_id,
        change.status.value,
        change.reason,
        provenance,
        at,
        {"selection": selection_summary(change.selector)},
    )


def selection_summary(selector: Selector) -> dict[str, Any]:
    """What the record says of the selection: the query (and its runtime fields), or how many
    ids (the alerts say which)."""
    if isinstance(selector, AlertIds):
        return {"ids": len(selector.ids)}
    if selector.runtime_mappings:
        return {"query": selector.query, "runtime_mappings": selector.runtime_mappings}
    return {"query": selector.query}


def chunked(ids: tuple[str, ...], size: int) -> list[list[str]]:
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


@dataclass(frozen=True, slots=True)
class IndexLimits:
    """What the alias's indices allow, read from their settings and cached for a while."""

    max_terms_count: int  # the smallest of the indices': id lists are cut at it
    primary_shards: int  # the fewest of the indices' (what `slices=auto` would choose)
    read_at: float  # time.monotonic()


class StatusService:
    """Applies status changes to a space's alerts through the gateway."""

    def __init__(
        self,
        gateway: Gateway,
        indices: AlertIndices,
        options: EngineOptions | None = None,
        observer: UpdateObserver | None = None,
        history: StatusHistory | None = None,
        capabilities: EngineCapabilities | None = None,
        refreshes: RefreshCoalescer | None = None,
        admission: Admission | None = None,
    ) -> None:
        self.gateway = gateway
        self.indices = indices
        self.options = options or EngineOptions()
        self.observer = observer
        self.history = history or StatusHistory(gateway, self.options.history_limit)
        self.capabilities = capabilities or EngineCapabilities(gateway)
        self.refreshes = refreshes or RefreshCoalescer(gateway.refresh)
        self.admission = admission or Admission()
        self._limits: dict[str, IndexLimits] = {}

    async def apply(self, change: StatusChange) -> EsResponse:
        """Run the change; the result is Elasticsearch's `_update_by_query` response, raw.

        Id lists longer than the alias's `index.max_terms_count` run as several calls whose
        responses are merged into one body of the same shape (docs/scale.md).

        The write holds an admission slot (engine/admission.py: Overloaded before anything is
        recorded or sent when too many wait); when it returns, the change is visible to search,
        as with Kibana's `refresh=true`: the write's own when it is alone on its alias, else a
        shared one (engine/refreshes.py; ChangeNotVisible when that fails). Its counts go on
        its change record after the answer (`StatusHistory.record_counts`).
        """
        self._check_size(change)
        params, body = update_by_query_request(change, self.options)  # guarded before any I/O
        await self._check_engine(body)
        alias = await self.indices.ensure_space(change.space_id)
        chunks = await self._id_chunks(alias, change)
        params = await self._sliced(alias, change, params, body)
        failure: ElasticsearchError | None = None
        record = change_record(change, body["script"]["params"]["updated_at"])
        recording = self._recorded(record, body)  # written while the write waits for a slot
        async with self.admission.slot_after(alias, recording) as (record_id, body):
            # Alone on its alias, the write is Kibana's own, `refresh=true`: a shared refresh
            # saves nothing then, and costs a round trip (docs/performance.md, "Refresh")
            shared_refresh = self.options.coalesce_refresh and (
                len(chunks) > 1 or not self.admission.alone(alias)
            )
            if not shared_refresh:  # (without coalescing, `refresh=true` already)
                params = {**params, "refresh": True}
            try:
                result = await self._update(alias, body, params, chunks)
            except ElasticsearchError as error:  # a 409 (conflicts=abort) still carries counts
                self._observe(change, error.body())
                failure = error
        if failure is not None:
            self._count_on_record(record, record_id, failure.body())
            if shared_refresh:
                await self._partial_visible(alias, failure)
            raise failure
        self._observe(change, result.json())
        self._count_on_record(record, record_id, result.json())
        if shared_refresh:
            await self.refreshes.visible(alias)
        return result

    async def _partial_visible(self, alias: str, failure: ElasticsearchError) -> None:
        """A failed call that still changed alerts (a 409's counts) is refreshed too, as
        `refresh=true` does; the caller hears the original error either way."""
        if UpdateCounts.from_response(failure.body()):
            with suppress(ChangeNotVisible):  # logged by the coalescer; the write's error wins
                await self.refreshes.visible(alias)

    async def _check_engine(self, body: dict[str, Any]) -> None:
        """Runtime fields only where the cluster has them: a clear 400, not a parser error."""
        if "runtime_mappings" in body:
            await self.capabilities.require_runtime_fields(RUNTIME_MEMBERS)

    async def _recorded(
        self, record: ChangeRecord, body: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        """Store the change record first; the body's script then points each entry at it."""
        record_id = await self.history.record(record)
        return record_id, with_history_ref(body, record_id)

    def _count_on_record(
        self, record: ChangeRecord, record_id: str | None, response: object
    ) -> None:
        """Elasticsearch's counts on the change record: queued, best effort (the change is
        made; engine/history.py, `record_counts`)."""
        if record_id is not None and (counts := UpdateCounts.from_response(response)):
            self.history.record_counts(record_id, record, counts)

    def _observe(self, change: StatusChange, body: object) -> None:
        """Tell the observer (metrics, request log) what Elasticsearch did."""
        if self.observer is not None and (counts := UpdateCounts.from_response(body)):
            self.observer(change, counts)

    async def _update(
        self, alias: str, body: dict[str, Any], params: dict[str, Any], chunks: list[list[str]]
    ) -> EsResponse:
        """One `_update_by_query`, or one per chunk of ids with the answers merged."""
        if len(chunks) <= 1:
            return await self.gateway.update_by_query(alias, body, params)
        answers: list[dict[str, Any]] = []
        for chunk in chunks:
            try:
                response = await self.gateway.update_by_query(alias, with_ids(body, chunk), params)
            except ElasticsearchError as error:
                partial = error.body()
                if answers and isinstance(partial, dict) and "failures" in partial:
                    merged = merge_update_by_query([*answers, partial])
                    raise ElasticsearchError(error.status, orjson.dumps(merged)) from error
                raise
            answers.append(response.json())
        return EsResponse(200, orjson.dumps(merge_update_by_query(answers)))

    async def start(self, change: StatusChange) -> str:
        """Start the change as an Elasticsearch task; its id (`node:number`) to poll.

        One task is one `_update_by_query`, so an id list needing several calls is refused. It
        keeps Kibana's `refresh=true`: Elasticsearch refreshes once when the task ends, and the
        caller learns of the end by polling, so there is nothing to share. Starting one takes no
        admission slot: the task runs on in Elasticsearch after the answer.
        """
        self._check_size(change)
        params, body = update_by_query_request(change, self.options)  # guarded before any I/O
        await self._check_engine(body)
        alias = await self.indices.ensure_space(change.space_id)
        chunks = await self._id_chunks(alias, change)
        if len(chunks) > 1:
            raise SelectionTooLarge(
                f"an asynchronous request may name at most {len(chunks[0])} alert ids "
                "(the index's max_terms_count); use a query or wait_for_completion=true"
            )
        params = await self._sliced(alias, change, params, body)
        record = change_record(change, body["script"]["params"]["updated_at"])
        record_id, body = await self._recorded(record, body)
        response = await self.gateway.update_by_query(
            alias, body, {**params, "refresh": True, "wait_for_completion": False}
        )
        task_id = str(response.json()["task"])
        await self.history.link_task(record_id, task_id)  # its counts come when it is seen done
        return task_id

    def _check_size(self, change: StatusChange) -> None:
        selector = change.selector
        if isinstance(selector, AlertIds) and len(selector.ids) > self.options.max_ids:
            raise SelectionTooLarge(
                f"at most {self.options.max_ids} alert ids per request "
                f"(got {len(selector.ids)}); split the request or select by query"
            )

    async def _id_chunks(self, alias: str, change: StatusChange) -> list[list[str]]:
        """The id list cut at `max_terms_count`; empty for query selections."""
        if not isinstance(change.selector, AlertIds):
            return []
        return chunked(change.selector.ids, await self.max_terms_count(alias))

    async def max_terms_count(self, alias: str) -> int:
        """The smallest `index.max_terms_count` of the alias's indices."""
        return (await self.index_limits(alias)).max_terms_count

    async def index_limits(self, alias: str) -> IndexLimits:
        """The alias's `max_terms_count` and primary shards, from one settings read, cached."""
        cached = self._limits.get(alias)
        now = time.monotonic()
        if cached and now - cached.read_at < self.options.max_terms_count_cache_seconds:
            return cached
        found = await self.gateway.index_settings(alias, f"{MAX_TERMS_COUNT},{NUMBER_OF_SHARDS}")
        indices = [
            {**(index.get("defaults") or {}), **(index.get("settings") or {})}
            for index in (found or {}).values()
        ]
        terms = [int(index.get(MAX_TERMS_COUNT) or DEFAULT_MAX_TERMS_COUNT) for index in indices]
        shards = [int(index.get(NUMBER_OF_SHARDS) or 1) for index in indices]
        limits = IndexLimits(
            max_terms_count=max(1, min(terms, default=DEFAULT_MAX_TERMS_COUNT)),
            primary_shards=max(1, min(shards, default=1)),
            read_at=now,
        )
        self._limits[alias] = limits
        return limits

    async def _sliced(
        self, alias: str, change: StatusChange, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        """`slices` chosen from the cluster (docs/scale.md, "slices"): a query selection of at
        least `slice_min_alerts` alerts, on an alias whose indices have several primary shards,
        runs one slice per shard; anything else one slice, Kibana's request and response shape.
        """
        if self.options.slices != SLICES_FROM_SHARDS or not isinstance(change.selector, AlertQuery):
            return params
        shards = (await self.index_limits(alias)).primary_shards
        if shards < 2 or not await self._selects_at_least(alias, body, params):
            return params
        return {**params, "slices": shards}

    async def _selects_at_least(
        self, alias: str, body: dict[str, Any], params: dict[str, Any]
    ) -> bool:
        """Whether the update's query matches `slice_min_alerts` alerts: a search that stops
        counting there. One that fails says no: the update then answers the error itself."""
        wanted = self.options.slice_min_alerts
        search: dict[str, Any] = {"size": 0, "track_total_hits": wanted, "query": body["query"]}
        if "runtime_mappings" in body:
            search["runtime_mappings"] = body["runtime_mappings"]
        if "search_timeout" in params:
            search["timeout"] = params["search_timeout"]
        try:
            answer = await self.gateway.search(alias, search, {"ignore_unavailable": True})
        except ElasticsearchError as error:
            log.info("no slices for an update on %s: its count failed (%s)", alias, error)
            return False
        total = answer.json().get("hits", {}).get("total", {})
        matched = total.get("value", 0) if isinstance(total, dict) else total
        return int(matched or 0) >= wanted
