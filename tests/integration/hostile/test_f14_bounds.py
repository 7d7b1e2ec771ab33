"""F14: every list and text a caller sends is bounded before Elasticsearch sees it: alert ids and
values of tags and assignees, CHAD's comments and id lists, UTMStack's ids and observation."""

from __future__ import annotations

import uuid

from alertstatus.engine.model import (
    MAX_ALERTS_PER_DIALECT_REQUEST,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORD_VALUES,
    MAX_NOTE_LENGTH,
)


def test_tags_and_assignees_are_bounded(make_client, space) -> None:
    client = make_client(max_ids_per_request=50)
    base = f"/s/{space}/api/detection_engine/signals"
    too_many_ids = client.post(
        f"{base}/tags",
        json={
            "ids": [f"a{n}" for n in range(51)],
            "tags": {"tags_to_add": ["x"], "tags_to_remove": []},
        },
    )
    long_id = client.post(
        f"{base}/assignees", json={"ids": ["x" * 513], "assignees": {"add": ["u"], "remove": []}}
    )
    too_many_values = client.post(
        f"{base}/tags",
        json={
            "ids": ["a"],
            "tags": {
                "tags_to_add": [f"t{n}" for n in range(MAX_KEYWORD_VALUES + 1)],
                "tags_to_remove": [],
            },
        },
    )
    long_value = client.post(
        f"{base}/assignees",
        json={"ids": ["a"], "assignees": {"add": ["u" * (MAX_KEYWORD_LENGTH + 1)], "remove": []}},
    )

    assert too_many_ids.status_code == 400 and "at most 50 alert ids" in too_many_ids.text
    for response in (long_id, too_many_values, long_value):
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"message", "status_code"}


def test_chad_and_utmstack_bodies_are_bounded(make_client, space) -> None:
    client = make_client(chad_space_id=space, utmstack_space_id=space)
    long_note = "n" * (MAX_NOTE_LENGTH + 1)
    chad_comment = client.patch(
        "/api/alerts/a", json={"status": "acknowledged", "comment": long_note}
    )
    chad_text = client.post("/api/alerts/a/comments", json={"text": long_note})
    chad_ids = client.post(
        "/api/alerts/bulk/status",
        json={"ids": [f"a{n}" for n in range(MAX_ALERTS_PER_DIALECT_REQUEST + 1)], "status": "new"},
    )
    utm_ids = client.post(
        "/api/utm-alerts/status",
        json={
            "alertIds": [str(uuid.uuid4()) for _ in range(MAX_ALERTS_PER_DIALECT_REQUEST + 1)],
            "status": 5,
        },
    )
    utm_note = client.post(
        "/api/utm-alerts/status",
        json={"alertIds": [str(uuid.uuid4())], "status": 5, "statusObservation": long_note},
    )

    for response in (chad_comment, chad_text, chad_ids):
        assert response.status_code == 422, response.text
    for response in (utm_ids, utm_note):
        assert response.status_code == 400, response.text
        assert response.json()["status"] == 400
