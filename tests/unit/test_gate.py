"""Guarded rollouts' pure rules: waves, durations, and the health gate's verdicts."""

from __future__ import annotations

import pytest

from aiodeploy._gate import (
    GateStats,
    HealthGate,
    Verdict,
    describe_wave,
    judge_deployment,
    judge_replacements,
    judge_wave,
    parse_duration,
    plan_waves,
)

GATE = HealthGate(max_error_rate=0.01, max_response_time_ms=200, min_predictions=20)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(120, 120.0), (2.5, 2.5), ("90", 90.0), ("90s", 90.0), ("2m", 120.0), ("1h30m", 5400.0),
     ("1m30s", 90.0), (" 2M ", 120.0), ("0.5m", 30.0), (0, 0.0)],
)  # fmt: skip
def test_durations(value, seconds) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["", "2x", "m", "-1", "1d", "inf", "nan", -3, float("inf"), float("nan"),
     "1_0", "1_0s", "1_0m", "\u0661\u0660", "\u0661m", "infinity"],
)  # fmt: skip
def test_bad_durations(value) -> None:
    # float() reads "1_0" as 10 and "\u0661\u0660" (Arabic-Indic digits) as 10: typos, refused
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


def test_a_duration_is_not_a_bool() -> None:
    with pytest.raises(TypeError):
        parse_duration(True)


@pytest.mark.parametrize(
    ("size", "marks", "waves"),
    [
        (40, [1, "25%", "100%"], [(0, 1), (1, 10), (10, 40)]),
        (40, ["10%", 20, 40], [(0, 4), (4, 20), (20, 40)]),
        (3, ["50%", "100%"], [(0, 2), (2, 3)]),  # a share rounds up
        (1, ["100%"], [(0, 1)]),
        (1000, [1, "1%", "10%", "100%"], [(0, 1), (1, 10), (10, 100), (100, 1000)]),
    ],
)
def test_waves_are_cumulative_marks(size, marks, waves) -> None:
    assert [(w.start, w.stop) for w in plan_waves(size, marks)] == waves


@pytest.mark.parametrize(
    ("size", "marks", "message"),
    [
        (40, [], "at least one"),
        (40, [10, 10, 40], "adds no item"),
        (40, [10, 5, 40], "adds no item"),
        (10, ["1%", "5%", "100%"], "adds no item"),  # both round up to item 1
        (40, [1, 20], "last wave mark reaches item 20 of 40"),
        (40, [1, 50], "past the plan"),
        (40, ["abc"], "not a wave mark"),
        (40, ["0%", "100%"], "not a wave mark"),
        (40, ["150%"], "not a wave mark"),
        (40, [True, 40], "not a wave mark"),
        (40, [1, "1_0%", "100%"], "not a wave mark"),  # float() reads it as 10 %
        (40, [1, "1_0", "100%"], "not a wave mark"),
        (40, [1, "nan%", "100%"], "not a wave mark"),
    ],
)
def test_malformed_waves_are_refused(size, marks, message) -> None:
    with pytest.raises(ValueError, match=message):
        plan_waves(size, marks)


def test_a_deployment_with_too_few_predictions_is_undecided_during_the_bake() -> None:
    few = GateStats(predictions=5, error_rate=0.5)  # failing errors, but not enough to judge
    assert judge_deployment("d", few, GATE, final=False)[0] is Verdict.UNDECIDED


@pytest.mark.parametrize(("policy", "verdict"), [("fail", Verdict.FAIL), ("pass", Verdict.PASS)])
def test_too_few_predictions_at_the_end_follow_the_undecided_policy(policy, verdict) -> None:
    gate = HealthGate(min_predictions=20, on_undecided=policy)
    decided, why = judge_deployment("d", GateStats(predictions=3), gate, final=True)
    assert decided is verdict
    assert "only 3 prediction(s), 20 needed" in why


@pytest.mark.parametrize(
    ("stats", "why"),
    [
        (GateStats(predictions=100, error_rate=0.02), "error rate 2.0% > 1.0%"),
        (
            GateStats(predictions=100, error_rate=0.0, response_time_ms=350),
            "response time 350 ms > 200 ms",
        ),
    ],
)
@pytest.mark.parametrize("final", [False, True])
def test_a_broken_threshold_fails_as_soon_as_enough_predictions_are_in(stats, why, final) -> None:
    assert judge_deployment("d", stats, GATE, final=final) == (Verdict.FAIL, why)


def test_a_healthy_deployment_passes_only_at_the_end_of_the_bake() -> None:
    healthy = GateStats(predictions=100, error_rate=0.01, response_time_ms=200)  # at the limits
    assert judge_deployment("d", healthy, GATE, final=False)[0] is Verdict.UNDECIDED
    assert judge_deployment("d", healthy, GATE, final=True) == (
        Verdict.PASS,
        "100 predictions, 1.0% errors, 200 ms",
    )


def test_drift_and_a_check_of_ones_own() -> None:
    drifting = GateStats(predictions=100, error_rate=0.0, data_drift=0.4)
    gate = HealthGate(max_data_drift=0.25, min_predictions=1)
    assert judge_deployment("d", drifting, gate, final=True) == (
        Verdict.FAIL,
        "data drift 0.40 > 0.25",
    )
    picky = HealthGate(
        min_predictions=1, check=lambda dep, s: "canary says no" if dep == "x" else None
    )
    calm = GateStats(predictions=100, error_rate=0.0)
    assert judge_deployment("x", calm, picky, final=True) == (Verdict.FAIL, "canary says no")
    assert judge_deployment("y", calm, picky, final=True)[0] is Verdict.PASS


