"""Fleet health: every deployment's health blocks, service stats and drift, read at once.

For each deployment listed, three reads run concurrently (``serviceStats``,
``targetDrift``, ``featureDrift``), ``concurrency`` deployments at a time, all under the
client's request budget. A deployment whose reads fail gets a record with the error; a
refused token (401) ends the whole call, as no other read could succeed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio

from ._api import monitoring
from ._models import Deployment, HealthStatus
from ._models_monitoring import FeatureDrift, ServiceStats, TargetDrift
from ._session import Session
from .errors import AiodeployError, AuthenticationError

__all__ = ["DeploymentHealth", "read_fleet", "worst_first"]

_RANK = {"failing": 0, "warning": 1, "unknown": 2, "passing": 3}


def _status(block: HealthStatus | None) -> str:
    return (block.status if block is not None else None) or "unknown"


@dataclasses.dataclass(frozen=True)
class DeploymentHealth:
    """One deployment's health, as :meth:`~AsyncDeploymentClient.fleet_health` reads it.

    Attributes:
        deployment: The deployment as listed (its health blocks included).
        service_stats: Its service stats over the period (every model), or None on error.
        target_drift: Its current model's target drift, or None on error.
        feature_drift: Its current model's features, most impactful first.
        error: What went wrong reading the stats, or None.
    """

    deployment: Deployment
    service_stats: ServiceStats | None = None
    target_drift: TargetDrift | None = None
    feature_drift: Sequence[FeatureDrift] = ()
    error: AiodeployError | None = None

    @property
    def service_health(self) -> str:
        """``passing``, ``warning``, ``failing`` or ``unknown``."""
        return _status(self.deployment.service_health)

    @property
    def drift_health(self) -> str:
        """Data drift health (the deployment's ``modelHealth``)."""
        return _status(self.deployment.model_health)

    @property
    def accuracy_health(self) -> str:
        """Accuracy health; ``unavailable`` without actuals."""
        return _status(self.deployment.accuracy_health)

    @property
    def status(self) -> str:
        """The worst of the three blocks (accuracy counts only once it is available):
        ``failing``, ``warning``, ``unknown`` or ``passing``."""
        blocks = [self.service_health, self.drift_health]
        if self.accuracy_health != "unavailable":
            blocks.append(self.accuracy_health)
        return min(blocks, key=lambda status: _RANK.get(status, 2))

    @property
    def top_feature_drift(self) -> FeatureDrift | None:
        """The feature that drifted most, if any was measured."""
        scored = [f for f in self.feature_drift if f.drift_score is not None]
        return max(scored, key=lambda f: f.drift_score or 0.0, default=None)


def worst_first(record: DeploymentHealth) -> tuple[Any, ...]:
    """Sort key: errors, then failing, warning, unknown, passing; within one status, more
    server errors, then more drift, then the label."""
    stats = record.service_stats
    errors = stats.metrics.server_error_rate + stats.metrics.user_error_rate if stats else 0.0
    top = record.top_feature_drift
    drift = max(
        (record.target_drift.drift_score or 0.0) if record.target_drift else 0.0,
        (top.drift_score or 0.0) if top else 0.0,
    )
    rank = -1 if record.error is not None else _RANK.get(record.status, 2)
    return rank, -errors, -drift, record.deployment.label or "", record.deployment.id


async def read_fleet(
    session: Session,
    deployments: Sequence[Deployment],
    *,
    params: Mapping[str, Any],
    concurrency: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[DeploymentHealth]:
    """Read every deployment's stats and drift; return the records worst first.

    Raises:
        AuthenticationError: the token was refused (the other reads are cancelled).
    """
    limiter = anyio.CapacityLimiter(concurrency)
    records: list[DeploymentHealth | None] = [None] * len(deployments)
    refused: list[AuthenticationError] = []
    done = 0

    async def read(index: int, dep: Deployment) -> None:
        nonlocal done
        found: dict[str, Any] = {}
        failed: list[AiodeployError] = []

        async def one(name: str, call: Any) -> None:
            try:
                found[name] = await call(session, dep.id, params)
            except AuthenticationError as exc:
                refused.append(exc)
                fleet.cancel_scope.cancel()
            except AiodeployError as exc:
                failed.append(exc)

        async with limiter, anyio.create_task_group() as reads:
            reads.start_soon(one, "service_stats", monitoring.get_service_stats)
            reads.start_soon(one, "target_drift", monitoring.get_target_drift)
            reads.start_soon(one, "feature_drift", monitoring.get_feature_drift)
        records[index] = DeploymentHealth(dep, error=failed[0] if failed else None, **found)
        done += 1
        if on_progress is not None:
            on_progress(done, len(deployments))

    async with anyio.create_task_group() as fleet:
        for index, dep in enumerate(deployments):
            fleet.start_soon(read, index, dep)
    if refused:
        raise refused[0]
    return sorted((r for r in records if r is not None), key=worst_first)
