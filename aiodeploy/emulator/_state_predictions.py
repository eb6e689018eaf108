"""Serving predictions: the serving model scores the rows, the request is recorded.

The model that serves a request is the one the deployment serves at that instant: a
replacement takes effect the moment it is accepted, so there is no gap in which a
deployment has no model. Faults set per model (:class:`ModelFaults`) make one model fail
or slow down its predictions.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ._clock import Timeline
from ._monitoring_data import MonitoringData, PredictionRequest, ScoredRow, Segment, add_rows
from ._records import DeploymentRecord, ModelRecord, ProjectRecord
from ._scoring import Scored, Scorer, scorer_for
from ._seed import SeedData

__all__ = ["ModelFaults", "PredictionServing", "Served"]


@dataclasses.dataclass(frozen=True)
class ModelFaults:
    """How one model misbehaves when it predicts.

    Attributes:
        error_rate: Share (0-1) of its prediction requests answered 500.
        latency: Seconds added to each of its prediction requests.
    """

    error_rate: float = 0.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1, not {self.error_rate!r}")
        if not (math.isfinite(self.latency) and self.latency >= 0):
            raise ValueError(f"latency must be seconds >= 0, not {self.latency!r}")


@dataclasses.dataclass(frozen=True)
class Served:
    """A prediction request's result before it is rendered.

    Attributes:
        model: The model that served it.
        project: The model's project.
        scorer: The model's scorer (its classes, threshold and target).
        scored: One prediction per row, in order.
        execution_ms: Time the model took, in milliseconds.
    """

    model: ModelRecord
    project: ProjectRecord
    scorer: Scorer
    scored: list[Scored]
    execution_ms: float


class PredictionServing:
    """Scores rows with a deployment's current model and records every request.

    Args:
        catalog: The models and prediction servers.
        data: Where requests are recorded.
        time: The emulator's clock.
        seed: Seeds the draws of model faults.
        faults: Per-model faults, shared with the state (they outlive a reset).
    """

    def __init__(
        self,
        catalog: SeedData,
        data: MonitoringData,
        time: Timeline,
        seed: int,
        faults: Mapping[str, ModelFaults],
    ) -> None:
        self._catalog = catalog
        self._data = data
        self._time = time
        self._faults = faults
        self._rng = random.Random(f"model-faults:{seed}")

    def server_key(self, record: DeploymentRecord) -> str | None:
        """The ``DataRobot-Key`` a request for the deployment must carry (None: none)."""
        server = next(
            (s for s in self._catalog.prediction_servers if s.id == record.server_id), None
        )
        return None if server is None else server.datarobot_key

    def faults_of(self, model_id: str) -> ModelFaults | None:
        """The faults set for a model, if any."""
        return self._faults.get(model_id)

    def fails(self, faults: ModelFaults) -> bool:
        """Draw whether a request to a faulty model fails (seeded: runs repeat exactly)."""
        return self._rng.random() < faults.error_rate

    def current(self, record: DeploymentRecord) -> tuple[ModelRecord, ProjectRecord]:
        """The model a deployment serves now, and its project."""
        model = self._catalog.model(record.model_id)
        assert model is not None
        project = self._catalog.project(model.project_id)
        assert project is not None
        return model, project

    def predict(self, record: DeploymentRecord, rows: Sequence[Mapping[str, Any]]) -> Served:
        """Score rows with the deployment's current model (nothing is recorded yet)."""
        model, project = self.current(record)
        scorer = scorer_for(model, project)
        started = time.perf_counter()
        scored = [scorer.score(row) for row in rows]
        elapsed = (time.perf_counter() - started) * 1000
        return Served(model, project, scorer, scored, elapsed)

    def association_column(self, record: DeploymentRecord) -> tuple[str | None, bool]:
        """The deployment's association id column and whether requests must carry it."""
        section = record.settings.get("associationId") or {}
        names = section.get("columnNames") or []
        return (names[0] if names else None), bool(section.get("requiredInPredictionRequests"))

    def record(
        self,
        deployment_id: str,
        model_id: str | None,
        *,
        rows: Sequence[Mapping[str, Any]],
        segment: Segment,
        status: int,
        latency_ms: float,
        served: Served | None = None,
        error: str | None = None,
        association_ids: Sequence[str] = (),
    ) -> PredictionRequest:
        """Record one answered request: in the request log and, when a model answered,
        in the deployment's hourly bucket (and scored rows under their association ids)."""
        epoch = self._time.now_epoch()
        entry = PredictionRequest(
            epoch, deployment_id, model_id, len(rows), latency_ms, status, error,
            tuple(association_ids),
        )  # fmt: skip
        self._data.requests.append(entry)
        if model_id is None:
            return entry
        bucket = self._data.bucket(deployment_id, epoch, model_id, segment)
        bucket.requests += 1
        bucket.response_ms.append(latency_ms)
        self._data.dirty.add(deployment_id)
        if status >= 500:
            bucket.server_errors += 1
        elif status >= 400:
            bucket.user_errors += 1
        if served is None or status >= 400:
            return entry
        self._data.last_prediction[deployment_id] = epoch
        bucket.predictions += len(served.scored)
        bucket.execution_ms.append(served.execution_ms)
        add_rows(bucket, served.scorer, rows, served.scored)
        for association_id, scored in zip(association_ids, served.scored, strict=False):
            if association_id:
                kept = ScoredRow(epoch, model_id, segment, scored.prediction, scored.values)
                self._data.keep_scored(deployment_id, association_id, kept)
        return entry
