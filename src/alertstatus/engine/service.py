"""The engine: a StatusChange becomes one `_update_by_query` call. Knows nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alertstatus.engine.guard import DEFAULT_POLICY, QueryPolicy, check_selection
from alertstatus.engine.model import AlertIds, AlertQuery, StatusChange
from alertstatus.engine.outcome import UpdateCounts, UpdateObserver
from alertstatus.engine.query import repair_null_ranges
from alertstatus.engine.scripts import workflow_status_script
from alertstatus.es.gateway import ElasticsearchError, EsResponse, Gateway
from alertstatus.es.templates import AlertIndices


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Behaviour switches, from settings."""

    skip_unchanged: bool = True
    repair_null_range: bool = True
    query_policy: QueryPolicy = DEFAULT_POLICY  # what a selection may hold (engine/guard.py)


def selection_query(
    change: StatusChange, *, repair_null_range: bool = True, policy: QueryPolicy = DEFAULT_POLICY
) -> dict[str, Any]:
    """The `query` member: ids as `terms` on `_id`, or the user's query, inside `bool.filter`.

    The selection passes the guard first (QueryRefused otherwise): nothing unchecked is sent.
    """
    match change.selector:
        case AlertIds(ids=ids):
            check_selection(change.selector, policy)
            return {"bool": {"filter": {"terms": {"_id": list(ids)}}}}
        case AlertQuery(query=query):
            if repair_null_range:
                query = repair_null_ranges(query)
            check_selection(AlertQuery(query), policy)
            return {"bool": {"filter": query}}
    raise TypeError(f"unknown selector {change.selector!r}")  # pragma: no cover


def update_by_query_request(
    change: StatusChange, options: EngineOptions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Query-string parameters and body of the `_update_by_query` for one change."""
    params = {
        "refresh": True,
        "ignore_unavailable": True,
        "conflicts": change.conflicts.value,
    }
    body = {
        "query": selection_query(
            change, repair_null_range=options.repair_null_range, policy=options.query_policy
        ),
        "script": workflow_status_script(change, skip_unchanged=options.skip_unchanged),
    }
    return params, body


class StatusService:
    """Applies status changes to a space's alerts through the gateway."""

    def __init__(
        self,
        gateway: Gateway,
        indices: AlertIndices,
        options: EngineOptions | None = None,
        observer: UpdateObserver | None = None,
    ) -> None:
        self.gateway = gateway
        self.indices = indices
        self.options = options or EngineOptions()
        self.observer = observer

    async def apply(self, change: StatusChange) -> EsResponse:
        """Run the change; the result is Elasticsearch's `_update_by_query` response, raw."""
        params, body = update_by_query_request(change, self.options)  # guarded before any I/O
        alias = await self.indices.ensure_space(change.space_id)
        try:
            result = await self.gateway.update_by_query(alias, body, params)
        except ElasticsearchError as error:  # a 409 (conflicts=abort) still carries the counts
            self._observe(change, error.body())
            raise
        self._observe(change, result.json())
        return result

    def _observe(self, change: StatusChange, body: object) -> None:
        """Tell the observer (metrics, request log) what Elasticsearch did."""
        if self.observer is not None and (counts := UpdateCounts.from_response(body)):
            self.observer(change, counts)
