"""Kibana 7.x legacy alerting routes (`/api/alerts/...`), each also under `/s/{space_id}`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response

from alertstatus.dialects.kibana.errors import KibanaPlatformRoute
from alertstatus.errors import RuleInvalid
from alertstatus.http import json_response
from alertstatus.rules.dependencies import Reader, Service, Space, Writer, route_with_spaces
from alertstatus.rules.kql import FILTER_FIELDS, compile_filter
from alertstatus.rules.models import LegacyCreateBody, LegacyUpdateBody
from alertstatus.rules.service import DEFAULT_SEARCH_FIELDS, Actor, FindRequest, RuleService
from alertstatus.rules.translate import (
    LEGACY_FIELDS,
    legacy_create_attributes,
    legacy_update_attributes,
    to_legacy,
)

BASE = "/api/alerts"
SEARCHABLE = frozenset({"text", "keyword"})
router = APIRouter(route_class=KibanaPlatformRoute, tags=["Kibana alerting (legacy 7.x)"])


def route(method: str, path: str, **options: Any) -> Callable[[Callable], Callable]:
    return route_with_spaces(router, method, BASE + path, **options)


def done() -> Response:
    """The seed documents 200 for these calls (Kibana itself answers 204); no body either way."""
    return Response(status_code=200)


@route("POST", "/alert", summary="Create an alert (rule)")
@route("POST", "/alert/{id}", summary="Create an alert (rule) with a given UUID v1/v4 id")
async def create_alert(
    principal: Writer, space_id: Space, request: Request, body: LegacyCreateBody, service: Service
) -> Response:
    rule_id = request.path_params.get("id")
    rule = await service.create(space_id, rule_id, legacy_create_attributes(body), principal.actor)
    return json_response(to_legacy(rule))


@route("GET", "/alert/{id}", summary="Get an alert (rule)")
async def get_alert(_: Reader, space_id: Space, id: str, service: Service) -> Response:
    return json_response(to_legacy(await service.get(space_id, id)))


@route("PUT", "/alert/{id}", summary="Update an alert (rule)")
async def update_alert(
    principal: Writer, space_id: Space, id: str, body: LegacyUpdateBody, service: Service
) -> Response:
    rule = await service.update(space_id, id, legacy_update_attributes(body), principal.actor)
    return json_response(to_legacy(rule))


@route("DELETE", "/alert/{id}", summary="Delete an alert (rule)")
async def delete_alert(_: Writer, space_id: Space, id: str, service: Service) -> Response:
    await service.delete(space_id, id)
    return done()


# Rule switches: each flips one thing through one service call and answers 200, no body.
Switch = Callable[[RuleService, str, str, Actor], Awaitable[Any]]
SWITCHES: list[tuple[str, str, Switch]] = [
    ("_enable", "Enable an alert (rule)",
     lambda service, space, id, actor: service.set_enabled(space, id, True, actor)),
    ("_disable", "Disable an alert (rule)",
     lambda service, space, id, actor: service.set_enabled(space, id, False, actor)),
    ("_mute_all", "Mute all alert instances of a rule",
     lambda service, space, id, actor: service.set_mute_all(space, id, True, actor)),
    ("_unmute_all", "Unmute all alert instances of a rule",
     lambda service, space, id, actor: service.set_mute_all(space, id, False, actor)),
]  # fmt: skip


def _switch_route(suffix: str, summary: str, switch: Switch) -> None:
    async def handler(principal: Writer, space_id: Space, id: str, service: Service) -> Response:
        await switch(service, space_id, id, principal.actor)
        return done()

    handler.__name__ = f"alert{suffix}"
    route("POST", f"/alert/{{id}}/{suffix}", summary=summary)(handler)


def _instance_route(suffix: str, summary: str, muted: bool) -> None:
    async def handler(
        principal: Writer, space_id: Space, id: str, instance_id: str, service: Service
    ) -> Response:
        await service.set_alert_muted(space_id, id, instance_id, muted, principal.actor)
        return done()

    handler.__name__ = f"alert_instance{suffix}"
    route("POST", f"/alert/{{id}}/alert_instance/{{instance_id}}/{suffix}", summary=summary)(
        handler
    )


for _suffix, _summary, _switch in SWITCHES:
    _switch_route(_suffix, _summary, _switch)
_instance_route("_mute", "Mute an alert instance", muted=True)
_instance_route("_unmute", "Unmute an alert instance", muted=False)


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


@route("GET", "/_find", summary="Find alerts (rules)")
async def find_alerts(
    _: Reader,
    space_id: Space,
    request: Request,
    service: Service,
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
    result = await service.find(space_id, find)
    data = [to_legacy(rule) for rule in result.rules]
    if fields:
        data = [{"id": item["id"]} | {k: item[k] for k in fields if k in item} for item in data]
    return json_response(
        {"page": result.page, "perPage": result.per_page, "total": result.total, "data": data}
    )


@route("GET", "/_health", summary="Alerting framework health")
async def health(_: Reader, space_id: Space, request: Request, service: Service) -> Response:
    status = "ok" if await service.readable() else "error"
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    auth_enabled = request.app.state.settings.auth_enabled
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


@route("GET", "/list_alert_types", summary="List alert (rule) types")
async def list_alert_types(_: Reader, space_id: Space, service: Service) -> Response:
    return json_response([rule_type.legacy_listing() for rule_type in service.types.all()])
