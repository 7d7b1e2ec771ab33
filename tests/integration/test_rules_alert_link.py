"""Closing the alerts of one rule (by its uuid, as both rule APIs answer it), on the real node."""

from __future__ import annotations

from alertstatus.engine.indices import alerts_alias
from alertstatus.engine.model import AlertQuery, StatusChange, WorkflowStatus
from alertstatus.engine.selection import closure_query
from alertstatus.engine.timerange import TimeWindow


def test_a_rules_closure_closes_only_that_rules_alerts(client, es, seed, space) -> None:
    before = seed(space, 30)
    rule_ids = {source["kibana.alert.rule.uuid"] for source in before.values()}
    assert len(rule_ids) > 1
    target = sorted(rule_ids)[0]
    expected = {i for i, s in before.items() if s["kibana.alert.rule.uuid"] == target}

    change = StatusChange(
        space_id=space,
        selector=AlertQuery(closure_query(TimeWindow(), rule=target)),
        status=WorkflowStatus.CLOSED,
        reason="duplicate",
    )
    result = client.portal.call(client.app.state.services.status.apply, change).json()

    assert result["total"] == len(expected)
    for alert_id, source in es.sources(alerts_alias(space)).items():
        if alert_id in expected:
            assert source["kibana.alert.workflow_status"] == "closed"
            assert source["kibana.alert.workflow_reason"] == "duplicate"
        else:
            assert source == before[alert_id]
