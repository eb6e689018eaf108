"""Generated prediction history, so that a fresh emulator shows a fleet of varied health.

Each active deployment draws a profile from the seed: its volume (some are idle), its
error rate (most are healthy, some flaky, a few broken), its drift (a feature moved a
little or a lot) and whether actuals come back (and how noisy they are). The history is
written straight into the hourly buckets, four blocks a day, with the bin counts that
rows drawn under the profile would have: nothing is scored row by row but a small sample
whose predictions shape the target bins and stand for the rows that carry actuals.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable

from ._monitoring_data import Actual, Bucket, MonitoringData, ScoredRow, Segment, add_rows
from ._records import DeploymentRecord
from ._scoring import Scored, Scorer, draw_actual, scorer_for, truth_for
from ._seed import SeedData
from ._training import sample_row
from ._windows import DAY

__all__ = ["Profile", "draw_profile", "generate_history"]

_BLOCKS_PER_DAY = 4
_SAMPLE = 120  # rows scored once per (model, drift): target bins and actuals come from them
_ACTUALS_PER_BLOCK = 4
_ROWS_PER_REQUEST = 5
_SEGMENT: Segment = ("emulator@example.com", "10.0.0.17", "127.0.0.1")


@dataclasses.dataclass(frozen=True)
class Profile:
    """How a deployment's generated history behaves.

    Attributes:
        daily_rows: Rows predicted per day (0: idle).
        error_rate: Share of requests answered 5xx.
        drifted: The feature that moved (None: no drift), and by how much (sd units).
        shift: How far ``drifted`` moved.
        actuals: Whether actuals come back for some rows.
        noise: How noisy those actuals are (0-1; see ``draw_actual``).
        latency_ms: Typical response time.
    """

    daily_rows: int
    error_rate: float
    drifted: str | None
    shift: float
    actuals: bool
    noise: float
    latency_ms: float


def draw_profile(rng: random.Random, scorer: Scorer) -> Profile:
    """A deployment's profile, drawn from ``rng`` (its features come from ``scorer``)."""
    daily = 0 if rng.random() < 0.1 else int(rng.lognormvariate(5.8, 0.6))
    health = rng.random()
    error_rate = 0.0 if health < 0.75 else rng.uniform(0.01, 0.03) if health < 0.93 else 0.1
    tracked = sorted((s for s in scorer.specs if s.tracked), key=lambda s: -scorer.impact[s.name])
    drift = rng.random()
    drifted, shift = None, 0.0
    if tracked and drift >= 0.65:
        strong = drift >= 0.88
        drifted = tracked[0].name if strong else tracked[-1].name
        shift = 1.5 if strong else 0.6
    actuals = rng.random() < 0.6
    noise = 0.0 if rng.random() < 0.8 else 0.45
    return Profile(daily, error_rate, drifted, shift, actuals, noise, rng.uniform(25, 140))


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What rows drawn under one model and drift look like, on average and as a sample."""

    sample: Bucket  # the sample's target bins and sums (its feature bins are not used)
    shares: dict[str, list[float]]  # each tracked feature's exact bin shares
    pool: list[tuple[Scored, Scored]]  # the sample's (model, truth) predictions


_ShapeKey = tuple[Scorer, str | None, float]


def _shape(
    scorer: Scorer, truth: Scorer, profile: Profile, cache: dict[_ShapeKey, _Shape]
) -> _Shape:
    key = (scorer, profile.drifted, profile.shift)
    shape = cache.get(key)
    if shape is None:
        rng = random.Random(f"shape:{scorer.project.id}:{profile.drifted}:{profile.shift}")
        shifts = {profile.drifted: profile.shift} if profile.drifted else {}
        rows = [sample_row(scorer.features, rng, shifts) for _ in range(_SAMPLE)]
        scored = [scorer.score(row) for row in rows]
        sample = Bucket(predictions=len(rows))
        add_rows(sample, scorer, rows, scored)
        shares = {
            spec.name: spec.proportions(profile.shift if spec.name == profile.drifted else 0.0)
            for spec in scorer.specs
            if spec.tracked
        }
        pool = list(zip(scored, (truth.score(row) for row in rows), strict=True))
        shape = cache[key] = _Shape(sample, shares, pool)
    return shape


def _fill(bucket: Bucket, shape: _Shape, rows: int) -> None:
    sample = shape.sample
    scale = rows / sample.predictions
    bucket.predictions += rows
    for name, shares in shape.shares.items():
        counts = [round(share * rows) for share in shares]
        if name in bucket.feature_bins:
            bucket.add_bins(name, counts)
        else:  # the usual case: a block is the first traffic of its hour
            bucket.feature_bins[name] = counts
    bucket.add_target([round(c * scale) for c in sample.target_bins])
    bucket.score_sum += sample.score_sum * scale
    for name, count in sample.class_counts.items():
        bucket.class_counts[name] = bucket.class_counts.get(name, 0) + round(count * scale)
    for name, total in sample.probability_sums.items():
        bucket.probability_sums[name] = bucket.probability_sums.get(name, 0.0) + total * scale


def generate_history(
    data: MonitoringData,
    catalog: SeedData,
    deployments: Iterable[DeploymentRecord],
    *,
    days: float,
    now: float,
    seed: int,
) -> None:
    """Write ``days`` of history before ``now`` for each active deployment.

    Args:
        data: Where the history goes.
        catalog: The deployments' models and projects.
        deployments: The deployments to give a history (inactive ones get none).
        days: How far back it goes.
        now: Its end (seconds since the epoch).
        seed: Seeds every deployment's profile and values.
    """
    shapes: dict[_ShapeKey, _Shape] = {}
    blocks = int(days * _BLOCKS_PER_DAY)
    for record in deployments:
        model = catalog.model(record.model_id)
        project = None if model is None else catalog.project(model.project_id)
        if record.status != "active" or model is None or project is None:
            continue
        rng = random.Random(f"traffic:{seed}:{record.id}")
        scorer, truth = scorer_for(model, project), truth_for(model, project)
        profile = draw_profile(rng, scorer)
        if not profile.daily_rows or not blocks:
            continue
        shape = _shape(scorer, truth, profile, shapes)
        for block in range(blocks):
            epoch = now - (blocks - block - 1) * DAY / _BLOCKS_PER_DAY
            rows = max(1, round(profile.daily_rows / _BLOCKS_PER_DAY * rng.uniform(0.6, 1.4)))
            bucket = data.bucket(record.id, epoch, model.id, _SEGMENT)
            _fill(bucket, shape, rows)
            requests = max(1, rows // _ROWS_PER_REQUEST)
            bucket.requests += requests
            # rounded at random, so that a low rate still shows over a day
            bucket.server_errors += int(requests * profile.error_rate + rng.random())
            for _ in range(2):
                response = round(profile.latency_ms * rng.lognormvariate(0, 0.35), 2)
                bucket.response_ms.append(response)
                bucket.execution_ms.append(round(response * 0.6, 2))
            if not profile.actuals:
                continue
            for index in range(_ACTUALS_PER_BLOCK):
                predicted, true = rng.choice(shape.pool)
                association_id = f"history-{block:05d}-{index}"
                row = ScoredRow(epoch, model.id, _SEGMENT, predicted.prediction, predicted.values)
                data.keep_scored(record.id, association_id, row)
                value = draw_actual(truth, true, rng, profile.noise)
                data.add_actual(record.id, association_id, Actual(value, epoch))
        data.last_prediction[record.id] = now
        data.dirty.add(record.id)
