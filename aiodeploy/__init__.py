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
    Deployment,
    DeploymentModel,
    DeploymentPredictionEnvironment,
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
from ._models_lifecycle import Capability, Feature, SharedRole, SharedRoleGrant
from ._models_registry import (
    PredictionEnvironment,
    RegisteredModel,
    RegisteredModelDeployment,
    RegisteredModelTarget,
    RegisteredModelVersion,
    UserInfo,
    VersionSource,
    VersionTarget,
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
    JournalInUseError,
    JournalMismatchError,
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
    "Capability",
    "ClientError",
    "ConfigurationError",
    "ConflictError",
    "CrossOriginError",
    "Deployment",
    "DeploymentModel",
    "DeploymentPredictionEnvironment",
    "DeploymentPredictionServer",
    "DeploymentRef",
    "DriftTrackingSettings",
    "FailFastCancelled",
    "Feature",
    "FeatureDriftSettings",
    "HealthStatus",
    "ItemFinished",
    "ItemResult",
    "ItemStatusChanged",
    "ItemSubmitted",
    "JournalInUseError",
    "JournalMismatchError",
    "Model",
    "ModelHistoryEntry",
    "ModelReplacementReason",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "PollPolicy",
    "PredictionEnvironment",
    "PredictionServer",
    "PredictionUsage",
    "Project",
    "RateLimitError",
    "RegisteredModel",
    "RegisteredModelDeployment",
    "RegisteredModelTarget",
    "RegisteredModelVersion",
    "ReplacementEvent",
    "ReplacementOperation",
    "ReplacementPreview",
    "ReplacementRequest",
    "ReplacementValidation",
    "RequestBudget",
    "ResponseDecodeError",
    "RetryPolicy",
    "ServerError",
    "SharedRole",
    "SharedRoleGrant",
    "Tag",
    "TargetDriftSettings",
    "TransportError",
    "UnprocessableEntityError",
    "UserInfo",
    "ValidationCheck",
    "VersionSource",
    "VersionTarget",
    "__version__",
]
