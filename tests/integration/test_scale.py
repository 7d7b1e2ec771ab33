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


def sharded_space(es, space: str, shards: int) -> str:
    """A space whose first alerts index has `shards` primary shards."""
    alias = alerts_alias(space)
    es.call(
        "PUT",
        f"/{first_alerts_index(space)}",
        {
            "settings": {"index.number_of_shards": shards, "index.number_of_replicas": 0},
            "aliases": {alias: {"is_write_index": True}},
        },
    )
    return alias


def test_a_large_query_selection_runs_one_slice_per_primary_shard(make_client, es, seed, space):
    alias = sharded_space(es, space, 3)
    before = seed(space, 60)
    client = make_client(slice_min_alerts=50)  # the default slicing: "shards"

    by_ids = client.post(
        status_path(space), json={"signal_ids": sorted(before), "status": "acknowledged"}
    )
    by_query = client.post(
        status_path(space), json={"query": {"match_all": {}}, "status": "closed"}
    )

    assert by_ids.status_code == by_query.status_code == 200, (by_ids.text, by_query.text)
    assert "slices" not in by_ids.json()  # ids: one call, Kibana's shape, however many
    body = by_query.json()
    assert (body["total"], body["updated"]) == (60, 60)
    assert len(body["slices"]) == 3  # one per primary shard
    assert sum(part["updated"] for part in body["slices"]) == 60
    statuses = {s["kibana.alert.workflow_status"] for s in es.sources(alias).values()}
    assert statuses == {"closed"}


def test_a_query_below_the_threshold_or_on_one_shard_is_not_sliced(make_client, es, seed, space):
    sharded_space(es, space, 3)
    seed(space, 60)
    one_shard = f"{space}-one"
    seed(one_shard, 60)
    client = make_client(slice_min_alerts=61)
    low_threshold = make_client(slice_min_alerts=10)
    match_all = {"query": {"match_all": {}}, "status": "closed"}

    below = client.post(status_path(space), json=match_all)
    single = low_threshold.post(status_path(one_shard), json=match_all)
    fixed = make_client(update_slices="1", slice_min_alerts=10).post(
        status_path(space), json={**match_all, "status": "open"}
    )

    for answer in (below, single, fixed):
        assert answer.status_code == 200, answer.text
        assert answer.json()["updated"] == 60
        assert "slices" not in answer.json()


def test_an_asynchronous_large_query_is_sliced_and_its_task_reports_the_sum(
    make_client, es, seed, space
) -> None:
    from tests.integration.test_tasks import wait_done

    alias = sharded_space(es, space, 3)
    seed(space, 60)
    client = make_client(slice_min_alerts=50)

    started = client.post(
        status_path(space) + "?wait_for_completion=false",
        json={"query": {"match_all": {}}, "status": "closed"},
    )

    assert started.status_code == 200, started.text
    task_id = started.json()["task"]
    report = wait_done(client, space, task_id)
    assert (report["total"], report["updated"]) == (60, 60)
    finished = es.call("GET", f"/_tasks/{task_id}")  # Elasticsearch's own record of the task
    assert len(finished["task"]["status"]["slices"]) == 3, finished
    statuses = {s["kibana.alert.workflow_status"] for s in es.sources(alias).values()}
    assert statuses == {"closed"}
