"""Kibana's spaces over Elasticsearch: which spaces exist, and their create, update and delete.

A space exists when it has a record in SPACES_INDEX, or alerts behind its alias
`.alerts-security.alerts-<id>` and no record (a status change created it, or Kibana did on a
shared cluster), or when it is `default`, which always exists. A tombstone hides a deleted space
whose alerts remain. Creating a space installs its alerts alias; deleting one never touches its
alerts. Who may see or change which space is the caller's business (api/routes/spaces.py): this
service knows nothing of principals or HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alertstatus.engine.history import HIDDEN_INDEX_SETTINGS
from alertstatus.engine.indices import READ_PARAMS, AlertIndices, alerts_alias, alerts_alias_pattern
from alertstatus.engine.model import DEFAULT_SPACE, validate_space_id
from alertstatus.engine.scripts import utc_now_iso
from alertstatus.errors import (
    InvalidSpaceId,
    SpaceConflict,
    SpaceLimitReached,
    SpaceNotFound,
    SpaceRefused,
)
from alertstatus.es.gateway import Gateway
from alertstatus.spaces.models import (
    SPACES_INDEX,
    SPACES_MAPPING,
    Space,
    default_space,
    implicit_space,
    space_from_record,
    tombstone,
)

MAX_RECORDS_READ = 10_000
ALIAS_PREFIX = alerts_alias_pattern().removesuffix("*")


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A space's document as read, with what a guarded write needs."""

    source: dict[str, Any]
    seq_no: int
    primary_term: int

    @property
    def deleted(self) -> bool:
        return bool(self.source.get("deleted"))


def space_id_of_alias(alias: str) -> str | None:
    """The space behind an alerts alias; None for a name that is not a valid space's."""
    if not alias.startswith(ALIAS_PREFIX):
        return None
    try:
        return validate_space_id(alias.removeprefix(ALIAS_PREFIX))
    except InvalidSpaceId:
        return None


def is_space_id(space_id: str) -> bool:
    try:
        validate_space_id(space_id)
    except InvalidSpaceId:
        return False
    return True


class SpaceService:
    """Lists, reads, creates, updates and deletes spaces; the index is created on first write."""

    def __init__(
        self,
        gateway: Gateway,
        indices: AlertIndices,
        *,
        index: str = SPACES_INDEX,
        limit_setting: str = "ALERTSTATUS_MAX_SPACES",
    ) -> None:
        self.gateway = gateway
        self.indices = indices
        self.index = index
        self.limit_setting = limit_setting
        self._ready = False
        self._lock = asyncio.Lock()

    async def _ensure_index(self) -> None:
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                await self.gateway.create_index(
                    self.index, {"settings": HIDDEN_INDEX_SETTINGS, "mappings": SPACES_MAPPING}
                )
                self._ready = True

    # --- reading --------------------------------------------------------------------------------

    async def _record(self, space_id: str) -> StoredRecord | None:
        found = (await self.gateway.get_document(self.index, space_id)).json()
        if not found or not found.get("found"):
            return None
        return StoredRecord(found["_source"], found["_seq_no"], found["_primary_term"])

    async def _records(self) -> list[dict[str, Any]]:
        body = {"size": MAX_RECORDS_READ, "query": {"match_all": {}}}
        response = await self.gateway.search(self.index, body, READ_PARAMS)
        return [hit["_source"] for hit in response.json()["hits"]["hits"]]

    async def _alias_space_ids(self) -> set[str]:
        aliases = await self.gateway.aliases(alerts_alias_pattern())
        return {space_id for alias in aliases if (space_id := space_id_of_alias(alias))}

    async def list(self, visible: Callable[[str], bool]) -> list[Space]:
        """Every existing space `visible` admits, by name as Kibana sorts them."""
        records, alias_ids = await asyncio.gather(self._records(), self._alias_space_ids())
        recorded = {source["id"]: source for source in records if is_space_id(source.get("id", ""))}
        spaces = {
            space_id: space_from_record(source)
            for space_id, source in recorded.items()
            if not source.get("deleted")
        }
        for space_id in alias_ids - recorded.keys():
            spaces[space_id] = implicit_space(space_id)
        if DEFAULT_SPACE not in recorded:
            spaces[DEFAULT_SPACE] = default_space()
        return sorted(
            (space for space in spaces.values() if visible(space.id)),
            key=lambda space: (space.name, space.id),
        )

    async def _find(self, space_id: str) -> tuple[Space, StoredRecord | None]:
        """The space and its record (None for `default` or an alias without one)."""
        if not is_space_id(space_id):
            raise SpaceNotFound()
        record = await self._record(space_id)
        if record is not None:
            if record.deleted:
                raise SpaceNotFound()
            return space_from_record(record.source), record
        if space_id == DEFAULT_SPACE:
            return default_space(), None
        if await self.gateway.exists_alias(alerts_alias(space_id)):
            return implicit_space(space_id), None
        raise SpaceNotFound()

    async def get(self, space_id: str) -> Space:
        """The space, or SpaceNotFound (a malformed id names no space)."""
        space, _ = await self._find(space_id)
        return space

    # --- writing --------------------------------------------------------------------------------

    async def create(self, space: Space) -> Space:
        """A new space and its alerts alias; SpaceConflict when the id names an existing space."""
        conflict = SpaceConflict(f"A space with the identifier {space.id} already exists.")
        if space.id == DEFAULT_SPACE:
            raise conflict
        await self._ensure_index()
        record = await self._record(space.id)
        if record is not None and not record.deleted:
            raise conflict
        if record is None and await self.gateway.exists_alias(alerts_alias(space.id)):
            raise conflict
        try:
            await self.indices.ensure_space(space.id)
        except SpaceLimitReached as error:
            raise SpaceLimitReached(
                "Unable to create Space, this exceeds the maximum number of spaces set by the "
                f"{self.limit_setting} setting"
            ) from error
        await self._write(space, record, conflict)
        return space

    async def update(self, space: Space) -> Space:
        """Replace an existing space's attributes (the id and `_reserved` cannot change)."""
        _, record = await self._find(space.id)  # SpaceNotFound first, as Kibana reads first
        await self._ensure_index()
        await self._write(space, record, SpaceConflict(f"Saved object [space/{space.id}] conflict"))
        return space

    async def delete(self, space_id: str) -> None:
        """Forget the space (a tombstone); its alerts and their alias stay as they are."""
        current, record = await self._find(space_id)
        if current.reserved:
            raise SpaceRefused(f"The {space_id} space cannot be deleted because it is reserved.")
        await self._ensure_index()
        await self._guarded_write(
            space_id,
            tombstone(space_id, utc_now_iso()),
            record,
            SpaceConflict(f"Saved object [space/{space_id}] conflict"),
        )

    async def _write(self, space: Space, record: StoredRecord | None, conflict: Exception) -> None:
        await self._guarded_write(
            space.id, {**space.to_record(), "updated_at": utc_now_iso()}, record, conflict
        )

    async def _guarded_write(
        self,
        space_id: str,
        document: dict[str, Any],
        record: StoredRecord | None,
        conflict: Exception,
    ) -> None:
        """Write over `record` only if nobody wrote in between, or create; else `conflict`."""
        response = await self.gateway.index_document(
            self.index,
            space_id,
            document,
            create=record is None,
            if_seq_no=record.seq_no if record else None,
            if_primary_term=record.primary_term if record else None,
        )
        if response.status == 409:
            raise conflict
