# ruff: noqa: E501  (the seed's example JSON, line for line)
"""The request and response examples of seeds 001 (legacy 7.x) and 002 (2023-10-31), as data.

Copied from the seed text; where the seed's JSON is not valid JSON (trailing commas after an
elided `"aggType": "avg",`), the comma is dropped and nothing else is changed.
"""

from __future__ import annotations

import json

SERVER_LOG_MESSAGE_7X = (
    "alert '{{alertName}}' is active for group '{{context.group}}':\n\n- Value: {{context.value}}"
    "\n- Conditions Met: {{context.conditions}} over {{params.timeWindowSize}}"
    "{{params.timeWindowUnit}}\n- Timestamp: {{context.date}}"
)

LEGACY_CREATE_REQUEST = {
    "params": {
        "aggType": "avg",
        "termSize": 6,
        "thresholdComparator": ">",
        "timeWindowSize": 5,
        "timeWindowUnit": "m",
        "groupBy": "top",
        "threshold": [1000],
        "index": [".test-index"],
        "timeField": "@timestamp",
        "aggField": "sheet.version",
        "termField": "name.keyword",
    },
    "consumer": "alerts",
    "alertTypeId": ".index-threshold",
    "schedule": {"interval": "1m"},
    "actions": [
        {
            "id": "dceeb5d0-6b41-11eb-802b-85b0c1bc8ba2",
            "actionTypeId": ".server-log",
            "group": "threshold met",
            "params": {"level": "info", "message": SERVER_LOG_MESSAGE_7X},
        }
    ],
    "tags": ["cpu"],
    "notifyWhen": "onActionGroupChange",
    "name": "my alert",
}

LEGACY_CREATE_RESPONSE = json.loads(r"""
{
  "id": "41893910-6bca-11eb-9e0d-85d233e3ee35",
  "notifyWhen": "onActionGroupChange",
  "params": {
    "aggType": "avg",
    "termSize": 6,
    "thresholdComparator": ">",
    "timeWindowSize": 5,
    "timeWindowUnit": "m",
    "groupBy": "top",
    "threshold": [1000],
    "index": [".kibana"],
    "timeField": "@timestamp",
    "aggField": "sheet.version",
    "termField": "name.keyword"
  },
  "consumer": "alerts",
  "alertTypeId": ".index-threshold",
  "schedule": {"interval": "1m"},
  "actions": [
    {
      "actionTypeId": ".server-log",
      "group": "threshold met",
      "params": {
        "level": "info",
        "message": "alert {{alertName}} is active for group {{context.group}}:\n\n- Value: {{context.value}}\n- Conditions Met: {{context.conditions}} over {{params.timeWindowSize}}{{params.timeWindowUnit}}\n- Timestamp: {{context.date}}"
      },
      "id": "dceeb5d0-6b41-11eb-802b-85b0c1bc8ba2"
    }
  ],
  "tags": ["cpu"],
  "name": "my alert",
  "enabled": true,
  "throttle": null,
  "apiKeyOwner": "elastic",
  "createdBy": "elastic",
  "updatedBy": "elastic",
  "muteAll": false,
  "mutedInstanceIds": [],
  "updatedAt": "2021-02-10T18:03:19.961Z",
  "createdAt": "2021-02-10T18:03:19.961Z",
  "scheduledTaskId": "425b0800-6bca-11eb-9e0d-85d233e3ee35",
  "executionStatus": {
    "lastExecutionDate": "2021-02-10T18:03:19.966Z",
    "status": "pending"
  }
}
""")

# The rule of the get and find examples (`test.alert.type`, a Kibana test fixture rule type).
LEGACY_TEST_ALERT = json.loads("""
{
  "id": "0a037d60-6b62-11eb-9e0d-85d233e3ee35",
  "notifyWhen": "onActionGroupChange",
  "params": {
    "aggType": "avg"
  },
  "consumer": "alerts",
  "alertTypeId": "test.alert.type",
  "schedule": {
    "interval": "1m"
  },
  "actions": [],
  "tags": [],
  "name": "test alert",
  "enabled": true,
  "throttle": null,
  "apiKeyOwner": "elastic",
  "createdBy": "elastic",
  "updatedBy": "elastic",
  "muteAll": false,
  "mutedInstanceIds": [],
  "updatedAt": "2021-02-10T05:37:19.086Z",
  "createdAt": "2021-02-10T05:37:19.086Z",
  "scheduledTaskId": "0b092d90-6b62-11eb-9e0d-85d233e3ee35",
  "executionStatus": {
    "lastExecutionDate": "2021-02-10T17:55:14.262Z",
    "status": "ok"
  }
}
""")

LEGACY_FIND_RESPONSE = {"page": 1, "perPage": 10, "total": 1, "data": [LEGACY_TEST_ALERT]}

LEGACY_UPDATE_ID = "ac4e6b90-6be7-11eb-ba0d-9b1c1f912d74"
LEGACY_UPDATE_REQUEST = json.loads("""
{
  "notifyWhen": "onActionGroupChange",
  "params": {
    "aggType": "avg"
  },
  "schedule": {
    "interval": "1m"
  },
  "actions": [],
  "tags": [],
  "name": "new name",
  "throttle": null
}
""")
LEGACY_UPDATE_RESPONSE = {**LEGACY_TEST_ALERT, "id": LEGACY_UPDATE_ID, "name": "new name"}

