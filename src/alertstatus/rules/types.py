"""The rule types this service knows, and validation of a rule's `params` against its type.

Only `.index-threshold` is modelled (with Kibana's params schema). Other Kibana rule types can be
accepted with unchecked params through `ALERTSTATUS_RULES_OPAQUE_TYPES` (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alertstatus.errors import RuleInvalid

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
TWO_VALUE_COMPARATORS = frozenset({"between", "notBetween"})
MAX_GROUPS = 1000


class IndexThresholdParams(BaseModel):
    """Kibana's `.index-threshold` params (stack_alerts index_threshold/rule_type_params)."""

    model_config = ConfigDict(extra="forbid")

    index: NonEmpty | Annotated[list[NonEmpty], Field(min_length=1)]
    timeField: NonEmpty
    aggType: Literal["count", "avg", "min", "max", "sum"] = "count"
    aggField: NonEmpty | None = None
    groupBy: Literal["all", "top"] = "all"
    termField: NonEmpty | None = None
    termSize: Annotated[int, Field(ge=1, le=MAX_GROUPS)] | None = None
    timeWindowSize: Annotated[int, Field(ge=1)]
    timeWindowUnit: Literal["s", "m", "h", "d"]
    thresholdComparator: Literal[">", "<", ">=", "<=", "between", "notBetween"]
    threshold: Annotated[list[int | float], Field(min_length=1, max_length=2)]
    filterKuery: str | None = None

    @model_validator(mode="after")
    def _dependent_fields(self) -> Self:
        if self.aggType != "count" and not self.aggField:
            raise PydanticCustomError(
                "agg_field",
                '[aggField]: must have a value when [aggType] is "{agg}"',
                {"agg": self.aggType},
            )
        if self.groupBy == "top" and not self.termField:
            raise PydanticCustomError(
                "term_field", "[termField]: termField required when [groupBy] is top"
            )
        if self.groupBy == "top" and not self.termSize:
            raise PydanticCustomError(
                "term_size", "[termSize]: termSize required when [groupBy] is top"
            )
        needed = 2 if self.thresholdComparator in TWO_VALUE_COMPARATORS else 1
        if len(self.threshold) != needed:
            raise PydanticCustomError(
                "threshold",
                '[threshold]: must have {needed} element(s) for the "{comparator}" comparator',
                {"needed": needed, "comparator": self.thresholdComparator},
            )
        return self


def _variables(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "description": description} for name, description in pairs]


@dataclass(frozen=True, slots=True)
class RuleType:
    id: str
    name: str
    action_groups: tuple[tuple[str, str], ...] = (("default", "Default"),)
    default_action_group_id: str = "default"
    producer: str = "alerts"
    params_model: type[BaseModel] | None = None
    action_variables: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {"context": [], "state": [], "params": []}
    )
    authorized_consumers: tuple[str, ...] = ("alerts",)

    @property
    def group_ids(self) -> frozenset[str]:
        return frozenset(group for group, _ in self.action_groups) | {RECOVERED[0]}

    def validate_params(self, params: dict[str, Any]) -> None:
        """Raise RuleInvalid (400) when params do not fit the type; stored params stay as sent."""
        if self.params_model is None:
            return
        try:
            self.params_model.model_validate(params)
        except ValidationError as error:
            problems = []
            for item in error.errors():
                where = ".".join(str(part) for part in item["loc"])
                text = "Required" if item["type"] == "missing" else item["msg"]
                problems.append(f"[{where}]: {text}" if where else text)
            raise RuleInvalid("params invalid: " + ", ".join(problems)) from None

    def validate_action_groups(self, groups: list[str | None]) -> None:
        if self.params_model is None:  # opaque types: groups are not known
            return
        unknown = sorted({g for g in groups if g is not None and g not in self.group_ids})
        if unknown:
            raise RuleInvalid(f"Invalid action groups: {', '.join(unknown)}")

    def legacy_listing(self) -> dict[str, Any]:
        """The `GET /api/alerts/list_alert_types` entry."""
        return {
            "id": self.id,
            "name": self.name,
            "actionGroups": [{"id": i, "name": n} for i, n in self.action_groups],
            "recoveryActionGroup": {"id": RECOVERED[0], "name": RECOVERED[1]},
            "defaultActionGroupId": self.default_action_group_id,
            "actionVariables": self.action_variables,
            "producer": self.producer,
            "minimumLicenseRequired": "basic",
            "enabledInLicense": True,
            "authorizedConsumers": {
                consumer: {"read": True, "all": True} for consumer in self.authorized_consumers
            },
        }


RECOVERED = ("recovered", "Recovered")

INDEX_THRESHOLD = RuleType(
    id=".index-threshold",
    name="Index threshold",
    action_groups=(("threshold met", "Threshold met"), RECOVERED),
    default_action_group_id="threshold met",
    producer="stackAlerts",
    params_model=IndexThresholdParams,
    action_variables={
        "context": _variables(
            ("message", "A pre-constructed message for the alert."),
            ("title", "A pre-constructed title for the alert."),
            ("group", "The name of the group that met the threshold condition."),
            ("date", "The date the alert met the threshold condition."),
            ("value", "The value that met the threshold condition."),
            ("conditions", "A string describing the threshold comparator and threshold."),
        ),
        "state": [],
        "params": _variables(
            (
                "threshold",
                "An array of values to use as the threshold; 'between' and "
                "'notBetween' require two values, the others require one.",
            ),
            ("thresholdComparator", "A function to determine if the threshold has been met."),
            ("index", "index"),
            ("timeField", "The field that is used to calculate the time window."),
            ("aggType", "The type of aggregation."),
            ("aggField", "The field that is used in the aggregation."),
            (
                "groupBy",
                "Indicates whether the aggregation is applied over all documents or "
                "split into groups.",
            ),
            ("termField", "The field that is used for grouping the aggregation."),
            ("termSize", "The number of groups to check against the threshold."),
            ("timeWindowSize", "The size of the time window."),
            ("timeWindowUnit", "The type of units for the time window."),
        ),
    },
    authorized_consumers=("alerts", "stackAlerts", "uptime"),
)


class RuleTypeRegistry:
    """Known types by id: `.index-threshold` plus the configured opaque ones."""

    def __init__(self, opaque_type_ids: Iterable[str] = ()) -> None:
        self._types = {INDEX_THRESHOLD.id: INDEX_THRESHOLD}
        for type_id in opaque_type_ids:
            self._types.setdefault(type_id, RuleType(id=type_id, name=type_id))

    def get(self, type_id: str) -> RuleType:
        try:
            return self._types[type_id]
        except KeyError:
            raise RuleInvalid(f'Rule type "{type_id}" is not registered.') from None

    def all(self) -> list[RuleType]:
        return list(self._types.values())
