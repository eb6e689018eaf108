"""Enumerations mirroring :mod:`datarobot.enums`, so that migrating code reads the same.

Example:
    >>> from aiodeploy.enums import MODEL_REPLACEMENT_REASON
    >>> MODEL_REPLACEMENT_REASON.ACCURACY == "ACCURACY"
    True
"""

from __future__ import annotations

import enum

__all__ = [
    "MODEL_REPLACEMENT_REASON",
    "AsyncStatus",
    "DeploymentStatus",
    "Importance",
    "ModelReplacementReason",
    "ValidationStatus",
]


class _StrEnum(str, enum.Enum):
    """A ``str`` enum whose ``str()`` is its value (``enum.StrEnum`` needs Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)


class ModelReplacementReason(_StrEnum):
    """Why a deployment's model is replaced (``reason`` of ``PATCH deployments/{id}/model/``)."""

    ACCURACY = "ACCURACY"
    DATA_DRIFT = "DATA_DRIFT"
    ERRORS = "ERRORS"
    SCHEDULED_REFRESH = "SCHEDULED_REFRESH"
    SCORING_SPEED = "SCORING_SPEED"
    DEPRECATION = "DEPRECATION"
    OTHER = "OTHER"


MODEL_REPLACEMENT_REASON = ModelReplacementReason
"""Alias spelled as in :mod:`datarobot.enums`."""


class ValidationStatus(_StrEnum):
    """Outcome of a replacement validation, overall and per check."""

    PASSING = "passing"
    WARNING = "warning"
    FAILING = "failing"


class AsyncStatus(_StrEnum):
    """Status of a DataRobot asynchronous job (``GET status/{id}/``)."""

    INITIALIZED = "INITIALIZED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    ABORTED = "ABORTED"
    EXPIRED = "EXPIRED"


class DeploymentStatus(_StrEnum):
    """Whether a deployment serves predictions."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Importance(_StrEnum):
    """Business importance of a deployment."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MODERATE = "MODERATE"
    LOW = "LOW"
