"""Kibana 7.x legacy alerting routes (`/api/alerts/...`) on rules in `.alertstatus-rules`; each also
under `/s/{space_id}` (docs/rules.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import orjson
from fastapi import Query, Request, Response

from alertstatus.api.deps import RulesToRead, RulesToWrite, SettingsDep, SpaceRules
from alertstatus.api.errors import KIBANA_PLATFORM, dialect_route
from alertstatus.api.responses import json_response
from alertstatus.api.spaces import SpacedRouter
from alertstatus.errors import RuleInvalid
from alertstatus.rules.kql import FILTER_FIELDS, compile_filter
from alertstatus.rules.models import LegacyCreateBody, LegacyUpdateBody
from alertstatus.rules.service import DEFAULT_SEARCH_FIELDS, FindRequest
from alertstatus.rules.translate import (
    LEGACY_FIELDS,
    legacy_create_attributes,
    legacy_update_attributes,
    to_legacy,
)

BASE = "/api/alerts"
SEARCHABLE = frozenset({"text", "keyword"})
router = SpacedRouter(
    route_class=dialect_route(KIBANA_PLATFORM), tags=["Kibana alerting (legacy 7.x)"]
)


def done() -> Response:
    """Kibana 7.x's API documentation says 200 (Kibana itself answers 204); no body either way."""
    return Response(status_code=200)


@router.post(BASE + "/alert", summary="Create an alert (rule)")
@router.post(BASE + "/alert/{id}", name="create_alert_with_id", summary="Create with a UUID id")
async def create_alert(request: Request, body: LegacyCreateBody, rules: RulesToWrite) -> Response:
    rule_id = request.path_params.get("id")
    attributes = legacy_create_attributes(body)
    rule = await rules.service.create(rules.space_id, rule_id, attributes, rules.actor)
    return json_response(to_legacy(rule))


@router.get(BASE + "/alert/{id}", summary="Get an alert (rule)")
async def get_alert(id: str, rules: RulesToRead) -> Response:
    return json_response(to_legacy(await rules.service.get(rules.space_id, id)))


@router.put(BASE + "/alert/{id}", summary="Update an alert (rule)")
async def update_alert(id: str, body: LegacyUpdateBody, rules: RulesToWrite) -> Response:
    attributes = legacy_update_attributes(body)
    rule = await rules.service.update(rules.space_id, id, attributes, rules.actor)
    return json_response(to_legacy(rule))


@router.delete(BASE + "/alert/{id}", summary="Delete an alert (rule)")
async def delete_alert(id: str, rules: RulesToWrite) -> Response:
    await rules.service.delete(rules.space_id, id)
    return done()


# Rule switches: each flips one flag of the rule (or of one of its alert instances), answers 200.
SWITCHES = (
    ("_enable", "Enable an alert (rule)", "enabled", True),
    ("_disable", "Disable an alert (rule)", "enabled", False),
    ("_mute_all", "Mute all alert instances of a rule", "mute_all", True),
    ("_unmute_all", "Unmute all alert instances of a rule", "mute_all", False),
    ("_mute", "Mute an alert instance", "instance_muted", True),
    ("_unmute", "Unmute an alert instance", "instance_muted", False),
)


async def flip(rules: SpaceRules, flag: str, value: bool, rule_id: str, instance: str) -> None:
    match flag:
        case "enabled":
            await rules.service.set_enabled(rules.space_id, rule_id, value, rules.actor)
        case "mute_all":
            await rules.service.set_mute_all(rules.space_id, rule_id, value, rules.actor)
        case "instance_muted":
            await rules.service.set_alert_muted(
                rules.space_id, rule_id, instance, value, rules.actor
            )


