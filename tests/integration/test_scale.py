"""Big selections against the real node: id splitting, merged responses, limits, pre-filter."""

from __future__ import annotations

from alertstatus.demo import alert_id
from alertstatus.engine.indices import alerts_alias, first_alerts_index
from tests.conftest import status_path


def small_terms_space(es, space: str, max_terms_count: int) -> str:
    """A space whose index accepts only `max_terms_count` terms per query."""
    alias = alerts_alias(space)
    es.call(
        "PUT",
        f"/{first_alerts_index(space)}",
        {
            "settings": {"index.max_terms_count": max_terms_count},
            "aliases": {alias: {"is_write_index": True}},
        },
    )
    return alias


def test_more_ids_than_max_terms_count_are_split_and_merged(client, es, seed, space) -> None:
    alias = small_terms_space(es, space, 10)
    before = seed(space, 30, closed_ratio=0.3)
    ids = sorted(before)[:25]
    already = sum(before[i]["kibana.alert.workflow_status"] == "closed" for i in ids)
    assert 0 < already < 25

    response = client.post(
        status_path(space) + "?skip_unchanged=true",  # so both counts have something to merge
        json={"signal_ids": ids, "status": "closed"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    # Three calls of 10, 10 and 5 ids, each one batch: the merged body says so.
    assert body["batches"] == 3
    assert (body["total"], body["updated"], body["noops"]) == (25, 25 - already, already)
    assert body["failures"] == [] and body["timed_out"] is False
    assert set(body["retries"]) == {"bulk", "search"}
    after = es.sources(alias)
    assert {i for i, s in after.items() if s["kibana.alert.workflow_status"] == "closed"} == {
        *ids,
        *(i for i in before if before[i]["kibana.alert.workflow_status"] == "closed"),
    }


def test_one_hundred_thousand_ids_in_one_request(client, es, seed, space) -> None:
    before = seed(space, 20)
    ids = [alert_id(space, number) for number in range(100_000)]
    assert set(before) <= set(ids)

    response = client.post(status_path(space), json={"signal_ids": ids, "status": "closed"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["updated"]) == (20, 20)
    assert all(
        s["kibana.alert.workflow_status"] == "closed"
        for s in es.sources(alerts_alias(space)).values()
    )


def test_more_ids_than_the_limit_is_a_400_before_elasticsearch(make_client, es, space) -> None:
    client = make_client(max_ids_per_request=5)

    response = client.post(
        status_path(space), json={"signal_ids": [f"id-{n}" for n in range(6)], "status": "closed"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "[request body].signal_ids: at most 5 alert ids per request (got 6); "
        "split the request or select by query",
    }
    assert es.http.head(f"/_alias/{alerts_alias(space)}").status_code == 404


def test_prefilter_leaves_already_closed_alerts_out_of_the_counts(make_client, seed, space):
    before = seed(space, 40, closed_ratio=0.5)
    closed = sum(s["kibana.alert.workflow_status"] == "closed" for s in before.values())
    assert 0 < closed < 40
    client = make_client(skip_unchanged=True, prefilter_unchanged=True)

    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )

    body = response.json()
    assert (body["total"], body["updated"], body["noops"]) == (40 - closed, 40 - closed, 0)


def test_sliced_closure_gives_the_same_counts(make_client, es, seed, space) -> None:
    before = seed(space, 50, closed_ratio=0.2)
    closed = sum(s["kibana.alert.workflow_status"] == "closed" for s in before.values())
    assert 0 < closed < 50  # some already closed: rewritten and counted all the same
    client = make_client(update_slices="2")

    response = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["updated"], body["noops"]) == (50, 50, 0)  # Kibana's counting
    assert len(body["slices"]) == 2
