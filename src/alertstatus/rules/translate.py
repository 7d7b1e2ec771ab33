"""The one place where the legacy API's camelCase meets the stored (and 2023-10-31) snake_case.

A stored rule is the 2023-10-31 shape plus `space_id`; the legacy API is a view of it.
"""

from __future__ import annotations

import uuid
from typing import Any

from alertstatus.rules.models import (
    LegacyAction,
    LegacyCreateBody,
    LegacyUpdateBody,
    RuleAction,
    RuleCreateBody,
    RuleUpdateBody,
)

# Legacy attribute path -> stored field, for `_find` (search_fields, fields, sort_field, filter).
LEGACY_FIELDS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "tags": "tags",
    "alertTypeId": "rule_type_id",
    "consumer": "consumer",
    "schedule.interval": "schedule.interval",
    "schedule": "schedule",
    "params": "params",
    "actions": "actions",
    "actions.id": "actions.id",
    "actions.group": "actions.group",
    "actions.actionTypeId": "actions.connector_type_id",
    "enabled": "enabled",
    "throttle": "throttle",
    "notifyWhen": "notify_when",
    "apiKeyOwner": "api_key_owner",
    "createdBy": "created_by",
    "updatedBy": "updated_by",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "muteAll": "mute_all",
    "mutedInstanceIds": "muted_alert_ids",
    "scheduledTaskId": "scheduled_task_id",
    "executionStatus": "execution_status",
    "executionStatus.status": "execution_status.status",
    "executionStatus.lastExecutionDate": "execution_status.last_execution_date",
}

_EXECUTION_STATUS = {  # stored -> legacy, in the legacy examples' order
    "last_execution_date": "lastExecutionDate",
    "status": "status",
    "last_duration": "lastDuration",
    "error": "error",
    "warning": "warning",
}


def new_action_uuid() -> str:
    return str(uuid.uuid4())


# --- requests -> stored attributes ---------------------------------------------------------------


def _legacy_action(action: LegacyAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "uuid": new_action_uuid(),
        "group": action.group,
        "params": action.params,
        "connector_type_id": action.actionTypeId,
    }


def legacy_update_attributes(body: LegacyUpdateBody) -> dict[str, Any]:
    return {
        "name": body.name,
        "tags": body.tags,
        "schedule": body.schedule.model_dump(),
        "throttle": body.throttle,
        "notify_when": body.notifyWhen,
        "params": body.params,
        "actions": [_legacy_action(action) for action in body.actions],
    }


def legacy_create_attributes(body: LegacyCreateBody) -> dict[str, Any]:
    return {
        **legacy_update_attributes(body),
        "rule_type_id": body.alertTypeId,
        "consumer": body.consumer,
        "enabled": body.enabled,
    }


def _rule_action(action: RuleAction) -> dict[str, Any]:
    """Stored action; `connector_type_id` is filled in by the service (requests cannot set it)."""
    stored: dict[str, Any] = {
        "id": action.id,
        "uuid": action.uuid or new_action_uuid(),
        "group": action.group,
        "params": action.params,
    }
    if action.frequency is not None:
        stored["frequency"] = action.frequency.model_dump()
    if action.alerts_filter is not None:
        stored["alerts_filter"] = action.alerts_filter.model_dump(exclude_none=True, by_alias=True)
    if action.use_alert_data_for_template is not None:
        stored["use_alert_data_for_template"] = action.use_alert_data_for_template
    return stored


def rule_update_attributes(body: RuleUpdateBody) -> dict[str, Any]:
    return {
        "name": body.name,
        "tags": body.tags,
        "params": body.params,
        "actions": [_rule_action(action) for action in body.actions],
        "schedule": body.schedule.model_dump(),
        "throttle": body.throttle,
        "notify_when": body.notify_when,
        "flapping": body.flapping.model_dump() if body.flapping else None,
        "alert_delay": body.alert_delay.model_dump() if body.alert_delay else None,
    }