def register_switch(suffix: str, summary: str, flag: str, value: bool) -> None:
    """`POST /alert/{id}/<suffix>`, or `/alert/{id}/alert_instance/{instance_id}/<suffix>`."""

    async def switch(request: Request, id: str, rules: RulesToWrite) -> Response:
        await flip(rules, flag, value, id, request.path_params.get("instance_id", ""))
        return done()

    on_instance = flag == "instance_muted"
    path = "/alert/{id}/alert_instance/{instance_id}/" if on_instance else "/alert/{id}/"
    name = ("alert_instance" if on_instance else "alert") + suffix
    router.post(BASE + path + suffix, name=name, summary=summary)(switch)


for switch in SWITCHES:
    register_switch(*switch)


def _stored_field(legacy: str, purpose: str, kinds: frozenset[str] = frozenset()) -> str:
    stored = LEGACY_FIELDS.get(legacy)
    if (
        stored is None
        or stored not in FILTER_FIELDS
        or (kinds and FILTER_FIELDS[stored] not in kinds)
    ):
        raise RuleInvalid(f"[request query].{purpose}: unsupported field {legacy!r}")
    return stored


def _reference(request: Request, raw: str | None) -> tuple[str, str] | None:
    """`has_reference` as JSON (`{"type":..,"id":..}`) or as `has_reference[type]`/`[id]`."""
    if raw is not None:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, dict) or not {"type", "id"} <= value.keys():
            raise RuleInvalid('[request query].has_reference: expected {"type": ..., "id": ...}')
        return str(value["type"]), str(value["id"])
    ref_type = request.query_params.get("has_reference[type]")
    ref_id = request.query_params.get("has_reference[id]")
    if (ref_type is None) != (ref_id is None):
        raise RuleInvalid("[request query].has_reference: both type and id are required")
    return (ref_type, ref_id) if ref_type is not None and ref_id is not None else None


@router.get(BASE + "/_find", summary="Find alerts (rules)")
async def find_alerts(
    request: Request,
    rules: RulesToRead,
    per_page: Annotated[int, Query(ge=0)] = 10,
    page: Annotated[int, Query(ge=1)] = 1,
    search: str | None = None,
    default_search_operator: Literal["OR", "AND"] = "OR",
    search_fields: Annotated[list[str] | None, Query()] = None,
    fields: Annotated[list[str] | None, Query()] = None,
    sort_field: str | None = None,
    sort_order: Literal["asc", "desc"] = "asc",
    has_reference: str | None = None,
    filter: str | None = None,
) -> Response:
    find = FindRequest(
        page=page,
        per_page=per_page,
        search=search,
        search_fields=tuple(_stored_field(f, "search_fields", SEARCHABLE) for f in search_fields)
        if search_fields
        else DEFAULT_SEARCH_FIELDS,  # not FindRequest.search_fields: a slot descriptor
        default_operator=default_search_operator,
        sort_field=_stored_field(sort_field, "sort_field") if sort_field else None,
        sort_order=sort_order,
        reference=_reference(request, has_reference),
        filter_query=compile_filter(filter) if filter else None,
    )
    result = await rules.service.find(rules.space_id, find)
    data = [to_legacy(rule) for rule in result.rules]
    if fields:
        data = [{"id": item["id"]} | {k: item[k] for k in fields if k in item} for item in data]
    return json_response(
        {"page": result.page, "perPage": result.per_page, "total": result.total, "data": data}
    )


@router.get(BASE + "/_health", summary="Alerting framework health")
async def health(request: Request, settings: SettingsDep, rules: RulesToRead) -> Response:
    status = "ok" if await rules.service.readable() else "error"
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    auth_enabled = settings.auth_enabled
    secure = not auth_enabled or request.url.scheme == "https"
    component = {"status": status, "timestamp": at}
    return json_response(
        {
            "isSufficientlySecure": secure,
            "hasPermanentEncryptionKey": True,
            "alertingFrameworkHeath": {
                "decryptionHealth": component,
                "executionHealth": component,
                "readHealth": component,
            },
        }
    )


@router.get(BASE + "/list_alert_types", summary="List alert (rule) types")
async def list_alert_types(rules: RulesToRead) -> Response:
    return json_response([rule_type.legacy_listing() for rule_type in rules.service.types.all()])
