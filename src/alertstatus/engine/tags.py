"""Kibana's sibling bulk APIs: workflow tags, assignees, and the alerts search.

Each answers with Elasticsearch's raw response, as Kibana does. Tags and assignees are not
statuses: they leave no status-history entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from alertstatus.engine.guard import DEFAULT_POLICY, QueryPolicy, allowed_search
from alertstatus.engine.indices import READ_PARAMS, AlertIndices, alerts_alias
from alertstatus.engine.model import MAX_KEYWORD_LENGTH, MAX_KEYWORD_VALUES
from alertstatus.errors import InvalidArrays
from alertstatus.es.capabilities import EngineCapabilities
from alertstatus.es.gateway import EsResponse, Gateway

# Kibana's add/remove merge (getUpdateAlertTagsScript, getUpdateAlertAssigneesScript): keep what is
# not removed, append adds not already present; a missing field becomes the adds, which are
# de-duplicated before they are sent. Every matched alert is written (no noop), as in Kibana. One
# script serves both fields (`params.field`, a constant).
MERGE_KEYWORDS = """
def current = ctx._source[params.field];
if (current == null) {
  ctx._source[params.field] = params.add;
} else {
  List merged = new ArrayList();
  for (def value : current) {
    if (!params.remove.contains(value)) {
      merged.add(value);
    }
  }
  for (def value : params.add) {
    if (!merged.contains(value)) {
      merged.add(value);
    }
  }
  ctx._source[params.field] = merged;
}
""".strip()

MAX_ID_BYTES = 512  # Elasticsearch's own `_id` limit
# Beyond Elasticsearch's own `timeout`, which it checks only while collecting documents, the
# connection is given up this much later; Elasticsearch cancels a search whose caller has gone.
SEARCH_ANSWER_GRACE = 10.0  # seconds
TAGS_FIELD = "kibana.alert.workflow_tags"
ASSIGNEES_FIELD = "kibana.alert.workflow_assignee_ids"


def _json_list(values: Sequence[str]) -> str:
    """JavaScript's `JSON.stringify` of a string array (Kibana formats its messages with it)."""
    return orjson.dumps(list(values)).decode()


def unique(values: Sequence[str]) -> list[str]:
    """The values without repeats, first occurrence kept (lodash's `uniq`, as Kibana's route)."""
    return list(dict.fromkeys(values))


def validate_arrays(add: Sequence[str], remove: Sequence[str], *, kind: str) -> None:
    """Kibana's validateAlertTagsArrays / validateAlertAssigneesArrays: values both added and
    removed, listed as `JSON.stringify` writes them, repeats included. (Its tags check for empty
    ids can no longer be reached: the schema needs at least one id, docs/dialects.md.)"""
    duplicates = [value for value in add if value in remove]
    if duplicates:
        where = "tags_to_add and tags_to_remove" if kind == "tags" else "add and remove"
        raise InvalidArrays(
            [f"Duplicate {kind} {_json_list(duplicates)} were found in the {where} parameters."]
        )


def check_edit(edit: KeywordEdit, max_ids: int) -> None:
    """Bounds before any I/O: how many alerts and values, and how long each may be."""
    if len(edit.ids) > max_ids:
        raise InvalidArrays([f"at most {max_ids} alert ids per request (got {len(edit.ids)})"])
    if any(len(alert_id.encode()) > MAX_ID_BYTES for alert_id in edit.ids):
        raise InvalidArrays([f"alert ids are limited to {MAX_ID_BYTES} bytes"])
    for values in (edit.add, edit.remove):
        if len(values) > MAX_KEYWORD_VALUES:
            raise InvalidArrays([f"at most {MAX_KEYWORD_VALUES} values may be added or removed"])
        if any(len(value) > MAX_KEYWORD_LENGTH for value in values):
            raise InvalidArrays([f"values are limited to {MAX_KEYWORD_LENGTH} characters"])


@dataclass(frozen=True, slots=True)
class KeywordEdit:
    """Add and remove values of one keyword-array field on alerts given by `_id`."""

    space_id: str
    ids: tuple[str, ...]
    field: str
    add: tuple[str, ...]
    remove: tuple[str, ...]


class AlertFieldsService:
    """Tags, assignees and search through Kibana's routes."""

    def __init__(
        self,
        gateway: Gateway,
        indices: AlertIndices,
        policy: QueryPolicy = DEFAULT_POLICY,
        capabilities: EngineCapabilities | None = None,
    ) -> None:
        self.gateway = gateway
        self.indices = indices
        self.policy = policy
        self.capabilities = capabilities or EngineCapabilities(gateway)

    async def edit(self, edit: KeywordEdit) -> EsResponse:
        check_edit(edit, self.policy.max_ids)
        alias = await self.indices.ensure_space(edit.space_id)
        body = {
            "query": {"bool": {"filter": {"terms": {"_id": list(edit.ids)}}}},
            "script": {
                "lang": "painless",
                "source": MERGE_KEYWORDS,
                "params": {
                    "field": edit.field,
                    "add": unique(edit.add),
                    "remove": unique(edit.remove),
                },
            },
        }
        params = {"refresh": True, "ignore_unavailable": True}
        return await self.gateway.update_by_query(alias, body, params)

    async def search(self, space_id: str, body: dict[str, Any]) -> EsResponse:
        """Guarded before anything reaches Elasticsearch: the search sent is the one the guard's
        model re-serialises, with a `timeout` (engine/guard.py). A space without alerts answers
        like an empty one and is not created. Runtime fields go only to an engine that has them
        (es/capabilities.py)."""
        allowed = allowed_search(body, self.policy)
        if "runtime_mappings" in allowed:
            await self.capabilities.require_runtime_fields("runtime_mappings")
        return await self.gateway.search(
            alerts_alias(space_id),
            allowed,
            READ_PARAMS,
            timeout=self.policy.search_timeout + SEARCH_ANSWER_GRACE,
        )
