"""The monitoring calls' argument checks and query building (no I/O)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aiodeploy import (
    Deployment,
    HealthStatus,
    NotFoundError,
    ServiceStats,
    ServiceStatsMetrics,
    TargetDrift,
)
from aiodeploy._face.monitoring import query
from aiodeploy._fleet import DeploymentHealth, worst_first
from aiodeploy._monitoring_args import (
    actuals_payload,
    bucket_param,
    checked_models,
    hour_window,
    read_actuals,
    share,
)

UTC = dt.timezone.utc


def test_periods_are_rounded_out_to_whole_hours_in_utc() -> None:
    start = dt.datetime(2024, 5, 1, 10, 59, 59, tzinfo=UTC)
    end = dt.datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert hour_window(start, end) == {
        "start": "2024-05-01T10:00:00Z",
        "end": "2024-05-01T13:00:00Z",
    }
    on_the_hour = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert hour_window(None, on_the_hour) == {"end": "2024-05-01T12:00:00Z"}
    naive = dt.datetime(2024, 5, 1, 10, 30)  # naive means UTC, as in the official client
    assert hour_window(naive, None) == {"start": "2024-05-01T10:00:00Z"}
    paris = dt.timezone(dt.timedelta(hours=2))
    assert hour_window(dt.datetime(2024, 5, 1, 12, 30, tzinfo=paris), None) == {
        "start": "2024-05-01T10:00:00Z"
    }
    assert hour_window(None, None) == {}


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        hour_window(dt.datetime(2024, 5, 2, tzinfo=UTC), dt.datetime(2024, 5, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="before"):  # an end before the start, once rounded
        hour_window(dt.datetime(2024, 5, 1, 10, 10), dt.datetime(2024, 5, 1, 10, 0))
    assert hour_window(dt.datetime(2024, 5, 1, 10, 10), dt.datetime(2024, 5, 1, 10, 20)) == {
        "start": "2024-05-01T10:00:00Z",
        "end": "2024-05-01T11:00:00Z",
    }
    with pytest.raises(TypeError, match="datetime"):
        hour_window("2024-05-01", None)


def test_bucket_sizes_quantiles_and_model_ids() -> None:
    assert bucket_param(dt.timedelta(hours=6)) == "PT6H"
    assert bucket_param(dt.timedelta(days=7)) == "P7D"
    assert bucket_param("P1M") == "P1M"
    assert bucket_param(None) is None
    for bad in (dt.timedelta(minutes=30), dt.timedelta(0)):
        with pytest.raises(ValueError, match="whole hours"):
            bucket_param(bad)
    with pytest.raises(TypeError):
        bucket_param(3600)
    assert share(0.95, "q") == 0.95
    for value, error in ((0, ValueError), (1.5, ValueError), (True, TypeError), ("x", TypeError)):
        with pytest.raises(error):
            share(value, "q")
    assert checked_models("a1") == ["a1"]
    assert checked_models(["a1", "b2"]) == ["a1", "b2"]
    with pytest.raises(ValueError, match="at least one"):
        checked_models([])
    with pytest.raises(ValueError, match="not a valid id"):
        checked_models(["../x"])


def test_the_query_leaves_out_what_was_not_given() -> None:
    params = query(None, None, "DataRobot-Consumer", None, modelId=None, metric="psi")
    assert params == {"segmentAttribute": "DataRobot-Consumer", "metric": "psi"}


def test_actuals_are_checked_before_anything_is_sent(tmp_path: Path) -> None:
    stamp = dt.datetime(2024, 5, 1, 10, 30)
    items = actuals_payload(
        [
            {
                "association_id": "a",
                "actual_value": "1",
                "was_acted_on": "True",
                "timestamp": stamp,
            },
            {"association_id": 7, "actual_value": 0.5, "was_acted_on": None, "timestamp": ""},
        ]
    )
    assert items == [
        {"associationId": "a", "actualValue": "1", "wasActedOn": True,
         "timestamp": "2024-05-01T10:30:00+00:00"},
        {"associationId": "7", "actualValue": 0.5},
    ]  # fmt: skip
    for row, message in (
        ({"actual_value": 1}, "association_id"),
        ({"association_id": " ", "actual_value": 1}, "association_id"),
        ({"association_id": "a" * 129, "actual_value": 1}, "128"),
        ({"association_id": "a"}, "actual_value"),
        ({"association_id": "a", "actual_value": True}, "actual_value"),
        ({"association_id": "a", "actual_value": float("nan")}, "finite"),
    ):
        with pytest.raises(ValueError, match=message):
            actuals_payload([{"association_id": "ok", "actual_value": 1}, row])
    with pytest.raises(TypeError):
        actuals_payload([("a", 1)])
    path = tmp_path / "actuals.csv"
    path.write_text("\ufeffassociation_id,actual_value\nx,1\n")
    assert read_actuals(path) == [{"association_id": "x", "actual_value": "1"}]
    path.write_text("id,actual_value\nx,1\n")
    with pytest.raises(ValueError, match="association_id"):
        read_actuals(path)


@pytest.mark.parametrize(
    ("given", "sent"),
    [(True, True), (False, False), ("true", True), (" FALSE ", False), ("", None), (None, None)],
)
def test_was_acted_on_is_a_bool_or_the_text_true_or_false(given: object, sent: object) -> None:
    (item,) = actuals_payload([{"association_id": "a", "actual_value": 1, "was_acted_on": given}])
    assert item.get("wasActedOn") == sent
    assert ("wasActedOn" in item) == (sent is not None)


@pytest.mark.parametrize("given", ["yes", "1", "Y", "maybe", 1, 0, 0.0])
def test_was_acted_on_it_cannot_read_is_refused_not_guessed(given: object) -> None:
    """It used to be sent as false (not acted on) for anything but a bool or "true"."""
    with pytest.raises(ValueError, match=r"actual 0 \(a\): was_acted_on must be true or false"):
        actuals_payload([{"association_id": "a", "actual_value": 1, "was_acted_on": given}])


def test_an_actuals_file_is_read_as_written_or_refused_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "actuals.csv"
    path.write_text("association_id,actual_value,was_acted_on\n00017,1e3,true\n00018,0\n")
    assert read_actuals(path) == [
        {"association_id": "00017", "actual_value": "1e3", "was_acted_on": "true"},
        {"association_id": "00018", "actual_value": "0"},
    ]
    path.write_text("association_id,actual_value\na1,1\na2,1,000\n")
    with pytest.raises(ValueError, match=r"actuals\.csv:3: 3 cells but the header has 2"):
        read_actuals(path)
    path.write_bytes("association_id,actual_value\ncaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"actuals\.csv:2: not UTF-8 text \(byte 0xe9\)"):
        read_actuals(path)


def _health(
    label: str,
    service: str,
    model: str = "passing",
    errors: float = 0.0,
    drift: float | None = None,
    accuracy: str = "unavailable",
) -> DeploymentHealth:
    dep = Deployment(
        id=label, label=label, service_health=HealthStatus(status=service),
        model_health=HealthStatus(status=model), accuracy_health=HealthStatus(status=accuracy),
    )  # fmt: skip
    stats = ServiceStats(metrics=ServiceStatsMetrics(server_error_rate=errors))
    return DeploymentHealth(dep, stats, TargetDrift(drift_score=drift))


def test_fleet_records_sort_worst_first() -> None:
    fleet = [
        _health("calm", "passing"),
        _health("idle", "unknown"),
        _health("drifting", "passing", model="warning", drift=0.3),
        _health("flaky", "warning", errors=0.02),
        _health("broken", "failing", errors=0.1),
        _health("shaky", "warning", errors=0.04),
        _health("wrong", "passing", accuracy="failing"),
        DeploymentHealth(Deployment(id="gone", label="gone"), error=NotFoundError(404, "gone")),
    ]
    ordered = [h.deployment.label for h in sorted(fleet, key=worst_first)]
    assert ordered == ["gone", "broken", "wrong", "shaky", "flaky", "drifting", "idle", "calm"]
    assert _health("x", "passing", accuracy="unavailable").status == "passing"
