"""Kibana's security alerts layout: templates from `index_templates/`, one alias per space.

Each space's alerts live behind the write alias `.alerts-security.alerts-<space>` on the hidden
index `.internal.alerts-security.alerts-<space>-000001`, as Kibana lays them out. Templates are
installed only where none exist or where the existing one is ours: on a Kibana-managed cluster
the service works on Kibana's alias and never changes Kibana's templates.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from alertstatus.engine.model import validate_space_id
from alertstatus.errors import SpaceLimitReached
from alertstatus.es.gateway import Gateway

log = logging.getLogger(__name__)

MANAGED_BY = "alertstatus"
COMPONENT_TEMPLATES = (
    ".alerts-ecs-mappings",
    ".alerts-security.alerts-mappings",
    ".alerts-legacy-alert-mappings",
    ".alerts-framework-mappings",
)  # Kibana's `composed_of` order: later entries win


def alerts_alias(space_id: str) -> str:
    return f".alerts-security.alerts-{validate_space_id(space_id)}"


# How a read goes to a space's alias: a space that does not exist answers like an empty one.
READ_PARAMS = {"ignore_unavailable": True, "allow_no_indices": True}


def alerts_alias_pattern() -> str:
    """Every space's alerts alias."""
    return ".alerts-security.alerts-*"


def first_alerts_index(space_id: str) -> str:
    return f".internal.alerts-security.alerts-{validate_space_id(space_id)}-000001"


def index_template_name(space_id: str) -> str:
    return f".alerts-security.alerts-{validate_space_id(space_id)}-index-template"


def templates_dir() -> Path:
    """`index_templates/` of the checkout, or the copy packed into the wheel."""
    packed = resources.files("alertstatus") / "index_templates"
    if packed.is_dir():
        return Path(str(packed))
    return Path(__file__).resolve().parents[3] / "index_templates"


@cache
def load_template(relative: str) -> dict[str, Any]:
    with open(templates_dir() / relative, encoding="utf-8") as file:
        return json.load(file)


@cache
def mapped_alert_fields() -> dict[str, dict[str, Any]]:
    """Every leaf field of the alerts mapping, by dotted name, as the component templates and the
    index template compose it (later ones win, as Elasticsearch composes them)."""
    sources = [f"component/{name.removeprefix('.')}.json" for name in COMPONENT_TEMPLATES]
    fields: dict[str, dict[str, Any]] = {}
    for relative in [*sources, "index/alerts-security-index-template.json"]:
        body = load_template(relative)
        mappings = (body.get("template") or body)["mappings"]
        _collect_fields(mappings.get("properties") or {}, "", fields)
    return fields


def _collect_fields(
    properties: dict[str, Any], prefix: str, fields: dict[str, dict[str, Any]]
) -> None:
    for name, spec in properties.items():
        if "properties" in spec:
            _collect_fields(spec["properties"], f"{prefix}{name}.", fields)
        else:
            fields[f"{prefix}{name}"] = spec


def space_index_template(space_id: str) -> dict[str, Any]:
    """The per-space index template body, from the shared file plus the space's names."""
    body = copy.deepcopy(load_template("index/alerts-security-index-template.json"))
    body["index_patterns"] = [f".internal.alerts-security.alerts-{validate_space_id(space_id)}-*"]
    body["priority"] = len(space_id)
    body["template"]["aliases"] = {f".siem-signals-{space_id}": {"is_write_index": False}}
    body["template"]["mappings"]["_meta"]["namespace"] = space_id
    return body


def alerts_index_settings(shards: int | None, replicas: int | None) -> dict[str, Any]:
    """What a new space's first alerts index sets beyond the template: its primary shards and a
    fixed number of replicas (instead of the template's `auto_expand_replicas: 0-1`)."""
    settings: dict[str, Any] = {}
    if shards is not None:
        settings["index.number_of_shards"] = shards
    if replicas is not None:
        settings["index.number_of_replicas"] = replicas
        settings["index.auto_expand_replicas"] = False
    return settings


def _is_ours_and_older(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    meta = existing.get("_meta") or {}
    return (
        meta.get("managed_by") == MANAGED_BY and meta.get("revision") != wanted["_meta"]["revision"]
    )


class AlertIndices:
    """Makes sure a space's alerts alias exists, creating Kibana's layout on first use."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        install_templates: bool = True,
        max_spaces: int | None = None,
        index_settings: dict[str, Any] | None = None,
    ) -> None:
        self._gateway = gateway
        self._install = install_templates
        self._max_spaces = max_spaces
        self._index_settings = index_settings or {}  # see `alerts_index_settings`
        self._ready: set[str] = set()
        self._components_installed = False
        self._lock = asyncio.Lock()

    async def install_components(self) -> None:
        """Create (or upgrade our own) component templates; never touch someone else's."""
        for name in COMPONENT_TEMPLATES:
            await self._install_template(
                "_component_template", name, load_template(f"component/{name.lstrip('.')}.json")
            )
        self._components_installed = True

    async def _install_template(self, kind: str, name: str, body: dict[str, Any]) -> None:
        found = await self._gateway.get_template(kind, name)
        key = "component_templates" if kind == "_component_template" else "index_templates"
        inner = "component_template" if kind == "_component_template" else "index_template"
        existing = (found or {}).get(key) or []
        if existing and not _is_ours_and_older(existing[0][inner], body):
            return
        log.info("installing %s %s", inner, name)
        await self._gateway.put_template(kind, name, body)

    async def ensure_space(self, space_id: str) -> str:
        """The space's alerts alias, created with Kibana's layout if it does not exist yet.

        Only writes call this: reads go to `alerts_alias` with `ignore_unavailable`, so looking at
        a space that does not exist creates nothing. A new space past `max_spaces` is refused.
        """
        alias = alerts_alias(space_id)
        if space_id in self._ready:
            return alias
        async with self._lock:
            if space_id in self._ready:
                return alias
            if not await self._gateway.exists_alias(alias):
                await self._check_space_limit(space_id)
                if self._install:
                    if not self._components_installed:
                        await self.install_components()
                    await self._install_template(
                        "_index_template",
                        index_template_name(space_id),
                        space_index_template(space_id),
                    )
                body: dict[str, Any] = {"aliases": {alias: {"is_write_index": True}}}
                if self._index_settings:
                    body["settings"] = self._index_settings
                created = await self._gateway.create_index(first_alerts_index(space_id), body)
                if created:
                    log.info("created alerts index for space %s", space_id)
            self._ready.add(space_id)
        return alias

    async def _check_space_limit(self, space_id: str) -> None:
        if self._max_spaces is None:
            return
        existing = await self._gateway.aliases(alerts_alias_pattern())
        if len(existing) >= self._max_spaces:
            raise SpaceLimitReached(
                f"space [{space_id}] has no alerts yet and the service already holds "
                f"{len(existing)} spaces (ALERTSTATUS_MAX_SPACES={self._max_spaces})"
            )
