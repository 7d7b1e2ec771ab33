"""Request bodies of Kibana's detection-engine alert APIs."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alertstatus.api.zod import NonEmptyString
from alertstatus.engine.model import (
    AlertIds,
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
    closing_reason,
)
from alertstatus.engine.tags import (
    ASSIGNEES_FIELD,
    TAGS_FIELD,
    KeywordEdit,
    validate_arrays,
)

AlertId = Annotated[str, StringConstraints(min_length=1)]


class SetAlertsStatusBody(BaseModel):
    """`POST .../signals/status`: by `signal_ids` or by `query`, never both.

    Unknown keys are ignored, as Kibana's schema strips them. `conflicts` is honoured on both
    forms (Kibana reads it only with `query`; it defaults to `abort` either way).
    """

    model_config = ConfigDict(extra="ignore")

    signal_ids: list[AlertId] | None = Field(
        default=None, description="`_id`s of the alerts to update (at least one)."
    )
    query: dict[str, Any] | None = Field(
        default=None, description="Elasticsearch query selecting alerts; wrapped in bool.filter."
    )
    status: WorkflowStatus
    reason: str | None = Field(
        default=None, description="Closing reason; only stored with status `closed`."
    )
    conflicts: Conflicts = Conflicts.ABORT

    @field_validator("signal_ids")
    @classmethod
    def _at_least_one_id(cls, ids: list[str] | None) -> list[str] | None:
        if ids is not None and not ids:
            raise PydanticCustomError(
                "too_short", "at least one alert id is required to update status"
            )
        return ids

    @model_validator(mode="after")
    def _ids_or_query(self) -> Self:
        if (self.signal_ids is None) == (self.query is None):
            raise PydanticCustomError(
                "ids_or_query", "exactly one of signal_ids or query is required"
            )
        return self

    def to_change(
        self, space_id: str, *, actor: str | None, extra_reasons: list[str]
    ) -> StatusChange:
        selector = (
            AlertIds(tuple(self.signal_ids))
            if self.signal_ids is not None
            else AlertQuery(self.query or {})
        )
        return StatusChange(
            space_id=space_id,
            selector=selector,
            status=self.status,
            reason=closing_reason(self.status, self.reason, extra_reasons),
            conflicts=self.conflicts,
            actor=actor,
        )


# --- tags, assignees and search (Kibana's sibling APIs) ------------------------------------------
# Fields are declared in the order of Kibana's zod schemas (set_alert_tags_body.gen.ts,
# set_alert_assignees_body.gen.ts): zod reports problems in that order.

AlertIdList = Annotated[
    list[NonEmptyString], Field(min_length=1, description="`_id`s of the alerts (at least one).")
]


class AlertTags(BaseModel):
    tags_to_add: list[NonEmptyString]
    tags_to_remove: list[NonEmptyString]


class KeywordEditBody(BaseModel):
    """Adds and removes values of one keyword array (`field`) of the alerts `ids`."""

    model_config = ConfigDict(extra="ignore")

    kind: ClassVar[str]
    field: ClassVar[str]

    def parts(self) -> tuple[list[str], list[str], list[str]]:
        """(alert ids, values to add, values to remove)."""
        raise NotImplementedError

    def to_edit(self, space_id: str) -> KeywordEdit:
        ids, add, remove = self.parts()
        validate_arrays(add, remove, kind=self.kind)
        return KeywordEdit(space_id, tuple(ids), self.field, tuple(add), tuple(remove))


class SetAlertTagsBody(KeywordEditBody):
    """`POST .../signals/tags`: ids only (no query), both arrays required."""

    kind = "tags"
    field = TAGS_FIELD
    ids: AlertIdList
    tags: AlertTags

    def parts(self) -> tuple[list[str], list[str], list[str]]:
        return self.ids, self.tags.tags_to_add, self.tags.tags_to_remove


class AlertAssignees(BaseModel):
    add: list[NonEmptyString]
    remove: list[NonEmptyString]


class SetAlertAssigneesBody(KeywordEditBody):
    """`POST .../signals/assignees`: user-profile uids to add and remove."""

    kind = "assignees"
    field = ASSIGNEES_FIELD
    assignees: AlertAssignees
    ids: AlertIdList

    def parts(self) -> tuple[list[str], list[str], list[str]]:
        return self.ids, self.assignees.add, self.assignees.remove


SEARCH_KEYS = (
    "query",
    "aggs",
    "size",
    "track_total_hits",
    "_source",
    "fields",
    "runtime_mappings",
    "sort",
)


class QuerySignalsBody(BaseModel):
    """`POST .../signals/search`: passed to `_search`; at least one member is required."""

    model_config = ConfigDict(extra="ignore")

    query: dict[str, Any] | None = None
    aggs: dict[str, Any] | None = None
    size: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    track_total_hits: bool | None = None
    source: bool | str | list[str] | None = Field(default=None, alias="_source")
    fields: list[str | dict[str, str]] | None = None
    runtime_mappings: dict[str, Any] | None = None
    sort: str | dict[str, Any] | list[str | dict[str, Any]] | None = None
    include_attacks: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if all(value is None for value in self.search_body().values()) or not self.search_body():
            raise PydanticCustomError("empty", '"value" must have at least 1 children')
        return self

    def search_body(self) -> dict[str, Any]:
        present = self.model_dump(by_alias=True, exclude_none=True, exclude={"include_attacks"})
        return {key: present[key] for key in SEARCH_KEYS if key in present}
