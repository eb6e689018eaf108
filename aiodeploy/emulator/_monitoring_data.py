"""What the prediction server records, aggregated by the hour as DataRobot keeps it.

Every served request adds to one :class:`Bucket` per (deployment, hour, serving model,
segment); rows that carry an association id are also kept one by one, so that actuals
posted later can be joined to them. Monitoring reads sum the buckets of the hours they
ask for, which is why their windows are whole hours.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._scoring import Scored, Scorer

__all__ = [
    "HOUR",
    "SEGMENT_ATTRIBUTES",
    "Actual",
    "Bucket",
    "MonitoringData",
    "PredictionRequest",
    "ScoredRow",
    "Segment",
    "add_rows",
    "hour_of",
    "training_bucket",
]

HOUR = 3600.0
SEGMENT_ATTRIBUTES = ("DataRobot-Consumer", "DataRobot-Remote-IP", "DataRobot-Host-IP")
"""The service-health segment attributes, in the order of a :data:`Segment`'s values."""

Segment = tuple[str, str, str]
"""Who asked: (consumer's email, the caller's IP address, the prediction server's IP)."""


def hour_of(epoch: float) -> float:
    """The start of the hour ``epoch`` falls in (seconds since the epoch)."""
    return epoch - epoch % HOUR


@dataclasses.dataclass
class Bucket:
    """One hour of one deployment's traffic served by one model to one segment.

    Attributes:
        requests: Prediction requests answered (errors included).
        predictions: Rows predicted (by successful requests).
        user_errors: Requests answered 4xx.
        server_errors: Requests answered 5xx.
        response_ms: Each request's response time, in milliseconds.
        execution_ms: Each successful request's model execution time, in milliseconds.
        feature_bins: Per tracked feature, the rows in each of its drift bins.
        target_bins: Rows in each target bin (see ``Scorer.target_bin``).
        score_sum: Sum of the rows' scores (positive probability or value), for means.
        class_counts: Rows predicted per class (classification).
        probability_sums: Sum per class of the rows' probabilities (classification).
    """

    requests: int = 0
    predictions: int = 0
    user_errors: int = 0
    server_errors: int = 0
    response_ms: list[float] = dataclasses.field(default_factory=list)
    execution_ms: list[float] = dataclasses.field(default_factory=list)
    feature_bins: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    target_bins: list[int] = dataclasses.field(default_factory=list)
    score_sum: float = 0.0
    class_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    probability_sums: dict[str, float] = dataclasses.field(default_factory=dict)

    def add_bins(self, feature: str, counts: Iterable[int]) -> None:
        """Add row counts to a feature's bins."""
        mine = self.feature_bins.get(feature)
        if mine is None:
            self.feature_bins[feature] = list(counts)
        else:
            for index, count in enumerate(counts):
                mine[index] += count

    def add_target(self, counts: Iterable[int]) -> None:
        """Add row counts to the target bins."""
        if not self.target_bins:
            self.target_bins = list(counts)
        else:
            for index, count in enumerate(counts):
                self.target_bins[index] += count


@dataclasses.dataclass(frozen=True)
class ScoredRow:
    """A predicted row kept under its association id, for actuals to be joined to.

    Attributes:
        epoch: When it was predicted.
        model_id: The model that predicted it.
        segment: Who asked.
        prediction: The predicted class or value.
        values: The ``(label, value)`` pairs the model gave.
    """

    epoch: float
    model_id: str
    segment: Segment
    prediction: str | float
    values: tuple[tuple[str, float], ...]


@dataclasses.dataclass(frozen=True)
class Actual:
    """An actual value posted for an association id."""

    value: Any
    epoch: float
    was_acted_on: bool | None = None


@dataclasses.dataclass(frozen=True)
class PredictionRequest:
    """One request the prediction server answered, as the emulator recorded it.

    Attributes:
        epoch: When it was served (seconds since the epoch, the emulator's clock).
        deployment_id: The deployment in the URL.
        model_id: The model that served it (None when no deployment answered).
        rows: Rows in the request (0 when they could not be read).
        latency_ms: Time to answer, in milliseconds (added fault latency included).
        status: The HTTP status answered.
        error: The error message, or None on success.
        association_ids: The association id of each row, when the deployment has an
            association id column.
    """

    epoch: float
    deployment_id: str
    model_id: str | None
    rows: int
    latency_ms: float
    status: int
    error: str | None = None
    association_ids: tuple[str, ...] = ()


_BucketKey = tuple[float, str, Segment]


