"""Rules stored in Elasticsearch: one document per rule and space, in the hidden index RULES_INDEX.

Every change is a read-modify-write guarded by `if_seq_no`/`if_primary_term`, so two writers
never silently overwrite each other: the loser gets RuleConflict (409). Knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from alertstatus.engine.guard import DEFAULT_POLICY, QueryPolicy, allowed_query
from alertstatus.engine.indices import load_template
from alertstatus.engine.model import validate_space_id
from alertstatus.errors import QueryRefused, RuleConflict, RuleInvalid, RuleNotFound
from alertstatus.es.gateway import ElasticsearchError, Gateway
from alertstatus.rules.kql import FILTER_FIELDS
from alertstatus.rules.types import RuleTypeRegistry

RULES_INDEX = ".alertstatus-rules"
RULES_INDEX_BODY = "rules/alertstatus-rules.json"
MAX_RULE_ID_LENGTH = 255
MAX_RESULT_WINDOW = 10_000
DEFAULT_SEARCH_FIELDS = ("name", "tags")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

Actor = str | None
Change = Callable[[dict[str, Any]], None]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_run(interval: str, start: datetime | None = None) -> str:
    """When a rule with this schedule would next run (rules are not executed by this service)."""
    start = start or datetime.now(UTC)
    at = start + timedelta(**{_UNITS[interval[-1]]: int(interval[:-1])})
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def checked_new_rule_id(rule_id: str | None) -> str:
    """A caller's id must be a UUID v1 or v4 (as Kibana requires); none means a random v4."""
    if rule_id is None:
        return str(uuid.uuid4())
    try:
        parsed = uuid.UUID(rule_id)
    except ValueError:
        parsed = None
    if parsed is None or parsed.version not in (1, 4) or str(parsed) != rule_id.lower():
        raise RuleInvalid(f"Error creating rule: id {rule_id!r} is not a UUID v1 or v4")
    return rule_id


@dataclass(frozen=True, slots=True)
class StoredRule:
    rule: dict[str, Any]
    seq_no: int
    primary_term: int


@dataclass(frozen=True, slots=True)
class FindRequest:
    """`_find` in stored field names (the legacy view translates its names before this)."""

    page: int = 1
    per_page: int = 10
    search: str | None = None
    search_fields: tuple[str, ...] = DEFAULT_SEARCH_FIELDS
    default_operator: Literal["OR", "AND"] = "OR"
    sort_field: str | None = None
    sort_order: Literal["asc", "desc"] = "asc"
    reference: tuple[str, str] | None = None  # (type, id); rules reference `action`s only
    filter_query: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FindResult:
    page: int
    per_page: int
    total: int
    rules: list[dict[str, Any]] = field(default_factory=list)


