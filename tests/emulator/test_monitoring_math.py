"""The pure pieces behind monitoring: health verdicts, statistics, windows, bins."""

from __future__ import annotations

import math
import random

import pytest
from multidict import MultiDict

from aiodeploy.emulator._health import accuracy_status, drift_status, service_status
from aiodeploy.emulator._metrics import accuracy_metric, drift_score, quantile
from aiodeploy.emulator._params import QueryReader
from aiodeploy.emulator._training import feature_spec
from aiodeploy.emulator._windows import Period, read_bucket_size, round_period

HOUR = 3600.0


@pytest.mark.parametrize(
    ("requests", "errors", "status"),
    [(0, 0, "unknown"), (100, 0, "passing"), (100, 1, "warning"), (100, 4, "warning"),
     (100, 5, "failing"), (3, 3, "failing")],
)  # fmt: skip
def test_service_status(requests: int, errors: int, status: str) -> None:
    assert service_status(requests, errors) == status


@pytest.mark.parametrize(
    ("rows", "target", "features", "status"),
    [
        (99, 0.9, [(0.9, 1.0)], "unknown"),
        (100, 0.01, [(0.01, 1.0), (None, 0.2)], "passing"),
        (100, 0.01, [(0.2, 0.3)], "warning"),
        (100, 0.01, [(0.2, 0.5)], "failing"),
        (100, 0.2, [], "warning"),
        (100, 0.25, [], "failing"),
        (100, None, [(0.14, 1.0)], "passing"),
    ],
)
def test_drift_status(
    rows: int, target: float | None, features: list[tuple[float | None, float]], status: str
) -> None:
    assert drift_status(rows, target, features) == status


@pytest.mark.parametrize(
    ("metric", "value", "baseline", "status"),
    [
        ("LogLoss", None, 0.5, "unavailable"),
        ("LogLoss", 0.52, 0.5, "passing"),
        ("LogLoss", 0.56, 0.5, "warning"),
        ("LogLoss", 0.61, 0.5, "failing"),
        ("LogLoss", 0.3, 0.5, "passing"),
        ("AUC", 0.85, 0.8, "passing"),
        ("AUC", 0.7, 0.8, "warning"),
        ("AUC", 0.6, 0.8, "failing"),
        ("RMSE", 5.0, 0.0, "passing"),
    ],
)
def test_accuracy_status(metric: str, value: float | None, baseline: float, status: str) -> None:
    assert accuracy_status(metric, value, baseline) == status


def test_drift_scores() -> None:
    assert drift_score("psi", [10, 20, 30], [1, 2, 3]) == 0.0
    assert drift_score("psi", [0, 0], [1, 1]) is None
    expected = 0.5 * math.log(0.75 / 0.25) * 2  # (0.75-0.25)ln(3) + (0.25-0.75)ln(1/3)
    assert drift_score("psi", [3, 1], [1, 3]) == pytest.approx(expected, abs=1e-6)
    assert drift_score("dissimilarity", [3, 1], [1, 3]) == 0.5
    for metric in ("kl_divergence", "hellinger", "js_divergence"):
        score = drift_score(metric, [3, 1], [1, 3])
        assert score is not None
        assert score > 0


def test_quantile_and_accuracy_metrics() -> None:
    assert quantile([], 0.5) is None
    assert quantile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert quantile([1.0, 2.0], 1.0) == 2.0
    probs = [{"1": 0.9, "0": 0.1}, {"1": 0.4, "0": 0.6}, {"1": 0.4, "0": 0.6}]
    rows = [("1", "1", probs[0]), ("0", "0", probs[1]), ("1", "0", probs[2])]
    assert accuracy_metric("Binary", "AUC", rows) == 0.75  # a tie counts half
    assert accuracy_metric("Binary", "Accuracy", rows) == pytest.approx(2 / 3, abs=1e-6)
    assert accuracy_metric("Binary", "LogLoss", [("1", "1", {"1": 0.5})]) == 0.693147
    assert accuracy_metric("Binary", "AUC", [("1", "1", probs[0])]) is None  # one class
    regression = [(10, 12.0, {}), ("20", 18.0, {}), ("x", 1.0, {})]
    assert accuracy_metric("Regression", "RMSE", regression) == 2.0
    assert accuracy_metric("Regression", "MAE", regression) == 2.0
    assert accuracy_metric("Regression", "R Squared", regression) == 0.84
    assert accuracy_metric("Regression", "LogLoss", regression) is None


def test_periods_are_whole_hours_rounded_out() -> None:
    now = 100 * HOUR + 1234
    default = round_period(None, None, now)
    assert (default.start, default.end) == (101 * HOUR - 7 * 24 * HOUR, 101 * HOUR)
    assert round_period(10 * HOUR + 1, 11 * HOUR + 1, now) == Period(10 * HOUR, 12 * HOUR)
    assert round_period(10 * HOUR, 11 * HOUR, now) == Period(10 * HOUR, 11 * HOUR)
    assert [s.end - s.start for s in Period(0, 5 * HOUR).slots(2 * HOUR)] == [
        2 * HOUR, 2 * HOUR, HOUR,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT1H", HOUR), ("PT6H", 6 * HOUR), ("P1D", 24 * HOUR), ("P1DT12H", 36 * HOUR),
     ("P1W", 168 * HOUR), ("P1M", 720 * HOUR), ("PT60M", HOUR), (None, 24 * HOUR)],
)  # fmt: skip
def test_bucket_sizes(text: str | None, seconds: float) -> None:
    reader = QueryReader(MultiDict({"bucketSize": text} if text else {}), ("bucketSize",))
    assert read_bucket_size(reader, Period(0, 60 * 24 * HOUR)) == seconds
    assert reader.errors == {}


def test_feature_bins_match_the_training_distribution() -> None:
    income = feature_spec("annual_inc", "Numeric")
    assert income.proportions() == pytest.approx([0.1] * 10 + [0.0])
    rng = random.Random(3)
    counts = [0] * income.bin_count
    for _ in range(5000):
        counts[income.bin_of(income.sample(rng))] += 1
    assert drift_score("psi", counts, income.proportions()) < 0.02
    assert income.bin_of(None) == income.bin_of("n/a") == income.bin_count - 1
    assert income.bin_names()[-1] == "(missing)"
    moved = income.proportions(1.0)
    assert moved[-2] > 0.1 > moved[0]
    grade = feature_spec("grade", "Categorical")
    assert grade.bin_of("Z") == len(grade.levels)  # "other"
    assert sum(grade.proportions(0.5)) == pytest.approx(1.0)
    assert feature_spec("mystery", "Text").tracked is False
