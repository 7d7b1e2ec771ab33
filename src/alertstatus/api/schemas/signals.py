"""Request bodies of Kibana's detection-engine alert APIs."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from alertstatus.api.zod import JS_WHITESPACE, REQUIRED, NonEmptyString, zod_issues
from alertstatus.engine.model import (
    AlertIds,
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
    closing_reason,
)
from alertstatus.engine.querymodel.base import FieldName
from alertstatus.engine.querymodel.search import RuntimeFieldType
from alertstatus.engine.tags import (
    ASSIGNEES_FIELD,
    TAGS_FIELD,
    KeywordEdit,
    validate_arrays,
)
from alertstatus.errors import EmptySearch, StatusChangeError

MAX_RUNTIME_FIELDS = 100  # Kibana's MAX_RUNTIME_FIELDS_PER_REQUEST


def _usable_ids(ids: Any) -> bool:
    """Whether `signal_ids` passes Kibana's by-ids form on its own."""
    return (
        isinstance(ids, list)
        and bool(ids)
        and all(isinstance(i, str) and i.strip(JS_WHITESPACE) for i in ids)
    )


class SetAlertsStatusBody(BaseModel):
    """`POST .../signals/status`: by `signal_ids` or by `query` (Kibana's union of two forms).

    Unknown keys are ignored, as Kibana's schema strips them. A body with both `signal_ids` and
    `query` is read as Kibana 8.12 and later read it: the ids when they are a valid list (the
    query is then ignored), else the query (docs/dialects.md, "Ids and query together").
    `conflicts` is honoured on both forms (Kibana reads it only with `query`; it defaults to
    `abort` either way). `runtime_fields` and `runtime_mappings` only mean something with
    `query`; with ids they are ignored, as Kibana's by-ids form strips them.
    """

    model_config = ConfigDict(extra="ignore")

    # Kibana's `z.array(z.string().min(1).superRefine(isNonEmptyString)).min(1)`
    signal_ids: Annotated[list[NonEmptyString], Field(min_length=1)] | None = Field(
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
    runtime_fields: dict[FieldName, RuntimeFieldType] | None = Field(
        default=None,
        description=(
            "With `query` (Kibana 9.5): `{field: type}`, at most 100; each becomes a runtime "
            "field read from the alert's `_source`, so the query can name unmapped fields. "
            "Elasticsearch 7.11 or later."
        ),
    )
    runtime_mappings: dict[str, Any] | None = Field(
        default=None,
        description=(
            "With `query`: Elasticsearch's runtime fields, typed and script-less (the query "
            "guard, docs/security.md). Elasticsearch 7.11 or later."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _kibana_form(cls, data: Any) -> Any:
        """Both `signal_ids` and `query`: keep the one Kibana's union would parse (ids first)."""
        if not (isinstance(data, dict) and "signal_ids" in data and "query" in data):
            return data
        ids, query = data["signal_ids"], data["query"]
        if _usable_ids(ids):
            drop = "query"
        elif isinstance(query, dict):
            drop = "signal_ids"
        elif isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            drop = "query"  # the by-ids form only lacks ids: zod reports its problems alone
        else:
            return data
        return {key: value for key, value in data.items() if key != drop}

    @model_validator(mode="after")
    def _ids_or_query(self) -> Self:
        if self.signal_ids is None and self.query is None:
            # zod's union: neither form parses, and it lists the problems of both
            raise zod_issues(f"signal_ids: {REQUIRED}", f"query: {REQUIRED}")
        return self

    def runtime(self) -> dict[str, Any]:
        """The query's runtime fields in Elasticsearch's shape: `runtime_fields` become
        script-less fields (Elasticsearch reads each from `_source` by its name), with any
        `runtime_mappings` beside them. Kibana's count limit and message."""
        fields = self.runtime_fields or {}
        if len(fields) > MAX_RUNTIME_FIELDS:
            raise StatusChangeError(
                f"runtime_fields is limited to {MAX_RUNTIME_FIELDS} entries per request, "
                f"received {len(fields)}"
            )
        mappings = dict(self.runtime_mappings or {})
        if twice := sorted(set(fields) & set(mappings)):
            raise StatusChangeError(
                f"runtime field {twice[0]} is in both runtime_fields and runtime_mappings"
            )
        return {**{name: {"type": kind} for name, kind in fields.items()}, **mappings}

    def to_change(
        self,
        space_id: str,
        *,
        actor: str | None,
        extra_reasons: list[str],
        skip_unchanged: bool | None = None,
    ) -> StatusChange:
        selector = (
            AlertIds(tuple(self.signal_ids))
            if self.signal_ids is not None
            else AlertQuery(self.query or {}, self.runtime())
        )
        return StatusChange(
            space_id=space_id,
            selector=selector,
            status=self.status,
            reason=closing_reason(self.status, self.reason, extra_reasons),
            conflicts=self.conflicts,
            actor=actor,
            skip_unchanged=skip_unchanged,
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
    """`POST .../signals/search`: passed to `_search` (through the guard).

    As Kibana's route, a body must carry one of the members other than `runtime_mappings`
    (runtime fields alone select nothing); else its route-level 400.
    """

    model_config = ConfigDict(extra="ignore")

    query: dict[str, Any] | None = None
    aggs: dict[str, Any] | None = None
    size: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    track_total_hits: bool | None = None
    source: bool | str | list[str] | None = Field(default=None, alias="_source")
    fields: list[str | dict[str, str]] | None = None
    runtime_mappings: dict[str, Any] | None = Field(
        default=None,
        description="Typed, script-less runtime fields; `{}` is dropped; Elasticsearch 7.11+.",
    )
    sort: str | dict[str, Any] | list[str | dict[str, Any]] | None = None
    include_attacks: bool | None = None

    def search_body(self) -> dict[str, Any]:
        """The members `_search` gets; EmptySearch (Kibana's message) when none selects."""
        present = self.model_dump(by_alias=True, exclude_none=True, exclude={"include_attacks"})
        if not set(present) - {"runtime_mappings"}:
            raise EmptySearch('"value" must have at least 1 children')
        return {key: present[key] for key in SEARCH_KEYS if key in present}