LEGACY_HEALTH_RESPONSE = json.loads("""
{
   "isSufficientlySecure":true,
   "hasPermanentEncryptionKey":true,
   "alertingFrameworkHeath":{
      "decryptionHealth":{"status":"ok", "timestamp":"2021-02-10T23:35:04.949Z"},
      "executionHealth":{"status":"ok", "timestamp":"2021-02-10T23:35:04.949Z"},
      "readHealth":{"status":"ok", "timestamp":"2021-02-10T23:35:04.949Z"}
   }
}
""")

LEGACY_INDEX_THRESHOLD_TYPE = json.loads("""
{
  "id":".index-threshold",
  "name":"Index threshold",
  "actionGroups":[
     {"id":"threshold met", "name":"Threshold met"},
     {"id":"recovered", "name":"Recovered"}
  ],
  "recoveryActionGroup":{"id":"recovered", "name":"Recovered"},
  "defaultActionGroupId":"threshold met",
  "actionVariables":{
     "context":[
        {"name":"message", "description":"A pre-constructed message for the alert."}
     ],
     "state":[],
     "params":[
        {"name":"threshold", "description":"An array of values to use as the threshold; 'between' and 'notBetween' require two values, the others require one."},
        {"name":"index", "description":"index"}
     ]
  },
  "producer":"stackAlerts",
  "minimumLicenseRequired":"basic",
  "enabledInLicense":true,
  "authorizedConsumers":{
     "alerts":{"read":true, "all":true},
     "stackAlerts":{"read":true, "all":true},
     "uptime":{"read":true, "all":true}
  }
}
""")

# --- seed 002 ------------------------------------------------------------------------------------

RULE_UPDATE_ID = "ac4e6b90-6be7-11eb-ba0d-9b1c1f912d74"
RULE_UPDATE_REQUEST = json.loads(r"""
{
  "name": "new name",
  "tags": [],
  "params": {
    "index": [".updated-index"],
    "aggType": "avg",
    "groupBy": "top",
    "aggField": "sheet.version",
    "termSize": 6,
    "termField": "name.keyword",
    "threshold": [1000],
    "timeField": "@timestamp",
    "timeWindowSize": 5,
    "timeWindowUnit": "m",
    "thresholdComparator": ">"
  },
  "actions": [
    {
      "id": "96b668d0-a1b6-11ed-afdf-d39a49596974",
      "group": "threshold met",
      "params": {
        "level": "info",
        "message": "Rule {{rule.name}} is active for group {{context.group}}:\n\n- Value: {{context.value}}\n- Conditions Met: {{context.conditions}} over {{rule.params.timeWindowSize}}{{rule.params.timeWindowUnit}}\n- Timestamp: {{context.date}}"
      },
      "frequency": {
        "summary": false,
        "notify_when": "onActionGroupChange"
      }
    }
  ],
  "schedule": {
    "interval": "1m"
  }
}
""")

RULE_UPDATE_RESPONSE = json.loads(r"""
{
  "id": "ac4e6b90-6be7-11eb-ba0d-9b1c1f912d74",
  "name": "new name",
  "tags": [],
  "params": {
    "index": [".updated-index"],
    "aggType": "avg",
    "groupBy": "top",
    "aggField": "sheet.version",
    "termSize": 6,
    "termField": "name.keyword",
    "threshold": [1000],
    "timeField": "@timestamp",
    "timeWindowSize": 5,
    "timeWindowUnit": "m",
    "thresholdComparator": ">"
  },
  "actions": [
    {
      "id": "96b668d0-a1b6-11ed-afdf-d39a49596974",
      "uuid": "07aef2a0-9eed-4ef9-94ec-39ba58eb609d",
      "group": "threshold met",
      "params": {
        "level": "info",
        "message": "Rule {{rule.name}} is active for group {{context.group}}:\n\n- Value: {{context.value}}\n- Conditions Met: {{context.conditions}} over {{rule.params.timeWindowSize}}{{rule.params.timeWindowUnit}}\n- Timestamp: {{context.date}"
      },
      "frequency": {
        "summary": false,
        "throttle": null,
        "notify_when": "onActionGroupChange"
      },
      "connector_type_id": ".server-log"
    }
  ],
  "enabled": true,
  "running": false,
  "consumer": "alerts",
  "last_run": {
    "outcome": "succeeded",
    "warning": null,
    "outcome_msg": null,
    "alerts_count": {"new": 0, "active": 0, "ignored": 0, "recovered": 0}
  },
  "mute_all": false,
  "next_run": "2024-03-26T23:23:51.316Z",
  "revision": 1,
  "schedule": {"interval": "1m"},
  "throttle": null,
  "created_at": "2024-03-26T23:13:20.985Z",
  "created_by": "elastic",
  "updated_at": "2024-03-26T23:22:59.949Z",
  "updated_by": "elastic",
  "rule_type_id": ".index-threshold",
  "api_key_owner": "elastic",
  "muted_alert_ids": [],
  "execution_status": {
    "status": "ok",
    "last_duration": 52,
    "last_execution_date": "2024-03-26T23:22:51.390Z"
  },
  "scheduled_task_id": "4c5eda00-e74f-11ec-b72f-5b18752ff9ea",
  "api_key_created_by_user": false
}
""")
