"""A guarded rollout's :class:`~aiodeploy._guard.Guard`, built from ``replace_models``'
arguments: the rules they follow, and the gate's stats read from the monitoring API.

The stats of a wave's deployment are its *new* model's: ``GET
deployments/{id}/serviceStats/?modelId={new model}&start={bake start, down to the hour}``
(DataRobot's monitoring windows are whole hours, so the window opens at the top of the
hour the bake began in; a model new to the deployment has no traffic there before it).
With a drift threshold, ``GET deployments/{id}/featureDrift/`` with the same model and
start adds the largest feature drift score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from ._api.monitoring import get_feature_drift, get_service_stats
from ._gate import GateStats, HealthGate, parse_duration, plan_waves
from ._guard import Guard, StatsReader, wall_clock
from ._models_monitoring import FeatureDrift, ServiceStats
from ._monitoring_args import hour_window
from ._session import Session

__all__ = ["GuardArgs", "check_guard", "gate_stats", "guard_for", "service_stats_reader"]


def gate_stats(stats: ServiceStats, drift: Sequence[FeatureDrift] | None = None) -> GateStats:
    """What the gate reads of service stats (and feature drift, when read).

    ``totalPredictions`` → ``predictions``, ``totalRequests`` → ``requests``,
    ``serverErrorRate`` (0-1) → ``error_rate`` (``None`` while no request was answered:
    no rate to judge), ``responseTime`` (ms, the median) → ``response_time_ms``, and the
    largest ``driftScore`` of the features → ``data_drift``.
    """
    metrics = stats.metrics
    scores = [f.drift_score for f in drift or () if f.drift_score is not None]
    return GateStats(
        predictions=metrics.total_predictions,
        error_rate=metrics.server_error_rate if metrics.total_requests else None,
        response_time_ms=metrics.response_time,
        data_drift=max(scores) if scores else None,
        requests=metrics.total_requests,
    )


def service_stats_reader(session: Session, *, drift: bool = False) -> StatsReader:
    """A :data:`~aiodeploy._guard.StatsReader` over the monitoring API (see the module
    docstring for its requests); ``drift`` adds the feature drift read."""

    async def read(dep_id: str, model_id: str, since: datetime) -> GateStats:
        params = {"modelId": model_id, **hour_window(since, None)}
        stats = await get_service_stats(session, dep_id, params)
        features = await get_feature_drift(session, dep_id, params) if drift else None
        return gate_stats(stats, features)

    return read


class GuardArgs(NamedTuple):
    """``replace_models``' guard arguments, checked."""

    marks: list[int | str]
    bake: float
    gate: HealthGate


def check_guard(
    size: int,
    waves: Sequence[int | str] | None,
    bake: float | str | None,
    gate: HealthGate | None,
    *,
    fail_fast: bool,
) -> GuardArgs | None:
    """The guard arguments of a plan of ``size`` items, checked; ``None``: no guard.

    Rules: ``waves`` turns guarding on, and then ``bake`` must be more than 0 (the gate
    needs traffic to judge); ``bake`` or ``gate`` without ``waves`` is refused rather than
    ignored (an unguarded run where a guarded one was meant); ``gate`` defaults to
    ``HealthGate()``; ``fail_fast`` does not combine with waves (a failing gate is what
    stops a guarded run). A journal is optional, as for any rollout.

    Raises:
        ValueError: a malformed mark, duration or combination (see above).
        TypeError: ``gate`` is not a :class:`HealthGate`, ``bake`` not a duration.
    """
    seconds = 0.0 if bake is None else parse_duration(bake)
    if waves is None:
        if gate is not None or seconds:
            raise ValueError("bake and gate guard waves: give waves too, e.g. [1, '25%', '100%']")
        return None
    if isinstance(waves, (str, bytes)):
        raise TypeError("waves is a list of marks, e.g. [1, '25%', '100%']")
    marks = list(waves)
    plan_waves(size, marks)  # refuses bad marks now, before any request
    if not seconds:
        raise ValueError("waves need a bake: seconds (or '2m') of traffic before the gate judges")
    if gate is None:
        gate = HealthGate()
    elif not isinstance(gate, HealthGate):
        raise TypeError(f"gate must be a HealthGate, got {type(gate).__name__}")
    if fail_fast:
        raise ValueError("fail_fast does not apply to waves: a failing gate stops the run")
    return GuardArgs(marks, seconds, gate)


def guard_for(session: Session, args: GuardArgs) -> Guard:
    """The :class:`~aiodeploy._guard.Guard` of checked arguments: gate reads through
    :func:`service_stats_reader`, the bake timed on the session's clock."""
    return Guard(
        args.marks,
        args.bake,
        args.gate,
        service_stats_reader(session, drift=args.gate.max_data_drift is not None),
        wall_clock(session.clock),
    )
