"""Request bodies of Kibana's detection-engine alert APIs."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alertstatus.engine.model import (
    AlertIds,
    AlertQuery,
    Conflicts,
    StatusChange,
    WorkflowStatus,
    closing_reason,
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
