"""CHAD's alert bodies: status changes, bulk status, comments."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alertstatus.engine.model import MAX_ALERTS_PER_DIALECT_REQUEST, MAX_NOTE_LENGTH
from alertstatus.engine.vocabulary import ChadStatus

AlertId = Annotated[str, StringConstraints(min_length=1, max_length=512)]  # Elasticsearch's `_id`
Note = Annotated[str, StringConstraints(max_length=MAX_NOTE_LENGTH)]


class UpdateStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: ChadStatus
    comment: Note | None = None


class BulkStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ids: list[AlertId] = Field(min_length=1, max_length=MAX_ALERTS_PER_DIALECT_REQUEST)
    status: ChadStatus
    comment: Note | None = None


class NewComment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NOTE_LENGTH)]


class StatusUpdated(BaseModel):
    id: str
    status: ChadStatus
    acknowledged_at: str | None
    acknowledged_by: str | None
    comment_added: bool


class FailedId(BaseModel):
    id: str
    reason: str


class BulkResult(BaseModel):
    updated: int
    failed: list[FailedId]


class CommentOut(BaseModel):
    id: str
    alert_id: str
    user: str | None
    text: str
    created_at: str


class AlertOut(BaseModel):
    """`GET /api/alerts/{id}` (our addition: CHAD documents no read route)."""

    id: str
    status: ChadStatus
    acknowledged_at: str | None
    acknowledged_by: str | None
    title: str | None
    severity: str | None
    tags: list[str]
