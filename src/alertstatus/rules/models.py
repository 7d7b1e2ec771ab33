"""Request bodies of both rule APIs, as strict pydantic models.

Kibana's config-schema objects reject unknown keys, and the 2023-10-31 documentation marks most
objects "Additional properties are NOT allowed", so every object here is `extra="forbid"` except
the free-form `params` maps and the kbn-es-query filter items.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

NotifyWhen = Literal["onActionGroupChange", "onActiveAlert", "onThrottleInterval"]

_DURATION = re.compile(r"[1-9][0-9]*[smhd]")
_HOUR_MINUTE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


def valid_duration(value: str) -> str:
    """Kibana's interval format: a positive integer and one of s, m, h, d (`10s`, `5m`, `1h`)."""
    if not _DURATION.fullmatch(value):
        raise PydanticCustomError(
            "duration", "string is not a valid duration: {value}", {"value": value}
        )
    return value


def valid_hour_minute(value: str) -> str:
    if not _HOUR_MINUTE.fullmatch(value):
        raise PydanticCustomError(
            "hour_minute", "string is not a valid time in hh:mm format: {value}", {"value": value}
        )
    return value


Duration = Annotated[str, AfterValidator(valid_duration)]
HourMinute = Annotated[str, AfterValidator(valid_hour_minute)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Params = dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Schedule(Strict):
    interval: Duration


# --- legacy 7.x `/api/alerts` -------------------------------------------------------------------


class LegacyAction(Strict):
    group: NonEmpty
    id: NonEmpty
    actionTypeId: NonEmpty
    params: Params


class LegacyUpdateBody(Strict):
    """`PUT /api/alerts/alert/{id}`: the attributes a user may change."""

    name: NonEmpty
    tags: list[str] = Field(default_factory=list)
    schedule: Schedule
    throttle: Duration | None = None
    notifyWhen: NotifyWhen
    params: Params
    actions: list[LegacyAction] = Field(default_factory=list)


class LegacyCreateBody(LegacyUpdateBody):
    """`POST /api/alerts/alert/{id?}`."""

    alertTypeId: NonEmpty
    consumer: NonEmpty
    enabled: bool = True


# --- 2023-10-31 `/api/alerting/rule` ------------------------------------------------------------


class FilterState(Strict):
    store: Literal["appState", "globalState"]


class QueryFilter(BaseModel):
    """One kbn-es-query filter; `meta` and `query` are free-form."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    state: FilterState | None = Field(default=None, alias="$state")
    meta: dict[str, Any]
    query: dict[str, Any] | None = None


class AlertsFilterQuery(Strict):
    kql: str
    filters: list[QueryFilter]
    dsl: str | None = None


class Hours(Strict):
    start: HourMinute
    end: HourMinute


class Timeframe(Strict):
    days: list[Annotated[int, Field(ge=1, le=7)]]
    hours: Hours
    timezone: NonEmpty


class AlertsFilter(Strict):
    query: AlertsFilterQuery | None = None
    timeframe: Timeframe | None = None


class Frequency(Strict):
    """`throttle` is documented as required, but the documented example omits it: default null."""

    notify_when: NotifyWhen
    summary: bool
    throttle: Duration | None = None


class RuleAction(Strict):
    id: NonEmpty
    group: str | None = None
    params: Params = Field(default_factory=dict)
    frequency: Frequency | None = None
    uuid: str | None = None
    alerts_filter: AlertsFilter | None = None
    use_alert_data_for_template: bool | None = None


class AlertDelay(Strict):
    active: Annotated[int, Field(ge=0)]


class Flapping(Strict):
    look_back_window: Annotated[int, Field(ge=2, le=20)]
    status_change_threshold: Annotated[int, Field(ge=2, le=20)]

    @model_validator(mode="after")
    def _threshold_within_window(self) -> Self:
        if self.status_change_threshold > self.look_back_window:
            raise PydanticCustomError(
                "flapping",
                "status_change_threshold must be less than or equal to look_back_window",
            )
        return self


class RuleUpdateBody(Strict):
    """`PUT /api/alerting/rule/{id}` (2023-10-31)."""

    name: NonEmpty
    tags: list[str] = Field(default_factory=list)
    params: Params = Field(default_factory=dict)
    actions: list[RuleAction] = Field(default_factory=list)
    schedule: Schedule
    throttle: Duration | None = None
    notify_when: NotifyWhen | None = None
    flapping: Flapping | None = None
    alert_delay: AlertDelay | None = None

    @model_validator(mode="after")
    def _frequency_at_one_level(self) -> Self:
        """Kibana refuses per-action frequency when the rule itself sets notify_when/throttle."""
        if (self.notify_when or self.throttle) and any(a.frequency for a in self.actions):
            raise PydanticCustomError(
                "frequency",
                "Cannot specify per-action frequency params when notify_when or throttle are "
                "defined at the rule level",
            )
        return self


class RuleCreateBody(RuleUpdateBody):
    """`POST /api/alerting/rule/{id?}` (2023-10-31)."""

    rule_type_id: NonEmpty
    consumer: NonEmpty
    enabled: bool = True