class RuleService:
    """Create, read, change and find rules of one space at a time."""

    def __init__(
        self,
        gateway: Gateway,
        types: RuleTypeRegistry,
        index: str = RULES_INDEX,
        policy: QueryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.gateway = gateway
        self.types = types
        self.index = index
        self.policy = policy  # the caller's filter and search text pass the query guard
        self._ready = False
        self._lock = asyncio.Lock()

    async def ensure_index(self) -> None:
        """Create the rules index on first use; a concurrent creator winning is fine."""
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                await self.gateway.create_index(self.index, load_template(RULES_INDEX_BODY))
                self._ready = True

    @staticmethod
    def doc_id(space_id: str, rule_id: str) -> str:
        return f"{validate_space_id(space_id)}:{rule_id}"

    # --- storage -----------------------------------------------------------------------------

    async def load(self, space_id: str, rule_id: str) -> StoredRule:
        if not 0 < len(rule_id) <= MAX_RULE_ID_LENGTH:
            raise RuleNotFound(rule_id)
        await self.ensure_index()
        found = (await self.gateway.get_document(self.index, self.doc_id(space_id, rule_id))).json()
        if not found or not found.get("found"):
            raise RuleNotFound(rule_id)
        return StoredRule(found["_source"], found["_seq_no"], found["_primary_term"])

    async def save(self, stored: StoredRule, rule: dict[str, Any]) -> StoredRule:
        """Write `rule` over `stored` only if nobody wrote in between (else RuleConflict)."""
        response = await self.gateway.index_document(
            self.index,
            self.doc_id(rule["space_id"], rule["id"]),
            rule,
            if_seq_no=stored.seq_no,
            if_primary_term=stored.primary_term,
        )
        if response.status == 409:
            raise RuleConflict(rule["id"])
        written = response.json()
        return StoredRule(rule, written["_seq_no"], written["_primary_term"])

    async def modify(self, space_id: str, rule_id: str, change: Change, actor: Actor) -> dict:
        """Read, apply `change` in place, stamp updated_by/at, write with concurrency control."""
        stored = await self.load(space_id, rule_id)
        rule = {**stored.rule}
        change(rule)
        rule["updated_by"] = actor
        rule["updated_at"] = now_iso()
        return (await self.save(stored, rule)).rule

    # --- operations -------------------------------------------------------------------------

    async def create(
        self, space_id: str, rule_id: str | None, attributes: dict[str, Any], actor: Actor
    ) -> dict[str, Any]:
        rule_id = checked_new_rule_id(rule_id)
        await self.ensure_index()
        rule_type = self.types.get(attributes["rule_type_id"])
        rule_type.validate_params(attributes["params"])
        rule_type.validate_action_groups([a.get("group") for a in attributes["actions"]])
        await self._resolve_connector_types(space_id, attributes["actions"], [])
        created = now_iso()
        enabled = attributes["enabled"]
        rule = {
            "space_id": validate_space_id(space_id),
            "id": rule_id,
            **attributes,
            "api_key_owner": actor if enabled else None,
            "api_key_created_by_user": False,
            "created_by": actor,
            "updated_by": actor,
            "created_at": created,
            "updated_at": created,
            "mute_all": False,
            "muted_alert_ids": [],
            "scheduled_task_id": str(uuid.uuid4()) if enabled else None,
            "execution_status": {"status": "pending", "last_execution_date": created},
            "revision": 0,
            "running": False,
            "last_run": None,
            "next_run": next_run(attributes["schedule"]["interval"]) if enabled else None,
        }
        response = await self.gateway.index_document(
            self.index, self.doc_id(space_id, rule_id), rule, create=True
        )
        if response.status == 409:
            raise RuleConflict(rule_id)
        return rule

    async def get(self, space_id: str, rule_id: str) -> dict[str, Any]:
        return (await self.load(space_id, rule_id)).rule

    async def update(
        self, space_id: str, rule_id: str, attributes: dict[str, Any], actor: Actor
    ) -> dict[str, Any]:
        """Replace the user-editable attributes; the revision goes up by one."""
        stored = await self.load(space_id, rule_id)
        return await self.apply_update(stored, attributes, actor)

    async def apply_update(
        self, stored: StoredRule, attributes: dict[str, Any], actor: Actor
    ) -> dict[str, Any]:
        """The write half of `update`, on a rule read earlier (RuleConflict if it moved on)."""
        current = stored.rule
        rule_type = self.types.get(current["rule_type_id"])
        rule_type.validate_params(attributes["params"])
        rule_type.validate_action_groups([a.get("group") for a in attributes["actions"]])
        await self._resolve_connector_types(
            current["space_id"], attributes["actions"], current.get("actions", [])
        )
        rule = {**current, **attributes}
        rule["revision"] = current.get("revision", 0) + 1
        rule["updated_by"] = actor
        rule["updated_at"] = now_iso()
        if rule["enabled"]:
            rule["api_key_owner"] = actor
            rule["next_run"] = next_run(rule["schedule"]["interval"])
        return (await self.save(stored, rule)).rule

    async def delete(self, space_id: str, rule_id: str) -> None:
        await self.load(space_id, rule_id)
        response = await self.gateway.delete_document(self.index, self.doc_id(space_id, rule_id))
        if response.status == 404:
            raise RuleNotFound(rule_id)

    async def set_enabled(self, space_id: str, rule_id: str, enabled: bool, actor: Actor) -> dict:
        def change(rule: dict[str, Any]) -> None:
            if rule["enabled"] == enabled:
                return
            rule["enabled"] = enabled
            rule["api_key_owner"] = actor if enabled else None
            rule["scheduled_task_id"] = str(uuid.uuid4()) if enabled else None
            rule["next_run"] = next_run(rule["schedule"]["interval"]) if enabled else None
            if enabled:
                rule["execution_status"] = {"status": "pending", "last_execution_date": now_iso()}

        return await self.modify(space_id, rule_id, change, actor)

    async def set_mute_all(self, space_id: str, rule_id: str, muted: bool, actor: Actor) -> dict:
        def change(rule: dict[str, Any]) -> None:
            rule["mute_all"] = muted
            rule["muted_alert_ids"] = []

        return await self.modify(space_id, rule_id, change, actor)

    async def set_alert_muted(
        self, space_id: str, rule_id: str, alert_id: str, muted: bool, actor: Actor
    ) -> dict:
        """Mute or unmute one alert (instance) of a rule; muting under mute_all changes nothing."""

        def change(rule: dict[str, Any]) -> None:
            ids = list(rule.get("muted_alert_ids", []))
            if muted and not rule.get("mute_all") and alert_id not in ids:
                ids.append(alert_id)
            if not muted and alert_id in ids:
                ids.remove(alert_id)
            rule["muted_alert_ids"] = ids

        return await self.modify(space_id, rule_id, change, actor)

    async def find(self, space_id: str, request: FindRequest) -> FindResult:
        await self.ensure_index()
        start = (request.page - 1) * request.per_page
        if start + request.per_page > MAX_RESULT_WINDOW:
            raise RuleInvalid(f"page * per_page must be at most {MAX_RESULT_WINDOW}")
        filters: list[dict[str, Any]] = [{"term": {"space_id": validate_space_id(space_id)}}]
        if request.filter_query is not None:
            filters.append(request.filter_query)
        if request.reference is not None:
            ref_type, ref_id = request.reference
            if ref_type != "action":  # rules only reference connectors
                return FindResult(request.page, request.per_page, 0, [])
            filters.append({"term": {"actions.id": ref_id}})
        query: dict[str, Any] = {"bool": {"filter": filters}}
        if request.search:
            query["bool"]["must"] = [
                {
                    "simple_query_string": {
                        "query": request.search,
                        "fields": list(request.search_fields),
                        "default_operator": request.default_operator,
                    }
                }
            ]
        try:  # KQL filter and search text are the caller's: the guard's model, and a timeout
            allowed = allowed_query(query, self.policy)
        except QueryRefused as error:
            raise RuleInvalid(error.message) from error
        body = {
            "query": allowed,
            "from": start,
            "size": request.per_page,
            "track_total_hits": True,
            "sort": [*self._sort(request), {"id": "asc"}],
            "timeout": self.policy.timeout,
        }
        hits = (await self.gateway.search(self.index, body)).json()["hits"]
        return FindResult(
            request.page,
            request.per_page,
            hits["total"]["value"],
            [hit["_source"] for hit in hits["hits"]],
        )

    @staticmethod
    def _sort(request: FindRequest) -> list[dict[str, Any]]:
        if request.sort_field is None:
            return [{"created_at": request.sort_order}]
        kind = FILTER_FIELDS.get(request.sort_field)
        if kind is None:
            raise RuleInvalid(f"cannot sort on {request.sort_field}")
        target = f"{request.sort_field}.keyword" if kind == "text" else request.sort_field
        return [{target: {"order": request.sort_order, "unmapped_type": "keyword"}}]

    async def readable(self) -> bool:
        """Whether the rules index answers a search (for the alerting health route)."""
        try:
            await self.ensure_index()
            await self.gateway.search(self.index, {"size": 0})
        except ElasticsearchError:  # "not healthy": the route reports it, never raises
            return False
        return True

    # --- connectors ---------------------------------------------------------------------------

    async def _resolve_connector_types(
        self, space_id: str, actions: list[dict[str, Any]], known: list[dict[str, Any]]
    ) -> None:
        """Fill `connector_type_id` of actions that lack it (the 2023-10-31 API cannot send it).

        Connectors are not stored by this service: a connector's type is learned from a rule
        that already uses it (this one, or another rule of the space, e.g. made by the legacy API).
        """
        types = {a["id"]: a.get("connector_type_id") for a in known}
        missing = {a["id"] for a in actions if not a.get("connector_type_id")} - set(types)
        if missing:
            body = {
                "size": 100,
                "_source": ["actions.id", "actions.connector_type_id"],
                "query": {
                    "bool": {
                        "filter": [
                            {"term": {"space_id": validate_space_id(space_id)}},
                            {"terms": {"actions.id": sorted(missing)}},
                        ]
                    }
                },
            }
            for hit in (await self.gateway.search(self.index, body)).json()["hits"]["hits"]:
                for action in hit["_source"].get("actions", []):
                    types.setdefault(action["id"], action.get("connector_type_id"))
        for action in actions:
            if not action.get("connector_type_id"):
                action["connector_type_id"] = types.get(action["id"])
        unknown = sorted({a["id"] for a in actions if not a.get("connector_type_id")})
        if unknown:
            raise RuleInvalid(
                "Failed to validate actions due to the following error: "
                f"Invalid connectorId: {', '.join(unknown)} (connector type unknown)"
            )
