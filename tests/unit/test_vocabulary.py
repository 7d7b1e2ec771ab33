"""The vocabulary table and CHAD's transition rules, as pure functions."""

from __future__ import annotations

from alertstatus.engine.transitions import chad_allowed, chad_allowed_states
from alertstatus.engine.vocabulary import (
    ChadStatus,
    Dialect,
    ModelState,
    UtmStatus,
    chad_target,
    model_state,
    states_saying,
    utmstack_target,
    word,
)


def test_every_state_has_one_word_per_dialect_and_writes_land_on_it() -> None:
    for status in ChadStatus:
        target = chad_target(status)
        assert word(Dialect.CHAD, model_state(target.status, target.reason, ())) == status
    for code in UtmStatus:
        for tag in (False, True):
            target = utmstack_target(code, false_positive=tag)
            assert word(Dialect.UTMSTACK, model_state(target.status, target.reason, ())) == code


def test_false_positive_is_a_closed_alert_with_the_reason_or_the_tag() -> None:
    assert model_state("closed", "false_positive", []) is ModelState.FALSE_POSITIVE
    assert model_state("closed", None, ["False positive"]) is ModelState.FALSE_POSITIVE
    assert model_state("in-progress", None, ["False positive"]) is ModelState.IN_PROGRESS
    assert model_state("closed", "duplicate", []) is ModelState.CLOSED
    assert states_saying(Dialect.UTMSTACK, UtmStatus.IN_REVIEW) == {
        ModelState.ACKNOWLEDGED,
        ModelState.IN_PROGRESS,
    }


def test_chads_transitions() -> None:
    allowed = {(a, b) for a in ChadStatus for b in ChadStatus if a != b and chad_allowed(a, b)}
    n, ack, res, fp = ChadStatus
    assert allowed == {(n, ack), (ack, res), (n, fp), (ack, fp), (ack, n), (res, n), (fp, n)}
    assert chad_allowed_states(res) == {
        ModelState.ACKNOWLEDGED,
        ModelState.IN_PROGRESS,
        ModelState.CLOSED,
    }
