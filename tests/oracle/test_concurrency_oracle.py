"""The concurrency oracle on the real node: many workers change the same few alerts at once through
every way in (Kibana by ids and by query in both countings, UTMStack, CHAD with its transitions,
Kibana's tags, the CLI), then the judge (tests/oracle/judge.py) explains the result by one serial
order of the answered requests, or says what it cannot explain (docs/reliability.md).

The workload comes from a seeded generator: `ALERTSTATUS_ORACLE_SEED=<n>` replays a failing
seed's plan (the interleaving is the machine's, the checks are the same).
"""

from __future__ import annotations

import os
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from alertstatus.demo import alert_document
from alertstatus.engine.history import RECORDS_INDEX
from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import WorkflowStatus
from alertstatus.engine.selection import closure_query
from alertstatus.engine.timerange import TimeWindow
from tests.conftest import create_space
from tests.oracle.judge import Observation, judge
from tests.oracle.requests import FP_TAG, KIBANA_STATUSES, OTHER_TAGS, Alert, Kind, Planner
from tests.oracle.workload import Workload, run_on_app

SEED_VARIABLE = "ALERTSTATUS_ORACLE_SEED"
ALERTS = 36
HOT = 10  # alerts that take three quarters of the requests
HISTORY_LIMIT = 1000  # every entry of the run stays in its alert (the oracle replays them all)


def seed_alerts(es, es_url: str, space: str, rng: random.Random) -> list[Alert]:
    """Alerts in every status, some tagged (a few with UTMStack's FP tag), 13 minutes apart;
    returned shuffled, so the hot ones are spread over time."""
    alias = create_space(es_url, space)
    start = datetime(2024, 11, 5, tzinfo=UTC)
    lines: list[dict[str, Any]] = []
    alerts: list[Alert] = []
    for number in range(ALERTS):
        status = rng.choice(("open", "open", *KIBANA_STATUSES))
        moment = start + timedelta(minutes=13 * number, milliseconds=rng.randrange(1000))
        doc = alert_document(space, number, timestamp=moment, status=WorkflowStatus(status))
        doc["kibana.alert.uuid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        doc["kibana.alert.workflow_tags"] = rng.sample(OTHER_TAGS, rng.randint(0, 1))
        if rng.random() < 0.12:
            doc["kibana.alert.workflow_tags"].append(FP_TAG)
        alert_id = f"oracle-{number:02d}-{doc['kibana.alert.uuid'][:8]}"
        lines += [{"create": {"_index": alias, "_id": alert_id}}, doc]
        alerts.append(
            Alert(
                alert_id, doc["kibana.alert.uuid"], doc["@timestamp"], doc["kibana.alert.severity"]
            )
        )
    es.bulk(lines)
    rng.shuffle(alerts)
    return alerts


def change_records(es, space: str) -> dict[str, dict[str, Any]]:
    es.call("POST", f"/{RECORDS_INDEX}/_refresh")
    query = {"size": 10_000, "query": {"term": {"space_id": space}}}
    hits = es.call("POST", f"/{RECORDS_INDEX}/_search", query)["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def report(seed: int, violations: list[str], summary: dict[str, int]) -> str:
    shown = "\n".join(f"- {text}" for text in violations[:40])
    more = f"\n... and {len(violations) - 40} more" if len(violations) > 40 else ""
    return (
        f"concurrency oracle, seed {seed} (replay: {SEED_VARIABLE}={seed}): "
        f"{len(violations)} violations\n{shown}{more}\nrun: {summary}"
    )


def test_concurrent_changes_are_explained_by_one_serial_order(
    make_client, es, es_url, space, tmp_path
) -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or secrets.randbelow(2**32))
    print(f"concurrency oracle seed: {seed} (replay: {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    alerts = seed_alerts(es, es_url, space, rng)
    before = es.sources(alerts_alias(space))
    plan = Planner(rng, alerts, hot=HOT).plan(http_count=3000, cli_count=4)
    client = make_client(
        utmstack_space_id=space,
        chad_space_id=space,
        status_history_limit=HISTORY_LIMIT,
        skip_unchanged=False,  # requests without ?skip_unchanged count as Kibana does
    )
    cli_env = {
        **os.environ,
        "ELASTICSEARCH_URL": es_url,
        "ALERTSTATUS_STATUS_HISTORY_LIMIT": str(HISTORY_LIMIT),
    }
    workload = Workload(space, plan, cli_env, tmp_path)

    started = time.monotonic()
    exchanges = run_on_app(client, workload)
    print(f"{len(exchanges)} requests answered in {time.monotonic() - started:.1f} s")

    cli_queries = {
        request.number: closure_query(
            TimeWindow.parse(request.query.since, request.query.until),
            query=request.cli_file_query(),
        )
        for request in plan.cli
        if request.query is not None
    }
    observation = Observation(
        space,
        before,
        es.sources(alerts_alias(space)),
        change_records(es, space),
        exchanges,
        cli_queries,
    )
    violations, summary = judge(observation)
    print(f"judged in {time.monotonic() - started:.1f} s from the start: {summary}")
    assert not violations, report(seed, violations, summary)
    # not vacuous: every way in was used, changed alerts, and met CHAD's rules
    for kind in Kind:
        assert summary.get(f"sent {kind}", 0) > 0, report(seed, [f"no {kind} sent"], summary)
        if kind is not Kind.TAGS:
            assert summary.get(f"entries {kind}", 0) > 0, report(seed, [f"{kind} idle"], summary)
    assert summary.get("chad forbidden", 0) > 0, report(seed, ["CHAD never refused"], summary)
