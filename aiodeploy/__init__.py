"""aiodeploy: the async-first client for DataRobot deployments.

Example:
    >>> import aiodeploy
    >>> async def main() -> None:  # doctest: +SKIP
    ...     async with aiodeploy.AsyncDeploymentClient() as client:
    ...         for dep in await client.list_deployments(search="churn"):
    ...             print(dep.label, dep.model.id)
"""

from __future__ import annotations

from ._api.operation import ReplacementEvent, ReplacementOperation
from ._budget import RequestBudget
from ._bulk import (
    BulkEvent,
    BulkResult,
    FailFastCancelled,
    ItemFinished,
    ItemResult,
    ItemStatusChanged,
    ItemSubmitted,
    Outcome,
    ReplacementRequest,
)
from ._client import AsyncDeploymentClient
from ._models import (
    ChampionModelPackage,
    Deployment,
    DeploymentModel,
    DeploymentModelPackage,
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
from ._polling import PollPolicy
from ._preview import ReplacementPreview
from ._retry import RetryPolicy
from ._version import __version__
from ._wire import DeploymentRef
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
    EventLoopError,
    JournalInUseError,
    JournalMismatchError,
    ListingChangedError,
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
    "BulkEvent",
    "BulkResult",
    "ChampionModelPackage",
    "ClientError",
    "ConfigurationError",
    "ConflictError",
    "CrossOriginError",
    "Deployment",
    "DeploymentModel",
    "DeploymentModelPackage",
    "DeploymentPredictionServer",
    "DeploymentRef",
    "DriftTrackingSettings",
    "EventLoopError",
    "FailFastCancelled",
    "FeatureDriftSettings",
    "HealthStatus",
    "ItemFinished",
    "ItemResult",
    "ItemStatusChanged",
    "ItemSubmitted",
    "JournalInUseError",
    "JournalMismatchError",
    "ListingChangedError",
    "Model",
    "ModelHistoryEntry",
    "ModelReplacementReason",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "PollPolicy",
    "PredictionServer",
    "PredictionUsage",
    "Project",
    "RateLimitError",
    "ReplacementEvent",
    "ReplacementOperation",
    "ReplacementPreview",
    "ReplacementRequest",
    "ReplacementValidation",
    "RequestBudget",
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
