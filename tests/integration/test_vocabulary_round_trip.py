"""The vocabulary map, round-tripped: written through one dialect, read through all three."""

from __future__ import annotations

import pytest

from alertstatus.engine.vocabulary import (
    VOCABULARY,
    Dialect,
    ModelState,
    Row,
    chad_target,
    model_state,
    utmstack_target,
)
from tests.integration.dialect_helpers import doc_id, put_alerts

ALERT = "5f0c2a8e-1d6b-4c1e-9d7a-2b3c4d5e6f70"


def write(client, space: str, dialect: Dialect, row_state: ModelState) -> None:
    """Move the alert to `row_state` through `dialect` (each dialect has its own words)."""
    row = next(r for r in VOCABULARY if r.state is row_state)
    if dialect is Dialect.KIBANA:
        body = {"signal_ids": [doc_id(ALERT)], "status": row.kibana.value}
        if row_state is ModelState.FALSE_POSITIVE:
            body["reason"] = "false_positive"
        response = client.post(f"/s/{space}/api/detection_engine/signals/status", json=body)
    elif dialect is Dialect.UTMSTACK:
        body = {
            "alertIds": [ALERT],
            "status": row.utmstack.value,
            "addFalsePositiveTag": row_state is ModelState.FALSE_POSITIVE,
        }
        response = client.post("/api/utm-alerts/status", json=body)
    else:
        if row.chad.value in ("resolved",):  # CHAD reaches resolved only via acknowledged
            client.patch(f"/api/alerts/{ALERT}", json={"status": "acknowledged"})
        response = client.patch(f"/api/alerts/{ALERT}", json={"status": row.chad.value})
    assert response.status_code == 200, (dialect, row_state, response.text)


def read(client, space: str) -> tuple[str, int, str]:
    search = client.post(
        f"/s/{space}/api/detection_engine/signals/search",
        json={"query": {"ids": {"values": [doc_id(ALERT)]}}},
    )
    (hit,) = search.json()["hits"]["hits"]
    kibana = hit["_source"]["kibana.alert.workflow_status"]
    return (
        kibana,
        client.get(f"/api/utm-alerts/{ALERT}").json()["status"],
        client.get(f"/api/alerts/{ALERT}").json()["status"],
    )


def lands_on(dialect: Dialect, row: Row) -> ModelState:
    """The model state a write of `row`'s word through `dialect` produces."""
    if dialect is Dialect.KIBANA:
        return row.state
    if dialect is Dialect.UTMSTACK:
        fp = row.state is ModelState.FALSE_POSITIVE
        target = utmstack_target(row.utmstack, false_positive=fp)
        return model_state(target.status, target.reason, ["False positive"] if fp else [])
    target = chad_target(row.chad)
    return model_state(target.status, target.reason, [])


# One word may name two states (UTMStack's 3, CHAD's acknowledged): a write lands on one of them.
WRITABLE = [
    (dialect, row.state)
    for dialect in Dialect
    for row in VOCABULARY
    if lands_on(dialect, row) is row.state
]


def test_every_state_is_written_by_kibana_and_every_word_by_its_dialect() -> None:
    assert len(WRITABLE) == len(VOCABULARY) + 4 + 4


@pytest.mark.parametrize(("dialect", "state"), WRITABLE, ids=lambda v: str(v))
def test_written_through_one_dialect_reads_back_in_each_dialects_words(
    make_client, es, es_url, space, dialect, state
) -> None:
    client = make_client(utmstack_space_id=space, chad_space_id=space)
    put_alerts(es, es_url, space, [ALERT])
    write(client, space, dialect, state)
    row = next(r for r in VOCABULARY if r.state is state)
    assert read(client, space) == (row.kibana.value, row.utmstack.value, row.chad.value)
