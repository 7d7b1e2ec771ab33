"""What the ported tags and assignees tests share: posting one of Kibana's keyword-array edits,
and reading the alerts back through the search route, as Kibana's tests do."""

from __future__ import annotations

from typing import Any

from tests.integration.kibana_schemas import assert_kibana_response

SEARCH = "/api/detection_engine/signals/search"


def post_edit(client, space: str, path: str, operation: str, body: Any, status: int) -> Any:
    """POST under the space; the status is asserted and the answer checked against `operation`'s
    response schema. Except the duplicate check's body: Kibana's routes answer it with a *list* of
    messages (their route and API tests assert `message: [...]`), where the OpenAPI schema
    (SiemErrorResponse) says a string; we answer as the routes do, and the ported tests assert the
    disagreement."""
    response = client.post(f"/s/{space}{path}", json=body)
    assert response.status_code == status, response.text
    if not isinstance(response.json().get("message"), list):  # the duplicate check: see above
        assert_kibana_response(operation, status, response.json())
    return response.json()


def values_by_id(client, space: str, field: str, ids: list[str]) -> dict[str, Any]:
    """`field` of each alert, read back through the search route (`getQueryAlertIds`)."""
    response = client.post(
        f"/s/{space}{SEARCH}",
        json={"query": {"bool": {"filter": {"terms": {"_id": ids}}}}, "size": len(ids)},
    )
    assert response.status_code == 200, response.text
    return {hit["_id"]: hit["_source"].get(field) for hit in response.json()["hits"]["hits"]}


def each(ids: list[str], values: list[str]) -> dict[str, list[str]]:
    """What every one of these alerts should hold."""
    return {alert_id: list(values) for alert_id in ids}


def platform_400(message: str) -> dict[str, Any]:
    return {"statusCode": 400, "error": "Bad Request", "message": message}
