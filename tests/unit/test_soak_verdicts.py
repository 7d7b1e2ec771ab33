"""The soak's verdict rules (bench/soak.py, docs/reliability.md "Soak") on made-up samples."""

from __future__ import annotations

from dataclasses import replace

from bench.soak import MB, JvmHeap, Sample, SoakPlan, SoakRun, render_soak, verdicts

from alertstatus.cli.load_generator import LoadReport

PLAN = SoakPlan(minutes=10, clients=64, sample_seconds=60, alerts=100, space="s")
HEAP_MAX = 1024 * MB


def sample(minute: int, **changes: object) -> Sample:
    base = Sample(
        seconds=minute * 60.0,
        requests=1000 * minute,
        client_errors=0,
        server_errors=0,
        connection_errors=0,
        rss=100 * MB,
        fds=90,
        connections=70,
        heap=JvmHeap(used=500 * MB, max=HEAP_MAX, percent=48, old_gen=300 * MB),
    )
    return replace(base, **changes)


def report(**statuses: int) -> LoadReport:
    made = LoadReport(seconds=600.0)
    made.latencies["close_ids"] = [0.01] * sum(statuses.values())
    made.statuses.update({status.removeprefix("s"): n for status, n in statuses.items()})
    return made


def run(samples: list[Sample], load: LoadReport | None = None) -> SoakRun:
    after = replace(samples[-1], seconds=602.0, under_load=False)
    return SoakRun(PLAN, "header", [*samples, after], load or report(s200=10_000), 600.0, 120 * MB)


def met(soak: SoakRun) -> dict[str, bool]:
    return {name: ok for name, _, ok in verdicts(soak)}


def steady() -> list[Sample]:
    return [sample(minute) for minute in range(10)]


def test_a_steady_run_meets_every_verdict() -> None:
    soak = run(steady())
    assert met(soak) == {
        "0 5xx": True,
        "0 connection errors": True,
        "RSS flat": True,
        "no fd growth": True,
        "no connection growth": True,
        "ES heap stable": True,
    }
    text = render_soak(soak)
    assert "| service RSS MB | 100.0 | 100.0 | 120.0 | 100.0 | 100.0 |" in text
    assert text.count("| yes |") == 6


def test_5xx_and_connection_errors_fail_their_verdicts() -> None:
    assert not met(run(steady(), report(s200=9_999, s503=1)))["0 5xx"]
    assert met(run(steady(), report(s200=10, s409=2)))["0 5xx"]  # 4xx are the client's
    dead = report(s200=10)
    dead.statuses["connection error"] = 3
    assert not met(run(steady(), dead))["0 connection errors"]
    assert not met(run(steady(), LoadReport()))["0 5xx"]  # no request at all proves nothing


def test_growth_after_warm_up_fails_and_warm_up_growth_does_not() -> None:
    # the first minute is warm-up: growth there is allocation, not a leak
    warming = [sample(0, rss=50 * MB, fds=20, connections=2), *steady()[1:]]
    assert all(met(run(warming)).values())
    leaking = [sample(m, rss=(100 + 5 * m) * MB) for m in range(10)]  # +45 MB over 9 minutes
    assert not met(run(leaking))["RSS flat"]
    small = [sample(m, rss=(100 + 2 * m) * MB) for m in range(10)]  # +16 MB: under 20 MB
    assert met(run(small))["RSS flat"]
    fds = [sample(m, fds=90 + 2 * m) for m in range(10)]  # +16 over 90: above max(9, 8)
    assert not met(run(fds))["no fd growth"]
    sockets = [sample(m, connections=70 + 2 * m) for m in range(10)]
    assert not met(run(sockets))["no connection growth"]


def test_heap_verdict_watches_the_old_gen_floor_not_the_sawtooth() -> None:
    def heap(used: int, old: int | None) -> JvmHeap:
        old_gen = None if old is None else old * MB
        return JvmHeap(used=used * MB, max=HEAP_MAX, percent=used * 100 // 1024, old_gen=old_gen)

    sawtooth = [sample(m, heap=heap(300 + 400 * (m % 2), 250 + 150 * (m % 2))) for m in range(10)]
    assert met(run(sawtooth))["ES heap stable"]
    rising = [sample(m, heap=heap(500, 200 + 40 * m)) for m in range(10)]  # floor +280 MB
    assert not met(run(rising))["ES heap stable"]
    no_pool = [sample(m, heap=heap(300 + 30 * m, None)) for m in range(10)]
    assert not met(run(no_pool))["ES heap stable"]
    measured = {name: value for name, value, _ in verdicts(run(no_pool))}
    assert measured["ES heap stable"].startswith("whole heap floor")
    unanswered = [sample(m, heap=None) for m in range(10)]
    assert not met(run(unanswered))["ES heap stable"]


def test_load_report_counts_answers_by_class() -> None:
    made = report(s200=5, s201=1, s404=2, s409=1, s500=1, s503=2)
    made.statuses["connection error"] = 4
    assert made.status_classes() == {
        "2xx": 6,
        "4xx": 3,
        "5xx": 3,
        "connection error": 4,
    }
    assert "by class: 2xx 6, 4xx 3, 5xx 3, connection error 4" in made.summary()
