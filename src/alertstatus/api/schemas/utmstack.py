"""UTMStack's `POST /api/utm-alerts/status` body, per its JSON schema."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from alertstatus.engine.model import MAX_ALERTS_PER_DIALECT_REQUEST, MAX_NOTE_LENGTH
from alertstatus.engine.vocabulary import UtmStatus


def _uuid(value: str) -> str:
    """A UUID in any of Java's accepted spellings; kept as sent, since ids are matched verbatim."""
    uuid.UUID(value)
    return value


AlertUuid = Annotated[str, AfterValidator(_uuid)]


class UpdateAlertStatusRequest(BaseModel):
    """Unknown keys are ignored, as UTMStack's Jackson configuration does."""

    model_config = ConfigDict(extra="ignore")

    alertIds: list[AlertUuid] = Field(
        min_length=1,
        max_length=MAX_ALERTS_PER_DIALECT_REQUEST,
        description="UUIDs of the alerts to update.",
    )
    status: UtmStatus = Field(description="2 OPEN, 3 IN_REVIEW, 5 COMPLETED.")
    statusObservation: str | None = Field(
        default=None, max_length=MAX_NOTE_LENGTH, description="Kept with the change."
    )
    addFalsePositiveTag: bool = Field(default=False, description="Adds the `False positive` tag.")


class UtmAlertView(BaseModel):
    """`GET /api/utm-alerts/{id}`: an alert as UTMStack would name its status (our addition)."""

    id: str
    status: int
    statusLabel: str
    statusObservation: str | None
    tags: list[str]
