"""The rule vocabulary of KQL, for `GET /api/alerts/_find?filter=...`.

The parser and compiler are the engine's (engine/kql.py, shared with alert queries); this module
says which names a rule filter may use (`alert.attributes.<field>` on the fields of
FILTER_FIELDS, docs/rules.md) and answers in the rule routes' words: KQLSyntaxError for the
syntax, Kibana's "does NOT exist" for an unknown key. The compiled query passes the query
guard's model like any caller's query (engine/guard.py).
"""

from __future__ import annotations

from typing import Any

from alertstatus.engine.guard import allowed_query
from alertstatus.engine.kql import Field, Kind, parse_kql
from alertstatus.errors import KqlError, KqlInvalid, QueryRefused, RuleInvalid
from alertstatus.rules.translate import LEGACY_FIELDS

PREFIX = "alert.attributes."

# stored field -> kind; only these may be filtered on.
FILTER_FIELDS: dict[str, str] = {
    "name": "text",
    "tags": "keyword",
    "rule_type_id": "keyword",
    "consumer": "keyword",
    "schedule.interval": "keyword",
    "actions.id": "keyword",
    "actions.group": "keyword",
    "actions.connector_type_id": "keyword",
    "enabled": "boolean",
    "throttle": "keyword",
    "notify_when": "keyword",
    "api_key_owner": "keyword",
    "created_by": "keyword",
    "updated_by": "keyword",
    "created_at": "date",
    "updated_at": "date",
    "mute_all": "boolean",
    "muted_alert_ids": "keyword",
    "scheduled_task_id": "keyword",
    "execution_status.status": "keyword",
    "execution_status.last_execution_date": "date",
}


def resolve_field(name: str) -> Field:
    """`alert.attributes.<legacy field>` -> its stored field, or a 400."""
    legacy = name.removeprefix(PREFIX) if name.startswith(PREFIX) else None
    stored = LEGACY_FIELDS.get(legacy or "")
    if stored is None or stored not in FILTER_FIELDS:
        raise RuleInvalid(f"This key '{name}' does NOT exist in alert saved object index patterns")
    kind = Kind(FILTER_FIELDS[stored])
    return Field(stored, kind, f"{stored}.keyword" if kind is Kind.TEXT else None)


def compile_filter(source: str) -> dict[str, Any]:
    """The Elasticsearch query for a KQL filter string (400 on anything outside the subset), as
    the query guard's model re-serialises it."""
    try:
        query = parse_kql(source, resolve_field, subject="filter")
    except KqlInvalid as error:
        raise KqlError(error.message) from error
    try:
        return allowed_query(query)
    except QueryRefused as error:
        raise RuleInvalid(error.message) from error