class MonitoringData:
    """Every deployment's monitoring data: hourly buckets, scored rows, actuals.

    Attributes:
        requests: Each prediction request served, in order (generated history is not
            here: it goes straight into the buckets).
        dirty: Deployments whose health blocks must be computed again.
        last_prediction: When each deployment last predicted (seconds since the epoch).
    """

    def __init__(self) -> None:
        self._buckets: dict[str, dict[_BucketKey, Bucket]] = {}
        self._scored: dict[str, dict[str, ScoredRow]] = {}
        self._actuals: dict[str, dict[str, Actual]] = {}
        self.requests: list[PredictionRequest] = []
        self.dirty: set[str] = set()
        self.last_prediction: dict[str, float] = {}

    def bucket(self, deployment_id: str, epoch: float, model_id: str, segment: Segment) -> Bucket:
        """The bucket of a deployment's hour at ``epoch``, model and segment (made if new)."""
        buckets = self._buckets.setdefault(deployment_id, {})
        key = (hour_of(epoch), model_id, segment)
        found = buckets.get(key)
        if found is None:
            found = buckets[key] = Bucket()
        return found

    def select(
        self,
        deployment_id: str,
        start: float,
        end: float,
        models: Iterable[str] | None = None,
        segment: tuple[int, str] | None = None,
    ) -> Iterator[tuple[float, str, Segment, Bucket]]:
        """Yield ``(hour, model id, segment, bucket)`` of the hours in ``[start, end)``.

        Args:
            deployment_id: The deployment.
            start: First hour's start (seconds since the epoch).
            end: End of the window (exclusive).
            models: Only these models (None: every model).
            segment: Only the segment whose value at this index (see
                :data:`SEGMENT_ATTRIBUTES`) is this one.
        """
        wanted = None if models is None else set(models)
        for (hour, model_id, seg), bucket in self._buckets.get(deployment_id, {}).items():
            if not start <= hour < end:
                continue
            if wanted is not None and model_id not in wanted:
                continue
            if segment is not None and seg[segment[0]] != segment[1]:
                continue
            yield hour, model_id, seg, bucket

    def has_data(self, deployment_id: str) -> bool:
        """Whether the deployment has any traffic, scored row or actual recorded."""
        return bool(
            self._buckets.get(deployment_id)
            or self._scored.get(deployment_id)
            or self._actuals.get(deployment_id)
        )

    def segments(self, deployment_id: str) -> set[Segment]:
        """Every segment that has sent the deployment a request."""
        return {key[2] for key in self._buckets.get(deployment_id, {})}

    def keep_scored(self, deployment_id: str, association_id: str, row: ScoredRow) -> None:
        """Keep a predicted row under its association id (a later one replaces it)."""
        self._scored.setdefault(deployment_id, {})[association_id] = row

    def scored(self, deployment_id: str) -> dict[str, ScoredRow]:
        """The deployment's rows by association id (do not change the mapping)."""
        return self._scored.get(deployment_id, {})

    def add_actual(self, deployment_id: str, association_id: str, actual: Actual) -> None:
        """Record an actual value (a later one for the same id replaces it)."""
        self._actuals.setdefault(deployment_id, {})[association_id] = actual
        self.dirty.add(deployment_id)

    def actuals(self, deployment_id: str) -> dict[str, Actual]:
        """The deployment's actuals by association id (do not change the mapping)."""
        return self._actuals.get(deployment_id, {})

    def delete(self, deployment_id: str, model_id: str, start: float, end: float) -> int:
        """Delete a model's buckets and scored rows in ``[start, end)``; return the rows
        predicted that were deleted."""
        buckets = self._buckets.get(deployment_id, {})
        doomed = [k for k in buckets if k[1] == model_id and start <= k[0] < end]
        rows = sum(buckets.pop(key).predictions for key in doomed)
        scored = self._scored.get(deployment_id, {})
        for association_id in [
            a for a, r in scored.items() if r.model_id == model_id and start <= r.epoch < end
        ]:
            del scored[association_id]
        self.dirty.add(deployment_id)
        return rows


def add_rows(
    bucket: Bucket, scorer: Scorer, rows: Sequence[Mapping[str, Any]], scored: Sequence[Scored]
) -> None:
    """Add predicted rows to a bucket's drift bins, target bins and prediction sums."""
    for spec in scorer.specs:
        if spec.tracked:
            counts = [0] * spec.bin_count
            for row in rows:
                counts[spec.bin_of(row.get(spec.name))] += 1
            bucket.add_bins(spec.name, counts)
    targets = [0] * scorer.target_bin_count
    classification = scorer.target_type != "Regression"
    for one in scored:
        targets[scorer.target_bin(one)] += 1
        if classification:
            label = str(one.prediction)
            bucket.class_counts[label] = bucket.class_counts.get(label, 0) + 1
            for name, value in one.values:
                bucket.probability_sums[name] = bucket.probability_sums.get(name, 0.0) + value
        if scorer.target_type != "Multiclass":
            bucket.score_sum += one.score
    bucket.add_target(targets)


_TRAINING: dict[Scorer, Bucket] = {}


def training_bucket(scorer: Scorer) -> Bucket:
    """The model's predictions on its training rows, as one bucket: the baselines."""
    found = _TRAINING.get(scorer)
    if found is None:
        found = _TRAINING[scorer] = Bucket(predictions=len(scorer.training_rows))
        add_rows(found, scorer, scorer.training_rows, scorer.training_scored)
    return found