def test_a_wave_fails_past_max_failing_waits_while_undecided_and_passes_when_decided() -> None:
    ok, bad, wait = (Verdict.PASS, "ok"), (Verdict.FAIL, "errors"), (Verdict.UNDECIDED, "baking")
    assert judge_wave({"a": ok, "b": bad}, HealthGate()).verdict is Verdict.FAIL
    assert judge_wave({"a": bad, "b": wait}, HealthGate()).verdict is Verdict.FAIL  # early
    tolerant = HealthGate(max_failing=1)
    assert judge_wave({"a": bad, "b": wait}, tolerant).verdict is Verdict.UNDECIDED
    decided = judge_wave({"a": bad, "b": ok}, tolerant)
    assert (decided.verdict, dict(decided.failing)) == (Verdict.PASS, {"a": "errors"})
    assert judge_wave({"a": ok, "b": ok}, HealthGate()).verdict is Verdict.PASS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_error_rate": 1.5},
        {"max_error_rate": -0.1},
        {"max_response_time_ms": 0},
        {"min_predictions": -1},
        {"max_failing": -1},
        {"on_undecided": "maybe"},
        {"max_data_drift": -1},
    ],
)
def test_a_gate_is_checked_when_made(kwargs) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs)).split("_")[-1]):
        HealthGate(**kwargs)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # NaN passes every "< 0" test and makes every later comparison false: a gate
        # with max_failing=nan never failed a wave, one with min_predictions=nan never
        # waited for predictions
        ("max_failing", NAN), ("min_predictions", NAN), ("max_error_rate", NAN),
        ("max_response_time_ms", NAN), ("max_data_drift", NAN),
        # an infinite limit is no limit (None says that), an infinite count never reached
        ("max_failing", INF), ("min_predictions", INF), ("max_error_rate", INF),
        ("max_response_time_ms", INF), ("max_data_drift", INF),
        # counts are whole numbers
        ("max_failing", 1.5), ("min_predictions", 10.0),
    ],
)  # fmt: skip
def test_a_gate_refuses_nan_and_infinite_thresholds_naming_the_field(field, value) -> None:
    with pytest.raises(ValueError, match=f"^{field} must be"):
        HealthGate(**{field: value})


@pytest.mark.parametrize(
    "kwargs",
    [{"max_failing": True}, {"min_predictions": "10"}, {"max_error_rate": "1%"}, {"check": 3}],
)
def test_a_gate_refuses_thresholds_that_are_no_numbers(kwargs) -> None:
    with pytest.raises(TypeError, match=next(iter(kwargs))):
        HealthGate(**kwargs)


def test_a_gate_takes_whole_numbers_for_its_limits() -> None:
    gate = HealthGate(max_error_rate=0, max_response_time_ms=250, max_data_drift=1)
    assert judge_deployment("d", GateStats(50, 0.0, 100.0, 0.5), gate, final=True)[0] is (
        Verdict.PASS
    )


def test_a_model_failing_every_request_is_judged_on_its_requests() -> None:
    # it serves no prediction at all: counted by predictions only, it would stay undecided
    # and, with on_undecided="pass", pass at the end of the bake
    broken = GateStats(predictions=0, error_rate=1.0, requests=40)
    lenient = HealthGate(min_predictions=20, on_undecided="pass")
    assert judge_deployment("d", broken, lenient, final=False) == (
        Verdict.FAIL,
        "error rate 100.0% > 1.0%",
    )
    assert GateStats(predictions=50, requests=10).seen == 50
    assert GateStats(predictions=3).seen == 3


@pytest.mark.parametrize(
    ("failed", "replaced", "max_failing", "verdict"),
    [
        ({}, 3, 0, None),  # nothing failed: the gate judges the replaced ones
        ({"a": "its replacement failed"}, 2, 0, Verdict.FAIL),  # past max_failing at once
        ({"a": "its replacement failed"}, 2, 1, None),  # tolerated: bake, and it counts there
        ({"a": "x", "b": "y"}, 2, 1, Verdict.FAIL),
        ({"a": "its replacement failed"}, 0, 1, Verdict.FAIL),  # nothing left to judge
        ({}, 0, 0, Verdict.PASS),  # every item already served its model
    ],
)
def test_failed_replacements_count_against_their_wave(failed, replaced, max_failing, verdict):
    decided = judge_replacements(failed, replaced, HealthGate(max_failing=max_failing))
    if verdict is None:
        assert decided is None
    else:
        assert decided is not None
        assert decided.verdict is verdict
        assert dict(decided.failing) == (failed if verdict is Verdict.FAIL else {})


def test_a_tolerated_failed_replacement_still_counts_when_the_gate_judges() -> None:
    failed = (Verdict.FAIL, "its replacement failed")
    bad = (Verdict.FAIL, "error rate 9.0% > 1.0%")
    tolerant = HealthGate(max_failing=1)
    assert judge_wave({"a": failed, "b": bad}, tolerant).verdict is Verdict.FAIL
    assert judge_wave({"a": failed, "b": (Verdict.PASS, "ok")}, tolerant).verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("stats", "text"),
    [
        ([], "0 predictions"),
        ([GateStats(predictions=0)], "0 predictions"),
        ([GateStats(predictions=0, error_rate=0.0, requests=0)], "0 predictions"),
        (
            [GateStats(predictions=300, error_rate=0.002), GateStats(40, 0.0)],
            "0.2 % errors, 340 predictions",
        ),
        ([GateStats(predictions=10, error_rate=0.5, requests=8)], "50 % errors, 10 predictions"),
    ],
)
def test_what_a_wave_shows_while_it_bakes(stats, text) -> None:
    assert describe_wave(stats) == text
