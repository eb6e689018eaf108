"""aiodeploy: the async-first client for DataRobot deployments.

Example:
    >>> import aiodeploy
    >>> async def main() -> None:  # doctest: +SKIP
    ...     async with aiodeploy.AsyncDeploymentClient() as client:
    ...         for dep in await client.list_deployments(search="churn"):
    ...             print(dep.label, dep.model.id)
"""

from __future__ import annotations

from ._client import AsyncDeploymentClient, DeploymentRef
from ._models import (
    Deployment,
    DeploymentModel,
    DeploymentPredictionServer,
    DriftTrackingSettings,
    FeatureDriftSettings,
    HealthStatus,
    Model,
    ModelHistoryEntry,
    PredictionServer,
    PredictionUsage,
    Project,
    ReplacementValidation,
    Tag,
    TargetDriftSettings,
    ValidationCheck,
)
from ._operations import ReplacementEvent, ReplacementOperation
from ._polling import PollPolicy
from ._retry import RetryPolicy
from ._version import __version__
from .enums import MODEL_REPLACEMENT_REASON, ModelReplacementReason
from .errors import (
    AiodeployError,
    APIError,
    APITimeoutError,
    AsyncFailureError,
    AsyncProcessUnsuccessfulError,
    AsyncTimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientError,
    ConfigurationError,
    ConflictError,
    CrossOriginError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
)

__all__ = [
    "MODEL_REPLACEMENT_REASON",
    "APIError",
    "APITimeoutError",
    "AiodeployError",
    "AsyncDeploymentClient",
    "AsyncFailureError",
    "AsyncProcessUnsuccessfulError",
    "AsyncTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientError",
    "ConfigurationError",
    "ConflictError",
    "CrossOriginError",
    "Deployment",
    "DeploymentModel",
    "DeploymentPredictionServer",
    "DeploymentRef",
    "DriftTrackingSettings",
    "FeatureDriftSettings",
    "HealthStatus",
    "Model",
    "ModelHistoryEntry",
    "ModelReplacementReason",
    "NotFoundError",
    "PermissionDeniedError",
    "PollPolicy",
    "PredictionServer",
    "PredictionUsage",
    "Project",
    "RateLimitError",
    "ReplacementEvent",
    "ReplacementOperation",
    "ReplacementValidation",
    "ResponseDecodeError",
    "RetryPolicy",
    "ServerError",
    "Tag",
    "TargetDriftSettings",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationCheck",
    "__version__",
]
