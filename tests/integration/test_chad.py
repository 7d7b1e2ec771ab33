"""CHAD's alert API (seed 004) on the real node: every example of the seed, transitions, errors.

Paths and bodies are the seed's verbatim; credentials and the CSRF token come from the `client`
fixture (the security issue's), not from the seed's placeholders.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from alertstatus.engine.transitions import chad_allowed
from alertstatus.engine.vocabulary import ChadStatus, Dialect, model_state, word
from tests.integration.dialect_helpers import history, put_alerts, source_of

SEED_PATCH = {
    "status": "acknowledged",
    "comment": "Investigating brute force attempt from internal IP",
}
SEED_PATCH_PY = {"status": "resolved", "comment": "Confirmed as authorized penetration test"}
SEED_BULK = {
    "ids": ["alert-abc-123", "alert-def-456"],
    "status": "resolved",
    "comment": "Bulk resolved - confirmed false positives",
}
SEED_BULK_PY = {
    "ids": ["alert-1", "alert-2", "alert-3"],
    "status": "false_positive",
    "comment": "Known service account activity",
}
SEED_COMMENT = {"text": "Additional investigation notes..."}
SEED_COMMENT_JS = {"text": "Found related activity on 3 other hosts"}


@pytest.fixture
def chad(make_client, space):
    return make_client(chad_space_id=space)


def test_seed_patch_acknowledges_and_answers_in_chads_shape(chad, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["alert-abc-123"])

    response = chad.patch("/api/alerts/alert-abc-123", json=SEED_PATCH)

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["id", "status", "acknowledged_at", "acknowledged_by", "comment_added"]
    assert (body["id"], body["status"], body["comment_added"]) == (
        "alert-abc-123",
        "acknowledged",
        True,
    )
    assert body["acknowledged_at"].endswith("Z")
    source = source_of(es, space, "alert-abc-123")
    assert source["kibana.alert.workflow_status"] == "acknowledged"
    (entry,) = history(es, space, "alert-abc-123")
    assert (entry["from"], entry["to"], entry["dialect"]) == ("open", "acknowledged", "chad")
    assert entry["note"] == SEED_PATCH["comment"] and entry["request_id"]
    comments = chad.get("/api/alerts/alert-abc-123/comments").json()
    assert [c["text"] for c in comments] == [SEED_PATCH["comment"]]

    # the Python example: acknowledged -> resolved
    resolved = chad.patch("/api/alerts/alert-abc-123", json=SEED_PATCH_PY)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["acknowledged_at"] == body["acknowledged_at"]
    assert source_of(es, space, "alert-abc-123")["kibana.alert.workflow_status"] == "closed"
    assert [e["to"] for e in history(es, space, "alert-abc-123")] == ["acknowledged", "closed"]


def test_seed_bulk_examples(chad, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["alert-abc-123", "alert-def-456"], status="acknowledged")
    put_alerts(es, es_url, space, ["alert-1", "alert-2", "alert-3"])

    response = chad.post("/api/alerts/bulk/status", json=SEED_BULK)
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": 2, "failed": []}

    response = chad.post("/api/alerts/bulk/status", json=SEED_BULK_PY)
    assert response.json() == {"updated": 3, "failed": []}
    for alert in SEED_BULK_PY["ids"]:
        assert chad.get(f"/api/alerts/{alert}").json()["status"] == "false_positive"
        source = source_of(es, space, alert)
        assert source["kibana.alert.workflow_reason"] == "false_positive"
        assert history(es, space, alert)[0]["note"] == SEED_BULK_PY["comment"]


def test_seed_comment_examples(chad, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["alert-abc-123"])
    for example in (SEED_COMMENT, SEED_COMMENT_JS):
        response = chad.post("/api/alerts/alert-abc-123/comments", json=example)
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["id", "alert_id", "user", "text", "created_at"]
        assert (body["alert_id"], body["text"]) == ("alert-abc-123", example["text"])
    listed = chad.get("/api/alerts/alert-abc-123/comments")
    assert [c["text"] for c in listed.json()] == [SEED_COMMENT["text"], SEED_COMMENT_JS["text"]]
    # a comment does not change the status nor write history
    assert source_of(es, space, "alert-abc-123")["kibana.alert.workflow_status"] == "open"
    assert history(es, space, "alert-abc-123") == []


def test_seed_error_bodies(chad, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["alert-abc-123"])
    missing = chad.patch("/api/alerts/nope", json={"status": "acknowledged"})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Alert not found"})
    invalid = chad.patch("/api/alerts/alert-abc-123", json={"status": "closed"})
    assert (invalid.status_code, invalid.json()) == (400, {"detail": "Invalid status value"})
    assert chad.post("/api/alerts/nope/comments", json={"text": "x"}).status_code == 404
    assert chad.get("/api/alerts/nope/comments").json() == {"detail": "Alert not found"}
    skip_a_step = {"status": "resolved", "comment": "skip a step"}
    forbidden = chad.patch("/api/alerts/alert-abc-123", json=skip_a_step)
    assert forbidden.status_code == 409
    assert forbidden.json() == {"detail": "Invalid status transition from new to resolved"}
    # refused: nothing written, not even the comment
    assert history(es, space, "alert-abc-123") == []
    assert chad.get("/api/alerts/alert-abc-123/comments").json() == []


def test_transition_table(chad, es, es_url, space) -> None:
    """Every (from, to) pair through the API against the documented rules."""
    statuses = list(ChadStatus)
    for source in statuses:
        for target in statuses:
            alert = f"t-{source.value}-{target.value}"
            put_alerts(es, es_url, space, [alert])
            path = ["new", "acknowledged", source.value] if source.value != "new" else ["new"]
            if source is ChadStatus.FALSE_POSITIVE:
                path = ["false_positive"]
            for step in path[1:] if path[0] == "new" else path:
                assert chad.patch(f"/api/alerts/{alert}", json={"status": step}).status_code == 200
            assert chad.get(f"/api/alerts/{alert}").json()["status"] == source.value
            response = chad.patch(f"/api/alerts/{alert}", json={"status": target.value})
            expected = 200 if chad_allowed(source, target) else 409
            assert response.status_code == expected, (source, target, response.text)
            now = chad.get(f"/api/alerts/{alert}").json()["status"]
            assert now == (target.value if expected == 200 else source.value)


def test_bulk_partly_failing_reports_each_and_history_is_exact(chad, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["a-new", "a-ack"])
    chad.patch("/api/alerts/a-ack", json={"status": "acknowledged"})
    body = {"ids": ["a-new", "a-ack", "ghost"], "status": "resolved"}
    response = chad.post("/api/alerts/bulk/status", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "updated": 1,
        "failed": [
            {"id": "a-new", "reason": "Invalid status transition from new to resolved"},
            {"id": "ghost", "reason": "Alert not found"},
        ],
    }
    assert history(es, space, "a-new") == []
    assert [(e["from"], e["to"]) for e in history(es, space, "a-ack")] == [
        ("open", "acknowledged"),
        ("acknowledged", "closed"),
    ]


def test_concurrent_transitions_never_record_a_forbidden_path(make_client, es, es_url, space):
    # every change of every alert stays in its history: 160 requests cannot reach the bound, so
    # the chain below starts at `new` (with the default bound of 20 the oldest could be dropped)
    chad = make_client(chad_space_id=space, status_history_limit=200)
    alerts = [f"race-{n}" for n in range(4)]
    put_alerts(es, es_url, space, alerts)
    rng = random.Random(5)
    requests = [(rng.choice(alerts), rng.choice(list(ChadStatus))) for _ in range(160)]

    def send(request: tuple[str, ChadStatus]) -> int:
        alert, status = request
        return chad.patch(f"/api/alerts/{alert}", json={"status": status.value}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(send, requests))

    assert set(codes) <= {200, 409} and codes.count(200) > 20 and 409 in codes
    changes = 0
    for alert in alerts:
        entries = history(es, space, alert)
        state = ChadStatus.NEW
        for entry in entries:
            before = word(Dialect.CHAD, model_state(entry["from"], entry.get("from_reason"), ()))
            after = word(Dialect.CHAD, model_state(entry["to"], entry.get("reason"), ()))
            assert before == state, (alert, entries)  # the chain is unbroken
            assert before != after and chad_allowed(before, after), (alert, entry)
            state = after
        final = chad.get(f"/api/alerts/{alert}").json()["status"]
        assert final == state.value
        changes += len(entries)
    assert changes > 10


def test_an_oversized_body_is_refused_in_chads_shape(make_client, es, es_url, space) -> None:
    put_alerts(es, es_url, space, ["alert-big-1"])
    chad = make_client(chad_space_id=space, max_body_bytes=4096)
    comment = "x" * 5000
    response = chad.patch(
        "/api/alerts/alert-big-1", json={"status": "acknowledged", "comment": comment}
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Payload content length greater than maximum allowed: 4096"
    }
    assert source_of(es, space, "alert-big-1")["kibana.alert.workflow_status"] == "open"
