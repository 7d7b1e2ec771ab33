"""Closing the alerts of one rule through the engine helper, on the real node."""

from __future__ import annotations

from alertstatus.engine.by_rule import change_alerts_of_rule
from alertstatus.engine.model import WorkflowStatus
from alertstatus.es.templates import alerts_alias


def test_change_alerts_of_rule_closes_only_that_rules_alerts(client, es, seed, space) -> None:
    before = seed(space, 30)
    rule_ids = {source["kibana.alert.rule.uuid"] for source in before.values()}
    assert len(rule_ids) > 1
    target = sorted(rule_ids)[0]
    expected = {i for i, s in before.items() if s["kibana.alert.rule.uuid"] == target}

    change = change_alerts_of_rule(space, target, WorkflowStatus.CLOSED, reason="duplicate")
    result = client.portal.call(client.app.state.status_service.apply, change).json()

    assert result["total"] == len(expected)
    for alert_id, source in es.sources(alerts_alias(space)).items():
        if alert_id in expected:
            assert source["kibana.alert.workflow_status"] == "closed"
            assert source["kibana.alert.workflow_reason"] == "duplicate"
        else:
            assert source == before[alert_id]
