"""Monitoring: health blocks that follow the data, actuals, and data deletions.

A deployment's health blocks (service, data drift, accuracy) and its prediction usage
are computed again from the monitoring data when it is read after its data changed (or
its model, or the hour): predictions only mark it, so serving stays cheap. Actuals and
deletions are jobs; their effect applies when the job completes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._clock import Timeline
from ._health import accuracy_status, drift_status, service_status
from ._jobs import JobBook, Settlement, ends
from ._metrics import ACCURACY_METRICS, accuracy_metric
from ._monitoring_data import HOUR, Actual, MonitoringData, hour_of
from ._monitoring_quality import (
    baseline_metric,
    feature_drift_scores,
    joined,
    target_drift_score,
)
from ._monitoring_service import Query
from ._records import DeploymentRecord, Job, JobKind, format_timestamp
from ._scoring import Scorer, scorer_for, truth_for
from ._seed import SeedData
from ._store import DEPLOYMENT_DELETED, DeploymentStore
from ._traffic import generate_history
from ._windows import DAY, Period

__all__ = ["Monitoring", "ScorerTriple"]

ScorerTriple = tuple[str, Scorer, Scorer]
"""A model id, its scorer and its project's truth over its features."""


class Monitoring:
    """Health blocks, actuals and deletions over the monitoring data.

    Args:
        catalog: The models and their projects.
        store: The deployment records.
        jobs: Where actuals and deletion jobs run.
        time: The emulator's clock.
        data: The monitoring data (shared with the prediction server).
        traffic: Days of prediction history to generate for the deployments there are.
        seed: Seeds that history.
    """

    def __init__(
        self,
        catalog: SeedData,
        store: DeploymentStore,
        jobs: JobBook,
        time: Timeline,
        data: MonitoringData,
        *,
        traffic: float = 0.0,
        seed: int = 0,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._jobs = jobs
        self._time = time
        self.data = data
        # what each deployment's blocks were last computed for: (model id, hour)
        self._computed: dict[str, tuple[str, float]] = {}
        jobs.on_settle(JobKind.ACTUALS, self._settle_actuals)
        jobs.on_settle(JobKind.DELETION, self._settle_deletion)
        if traffic:
            now = time.now_epoch()
            generate_history(data, catalog, store.live(), days=traffic, now=now, seed=seed)

    # -- models --------------------------------------------------------------------------

    def scorers(self, model_ids: Iterable[str]) -> list[ScorerTriple] | None:
        """``(model id, scorer, truth)`` per model; None if one is unknown."""
        found = []
        for model_id in model_ids:
            model = self._catalog.model(model_id)
            project = None if model is None else self._catalog.project(model.project_id)
            if model is None or project is None:
                return None
            found.append((model_id, scorer_for(model, project), truth_for(model, project)))
        return found

    # -- health --------------------------------------------------------------------------

    def refresh(self, record: DeploymentRecord) -> None:
        """Compute the deployment's health blocks and usage again if they may be stale."""
        now = self._time.now_epoch()
        stamp = (record.model_id, hour_of(now))
        if record.id not in self.data.dirty and self._computed.get(record.id) == stamp:
            return
        self.data.dirty.discard(record.id)
        self._computed[record.id] = stamp
        before = self._snapshot(record)
        self._compute(record, now)
        if self._snapshot(record) != before:
            record.touch()

    def refresh_all(self, records: Iterable[DeploymentRecord]) -> None:
        """:meth:`refresh` each record."""
        for record in records:
            self.refresh(record)

    @staticmethod
    def _snapshot(record: DeploymentRecord) -> tuple[Any, ...]:
        return (
            record.service_health, record.model_health, record.accuracy_health,
            tuple(record.daily_rates), record.last_prediction,
        )  # fmt: skip

    def _compute(self, record: DeploymentRecord, now: float) -> None:
        if not self.data.has_data(record.id):  # most of a big fleet: no reads needed
            record.service_health = record.model_health = "unknown"
            record.accuracy_health = "unavailable"
            record.daily_rates = [0] * 7
            record.last_prediction = None
            return
        end = math.floor(now / HOUR) * HOUR + HOUR
        day = Query(record.id, Period(end - DAY, end))
        selected = day.select(self.data)
        errors = sum(b.user_errors + b.server_errors for *_, b in selected)
        record.service_health = service_status(sum(b.requests for *_, b in selected), errors)
        week = Period(end - 7 * DAY, end)
        record.daily_rates = [
            sum(b.predictions for *_, b in day.select(self.data, Period(s.start, s.end)))
            for s in week.slots(DAY)
        ]
        last = self.data.last_prediction.get(record.id)
        record.last_prediction = None if last is None else format_timestamp(last)
        triples = self.scorers([record.model_id])
        if triples is None:
            return
        model_id, scorer, _truth = triples[0]
        current = Query(record.id, week, [model_id])
        target, rows = target_drift_score(self.data, current, scorer)
        features = [(f.score, f.impact) for f in feature_drift_scores(self.data, current, scorer)]
        record.model_health = drift_status(rows, target, features)
        metric = scorer.project.metric
        if metric not in ACCURACY_METRICS.get(scorer.target_type, {}):
            metric = next(iter(ACCURACY_METRICS[scorer.target_type]))
        labelled = [row for _, row in joined(self.data, current, model_id)]
        value = accuracy_metric(scorer.target_type, metric, labelled)
        baseline = baseline_metric(scorer, triples[0][2], metric)
        record.accuracy_health = accuracy_status(metric, value, baseline)

    # -- actuals and deletions -----------------------------------------------------------

    def start_actuals(self, record: DeploymentRecord, items: Sequence[Mapping[str, Any]]) -> Job:
        """Queue validated actuals (``associationId``, ``actualValue``, optional
        ``wasActedOn`` and ``timestamp`` as seconds); they count once the job completes."""
        payload = {"items": [dict(item) for item in items]}
        return self._jobs.submit(JobKind.ACTUALS, record.id, payload, "Upload actuals")

    def _settle_actuals(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        if self._store.get(job.deployment_id) is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            now = self._time.epoch(job.started)
            for item in job.payload["items"]:
                actual = Actual(
                    item["actualValue"], item.get("timestamp") or now, item.get("wasActedOn")
                )
                self.data.add_actual(job.deployment_id, item["associationId"], actual)
        return ends(outcome, message)

    def start_deletion(self, record: DeploymentRecord, model_id: str, period: Period) -> Job:
        """Queue the deletion of a model's monitoring data in a period."""
        payload = {"model_id": model_id, "start": period.start, "end": period.end}
        return self._jobs.submit(JobKind.DELETION, record.id, payload, "Delete monitoring data")

    def _settle_deletion(self, job: Job, outcome: AsyncStatus, message: str) -> Settlement:
        if self._store.get(job.deployment_id) is None:
            return DEPLOYMENT_DELETED
        if outcome is AsyncStatus.COMPLETED:
            payload = job.payload
            self.data.delete(
                job.deployment_id, payload["model_id"], payload["start"], payload["end"]
            )
        return ends(outcome, message)

    # -- reads ---------------------------------------------------------------------------

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        return self._time.now_epoch()