def rule_create_attributes(body: RuleCreateBody) -> dict[str, Any]:
    return {
        **rule_update_attributes(body),
        "rule_type_id": body.rule_type_id,
        "consumer": body.consumer,
        "enabled": body.enabled,
    }


# --- stored rule -> responses ---------------------------------------------------------------------


def to_legacy(rule: dict[str, Any]) -> dict[str, Any]:
    """The 7.x alert body, keys in the order Kibana's examples show them."""
    status = rule.get("execution_status") or {}
    return {
        "id": rule["id"],
        "notifyWhen": rule.get("notify_when"),
        "params": rule.get("params", {}),
        "consumer": rule["consumer"],
        "alertTypeId": rule["rule_type_id"],
        "schedule": rule["schedule"],
        "actions": [
            {
                "actionTypeId": action.get("connector_type_id"),
                "group": action.get("group"),
                "params": action.get("params", {}),
                "id": action["id"],
            }
            for action in rule.get("actions", [])
        ],
        "tags": rule.get("tags", []),
        "name": rule["name"],
        "enabled": rule["enabled"],
        "throttle": rule.get("throttle"),
        "apiKeyOwner": rule.get("api_key_owner"),
        "createdBy": rule.get("created_by"),
        "updatedBy": rule.get("updated_by"),
        "muteAll": rule.get("mute_all", False),
        "mutedInstanceIds": rule.get("muted_alert_ids", []),
        "updatedAt": rule["updated_at"],
        "createdAt": rule["created_at"],
        "scheduledTaskId": rule.get("scheduled_task_id"),
        "executionStatus": {
            legacy: status[stored]
            for stored, legacy in _EXECUTION_STATUS.items()
            if stored in status
        },
    }


def _v2_action(action: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": action["id"], "uuid": action.get("uuid")}
    if action.get("group") is not None:
        body["group"] = action["group"]
    body["params"] = action.get("params", {})
    if action.get("frequency") is not None:
        body["frequency"] = {
            "summary": action["frequency"]["summary"],
            "throttle": action["frequency"].get("throttle"),
            "notify_when": action["frequency"]["notify_when"],
        }
    for optional in ("alerts_filter", "use_alert_data_for_template"):
        if action.get(optional) is not None:
            body[optional] = action[optional]
    body["connector_type_id"] = action.get("connector_type_id")
    return body


def to_v2(rule: dict[str, Any]) -> dict[str, Any]:
    """The 2023-10-31 rule body, keys in the order of Kibana's example."""
    body: dict[str, Any] = {
        "id": rule["id"],
        "name": rule["name"],
        "tags": rule.get("tags", []),
        "params": rule.get("params", {}),
        "actions": [_v2_action(action) for action in rule.get("actions", [])],
        "enabled": rule["enabled"],
        "running": rule.get("running", False),
        "consumer": rule["consumer"],
        "last_run": rule.get("last_run"),
        "mute_all": rule.get("mute_all", False),
        "next_run": rule.get("next_run"),
        "revision": rule.get("revision", 0),
        "schedule": rule["schedule"],
        "throttle": rule.get("throttle"),
        "created_at": rule["created_at"],
        "created_by": rule.get("created_by"),
        "updated_at": rule["updated_at"],
        "updated_by": rule.get("updated_by"),
        "rule_type_id": rule["rule_type_id"],
        "api_key_owner": rule.get("api_key_owner"),
        "muted_alert_ids": rule.get("muted_alert_ids", []),
        "execution_status": rule.get("execution_status", {}),
        "scheduled_task_id": rule.get("scheduled_task_id"),
        "api_key_created_by_user": rule.get("api_key_created_by_user", False),
    }
    for optional in ("notify_when", "flapping", "alert_delay"):
        if rule.get(optional) is not None:
            body[optional] = rule[optional]
    return body
