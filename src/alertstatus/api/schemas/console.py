"""Bodies and answers of alertstatus's read routes for clients such as the console: KQL
compilation and the recent changes (docs/dialects.md, "Console routes")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_KQL_LENGTH = 10_000  # characters; the guard bounds what the compiled query may hold


class KqlBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kql: str = Field(
        max_length=MAX_KQL_LENGTH,
        description="KQL over the alert fields; blank selects every alert.",
        examples=["kibana.alert.severity: (high or critical) and not host.name: test-*"],
    )


class CompiledKql(BaseModel):
    query: dict[str, Any] = Field(
        description="The Elasticsearch query, ready for `query` of the signals search and "
        "status routes."
    )


class ChangeTarget(BaseModel):
    status: str | None
    reason: str | None


class ChangeResult(BaseModel):
    total: int
    updated: int
    noops: int
    version_conflicts: int
    failures: int


class Change(BaseModel):
    id: str = Field(description="The change record's id (the alerts' history entries name it).")
    at: str | None = Field(description="When the change was asked for (ISO-8601).")
    dialect: str | None = Field(description="The API it came through: kibana, utmstack, chad.")
    actor: str | None = Field(description="The user stored in `kibana.alert.workflow_user`.")
    caller: str | None = Field(description="The authenticated caller's name.")
    note: str | None
    request_id: str | None
    target: ChangeTarget
    selection: dict[str, Any] = Field(
        description="What the record stores of the selection: `query` (and `runtime_mappings`) "
        "or `ids` (how many) for Kibana, `alert_ids` for UTMStack and CHAD."
    )
    result: ChangeResult | None = Field(
        description="How many alerts: Elasticsearch's counts (Kibana), the per-alert results "
        "counted (UTMStack, CHAD); null while an asynchronous change has not been seen done."
    )
    task: str | None = Field(description="The task id of an asynchronous change.")


class ChangesPage(BaseModel):
    changes: list[Change]
    next: str | None = Field(description="`search_after` for the next page; null at the end.")
