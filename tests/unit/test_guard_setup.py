"""A guarded rollout's pure pieces: service stats as the gate reads them, the bake's clock
and poll interval, and the rules replace_models' guard arguments follow."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec
import pytest

from aiodeploy import FeatureDrift, HealthGate, ServiceStats
from aiodeploy._gate import GateStats
from aiodeploy._guard import poll_interval, wall_clock
from aiodeploy._guard_setup import GuardArgs, check_guard, gate_stats
from tests.conftest import FakeClock


def _stats(**metrics: object) -> ServiceStats:
    return msgspec.convert({"modelId": "m", "metrics": metrics}, ServiceStats)


def test_service_stats_become_gate_stats() -> None:
    read = _stats(totalPredictions=340, totalRequests=70, serverErrorRate=0.2, responseTime=41.5)
    assert gate_stats(read) == GateStats(
        predictions=340, error_rate=0.2, response_time_ms=41.5, requests=70
    )


def test_no_request_is_no_error_rate() -> None:
    # DataRobot says 0.0 for a model no request reached: nothing to judge, not "healthy"
    assert gate_stats(_stats(serverErrorRate=0.0)) == GateStats(predictions=0, requests=0)


def test_the_largest_feature_drift_is_the_wave_s_drift() -> None:
    drift = [
        FeatureDrift(name="a", drift_score=0.1),
        FeatureDrift(name="b", drift_score=None),
        FeatureDrift(name="c", drift_score=0.42),
    ]
    assert gate_stats(_stats(totalRequests=1), drift).data_drift == 0.42
    assert gate_stats(_stats(totalRequests=1), []).data_drift is None


def test_the_bake_polls_a_tenth_of_itself_within_bounds() -> None:
    assert [poll_interval(b) for b in (1, 60, 120, 3600)] == [0.5, 6.0, 12.0, 30.0]


def test_the_bake_clock_is_unix_time_moving_with_the_injected_clock() -> None:
    clock = FakeClock()
    wall = wall_clock(clock)
    start = wall()
    assert abs(start - datetime.now(timezone.utc).timestamp()) < 60
    clock.now += 90
    assert wall() == start + 90


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ({"waves": [1, "100%"], "bake": 0}, ValueError, "need a bake"),
        ({"waves": [2, 2, 4], "bake": 5}, ValueError, "adds no item"),
        ({"waves": [1, 3], "bake": 5}, ValueError, "reaches item 3 of 4"),
        ({"waves": "1,100%", "bake": 5}, TypeError, "list of marks"),
        ({"waves": None, "bake": "1m"}, ValueError, "give waves too"),
        ({"waves": None, "gate": HealthGate()}, ValueError, "give waves too"),
        ({"waves": [1, 4], "bake": 5, "gate": {"max_error_rate": 0.1}}, TypeError, "HealthGate"),
        ({"waves": [1, 4], "bake": 5, "fail_fast": True}, ValueError, "fail_fast"),
        ({"waves": [1, 4], "bake": True}, TypeError, "duration"),
    ],
)
def test_guard_arguments_follow_the_rules(args, error, message) -> None:
    kwargs = {"waves": None, "bake": 0.0, "gate": None, "fail_fast": False, **args}
    fail_fast = kwargs.pop("fail_fast")
    with pytest.raises(error, match=message):
        check_guard(4, **kwargs, fail_fast=fail_fast)


def test_waves_get_the_default_gate_and_no_waves_no_guard() -> None:
    checked = check_guard(4, (1, "100%"), "2m", None, fail_fast=False)
    assert checked == GuardArgs([1, "100%"], 120.0, HealthGate())
    assert check_guard(4, None, 0, None, fail_fast=True) is None
