"""The emulator's records: catalog entries (frozen) and deployments and jobs (mutable)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = [
    "OWNER_ID",
    "DeploymentRecord",
    "HistoryEntry",
    "Job",
    "JobKind",
    "ModelRecord",
    "PredictionServerRecord",
    "ProjectRecord",
    "TagRecord",
    "format_timestamp",
    "object_id",
]


OWNER_ID = "5a8ac9ab07a57a0001be501f"
"""The user every token acts as: the creator and first owner of every deployment."""


def object_id(seed: int, kind: str, number: int) -> str:
    """Return a 24-hex ObjectId-like id, the same for the same seed, kind and number."""
    return hashlib.sha256(f"{seed}/{kind}/{number}".encode()).hexdigest()[:24]


def format_timestamp(epoch_seconds: float) -> str:
    """Format seconds since the epoch as DataRobot does: ``2019-04-22T04:03:45.000000Z``."""
    moment = dt.datetime.fromtimestamp(epoch_seconds, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclasses.dataclass(frozen=True)
class ProjectRecord:
    """A modeling project: its target decides which models can replace which."""

    id: str
    name: str
    file_name: str
    target: str
    target_type: str
    metric: str
    classes: tuple[str, ...]
    positive_class: str | None
    created: str
    description: str
    label_prefix: str
    time_series: bool = False


@dataclasses.dataclass(frozen=True)
class ModelRecord:
    """A Leaderboard model.

    Attributes:
        features: Feature name to data type (``Numeric``, ``Categorical``, ``Text``, ...).
        seed_role: Why the seed made it: ``champion`` (deployed by default), ``compatible``
            or ``extra-features`` (validation warns: it needs features the champion lacks).
        package_id: Its registered model version in the seed registry (another id).
    """

    id: str
    project_id: str
    model_type: str
    model_family: str
    model_number: int
    blueprint_id: str
    featurelist_id: str
    featurelist_name: str
    features: Mapping[str, str]
    processes: tuple[str, ...]
    metric_value: float
    seed_role: str
    status: str = "completed"
    package_id: str = ""


@dataclasses.dataclass(frozen=True)
class PredictionServerRecord:
    """A dedicated prediction server, and the DataRobot prediction environment it serves."""

    id: str
    url: str
    datarobot_key: str
    environment_id: str = ""


@dataclasses.dataclass
class HistoryEntry:
    """One champion period of a deployment (``modelHistory`` item)."""

    model_id: str
    reason: str | None
    start_date: str
    end_date: str | None = None
    package_id: str = ""


@dataclasses.dataclass
class TagRecord:
    """A deployment tag."""

    id: str
    name: str
    value: str


@dataclasses.dataclass(eq=False)
class DeploymentRecord:
    """A deployment as the emulator stores it; read it, change it only through the state."""

    id: str
    label: str
    description: str | None
    importance: str | None
    status: str
    created_at: str
    created_epoch: float
    model_id: str
    deployed_at: str
    deployed_epoch: float
    server_id: str | None
    settings: dict[str, Any]
    history: list[HistoryEntry]
    service_health: str = "unknown"
    model_health: str = "unknown"
    accuracy_health: str = "unavailable"
    daily_rates: list[int] = dataclasses.field(default_factory=lambda: [0] * 7)
    last_prediction: str | None = None
    deleted_at: str | None = None
    replacing_job: str | None = None
    version: int = 0
    package_id: str = ""
    environment_id: str | None = None
    tags: list[TagRecord] = dataclasses.field(default_factory=list)
    # recipient id -> role (OWNER, USER, CONSUMER); the creator owns a new deployment
    roles: dict[str, str] = dataclasses.field(default_factory=lambda: {OWNER_ID: "OWNER"})

    def touch(self) -> None:
        """Mark the record changed, so that cached JSON is rebuilt."""
        self.version += 1


class JobKind(str, enum.Enum):
    """What an asynchronous job does when it completes."""

    CREATE = "create"
    REPLACE = "replace"
    SETTINGS = "settings"
    STATUS = "status"
    ACTUALS = "actuals"
    DELETION = "deletion"
    CHALLENGER = "challenger"
    INTERVALS = "intervals"

    def __str__(self) -> str:
        return str(self.value)


@dataclasses.dataclass(eq=False)
class Job:
    """An asynchronous job; its status is derived from the clock, not from a running task.

    Attributes:
        due: Clock time at which it ends, or None if it hangs.
        fails: Whether it ends in ``ERROR`` (a fault), undoing its effect.
        payload: What to apply: the new settings, status, or the replaced model.
        state: ``INITIALIZED``/``RUNNING`` while pending (derived), then ``COMPLETED``,
            ``ERROR`` or ``ABORTED`` once settled.
        result_path: The path a completed job's status redirects to, when it is not its
            deployment's (a challenger's, say).
    """

    id: str
    kind: JobKind
    deployment_id: str
    started: float
    created: str
    due: float | None
    fails: bool
    description: str
    payload: Mapping[str, Any]
    state: str = "RUNNING"
    settled: bool = False
    message: str = ""
    code: int = 0
    result_path: str | None = None
    """Where the completed job's 303 leads (default: its deployment)."""
