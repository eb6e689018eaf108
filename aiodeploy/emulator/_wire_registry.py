"""JSON shapes of the registry, prediction environments, tags, sharing and features.

Shapes follow what the official client's trafarets require (``RegisteredModel``,
``RegisteredModelVersion``/``ChampionModelPackage``, ``VersionAssociatedDeployment``,
``PredictionEnvironment``, ``DeploymentSharedRole``): every key they mark required is
present and never null (the client drops null keys before checking).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ._records import DeploymentRecord, HistoryEntry, ModelRecord, ProjectRecord, TagRecord
from ._records_registry import EnvironmentRecord, Recipient, RegisteredModelRecord, VersionRecord
from ._seed_registry import OWNER

__all__ = [
    "USER_META",
    "associated_deployment_json",
    "environment_json",
    "environment_summary",
    "features_json",
    "owners_json",
    "package_summary",
    "registered_model_json",
    "shared_role_json",
    "tag_json",
    "version_json",
]

USER_META = {"id": OWNER.id, "email": OWNER.name, "name": "Emu Lator"}
"""``UserMetadata`` of the emulator's user (creator of everything)."""
_USER = {"id": OWNER.id, "email": OWNER.name, "firstName": "Emu", "lastName": "Lator"}
_VERSION_PERMISSIONS = ["CAN_VIEW", "CAN_EDIT", "CAN_SHARE", "CAN_DELETE", "CAN_DEPLOY"]
_ENV_PERMISSIONS = ["CAN_VIEW", "CAN_EDIT", "CAN_SHARE", "CAN_DELETE"]
_MODEL_KIND = {
    "isTimeSeries": False, "isMultiseries": False, "isUnsupervisedLearning": False,
    "isAnomalyDetectionModel": False, "isFeatureDiscovery": False, "isCombinedModel": False,
    "isDecisionFlow": False, "isUnstructured": False,
}  # fmt: skip
_TIMESERIES = {
    "datetimeColumnName": None, "forecastDistanceColumnName": None,
    "forecastPointColumnName": None, "seriesColumnName": None, "datetimeColumnFormat": None,
    "forecastDistances": None, "forecastDistancesTimeUnit": None,
    "featureDerivationWindowStart": None, "featureDerivationWindowEnd": None,
    "effectiveFeatureDerivationWindowStart": None, "effectiveFeatureDerivationWindowEnd": None,
    "isNewSeriesSupport": False, "isCrossSeries": False, "isTraditionalTimeSeries": False,
}  # fmt: skip


def tag_json(tag: TagRecord | dict[str, str]) -> dict[str, str]:
    """A tag: ``{"id", "name", "value"}``."""
    if isinstance(tag, TagRecord):
        return {"id": tag.id, "name": tag.name, "value": tag.value}
    return dict(tag)


def version_json(
    version: VersionRecord,
    model: ModelRecord,
    project: ProjectRecord,
    *,
    build_status: str,
    active_deployments: int,
) -> dict[str, Any]:
    """A registered model version, as ``registeredModels/{id}/versions/{vid}/``,
    ``modelPackages/{id}/`` and ``deployments/{id}/championModelPackage/`` answer it."""
    classes = list(project.classes) if project.target_type != "Regression" else None
    return {
        "id": version.id,
        "registeredModelId": version.registered_model_id,
        "registeredModelVersion": version.number,
        "name": version.name,
        "modelId": version.model_id,
        "modelExecutionType": "dedicated",
        "isArchived": False,
        "isDeprecated": False,
        "buildStatus": build_status,
        "importMeta": {
            "creatorId": OWNER.id,
            "creatorUsername": OWNER.name,
            "creatorFullName": USER_META["name"],
            "dateCreated": version.created_at,
            "originalFileName": None,
            "containsFeaturelists": False,
            "containsFearPipeline": False,
            "containsLeaderboardMeta": False,
            "containsProjectMeta": False,
        },
        "sourceMeta": {
            "projectId": project.id,
            "projectName": project.name,
            "projectCreatorId": OWNER.id,
            "projectCreatorName": USER_META["name"],
            "projectCreatorEmail": OWNER.name,
            "projectCreatedAt": project.created,
            "environmentUrl": None,
            "scoringCode": {"location": None, "dataRobotPredictionVersion": None},
            "fips_140_2Enabled": False,
            "useCaseDetails": None,
            "customModelDetails": None,
        },
        "modelKind": dict(_MODEL_KIND),
        "target": {
            "name": project.target,
            "type": project.target_type,
            "classNames": classes,
            "classCount": len(classes) if classes else None,
            "predictionThreshold": version.prediction_threshold,
            "predictionProbabilitiesColumn": None,
        },
        "modelDescription": {
            "description": version.description,
            "modelName": model.model_type,
            "modelCreatorId": OWNER.id,
            "modelCreatorName": USER_META["name"],
            "modelCreatorEmail": OWNER.name,
            "modelCreatedAt": project.created,
            "location": None,
            "buildEnvironmentType": "DataRobot",
        },
        "datasets": {
            "datasetName": project.file_name,
            "trainingDataCatalogId": None,
            "trainingDataSize": 6400,
            "holdoutDatasetName": None,
            "targetHistogramBaseline": None,
            "baselineSegmentedBy": None,
        },
        "timeseries": dict(_TIMESERIES),
        "biasAndFairness": None,
        "userProvidedId": None,
        "updatedAt": version.created_at,
        "updatedBy": USER_META,
        "tags": [tag_json(t) for t in version.tags],
        "mlpkgFileContents": None,
        "permissions": _VERSION_PERMISSIONS,
        "activeDeploymentCount": active_deployments,
    }


def registered_model_json(registered: RegisteredModelRecord) -> dict[str, Any]:
    """A registered model, as ``registeredModels/{id}/`` answers it."""
    return {
        "id": registered.id,
        "name": registered.name,
        "description": registered.description,
        "createdAt": registered.created_at,
        "modifiedAt": registered.modified_at,
        "createdBy": USER_META,
        "modifiedBy": USER_META,
        "target": {"name": registered.target_name, "type": registered.target_type},
        "lastVersionNum": len(registered.versions),
        "isArchived": False,
        "isGlobal": False,
        "tags": [tag_json(t) for t in registered.tags],
    }


def environment_summary(env: EnvironmentRecord) -> dict[str, Any]:
    """The ``predictionEnvironment`` block of a deployment."""
    return {
        "id": env.id,
        "name": env.name,
        "platform": env.platform,
        "plugin": None,
        "supportedModelFormats": list(env.formats),
        "isManagedByManagementAgent": env.managed_by_agent,
    }


def environment_json(env: EnvironmentRecord) -> dict[str, Any]:
    """A prediction environment, as ``predictionEnvironments/{id}/`` answers it."""
    return {
        **environment_summary(env),
        "description": env.description,
        "permissions": _ENV_PERMISSIONS,
        "isDeleted": False,
        "importMeta": {
            "dateCreated": env.created_at,
            "creatorId": OWNER.id,
            "creatorUsername": OWNER.name,
        },
        "managementMeta": {"userId": OWNER.id, "username": OWNER.name},
        "managedBy": "managementAgent" if env.managed_by_agent else "datarobot",
        "health": {
            "status": "unknown" if env.managed_by_agent else "passing",
            "message": "No agent has reported yet."
            if env.managed_by_agent
            else "The environment serves predictions.",
            "timestamp": env.created_at,
        },
    }


def package_summary(version: VersionRecord) -> dict[str, Any]:
    """The ``modelPackage`` block of a deployment: its champion version."""
    return {
        "id": version.id,
        "name": version.name,
        "registeredModelId": version.registered_model_id,
    }


def owners_json(owners: list[Recipient]) -> dict[str, Any]:
    """The ``owners`` block of a deployment."""

    def person(r: Recipient) -> dict[str, Any]:
        if r.id == OWNER.id:
            return _USER
        return {"id": r.id, "email": r.name, "firstName": None, "lastName": None}

    return {"count": len(owners), "preview": [person(r) for r in owners[:3]]}


def _first_start(history: list[HistoryEntry], ids: set[str]) -> str | None:
    return next((e.start_date for e in history if e.package_id in ids), None)


def associated_deployment_json(
    record: DeploymentRecord,
    versions: dict[str, VersionRecord],
    environment: EnvironmentRecord | None,
) -> dict[str, Any]:
    """A deployment of a registered model (or of one version), as
    ``registeredModels/{id}/deployments/`` lists it.

    ``versions``: the versions asked about, by id.
    """
    current = versions.get(record.package_id)
    used = [versions[e.package_id] for e in record.history if e.package_id in versions]
    shown = current or used[-1]
    return {
        "id": record.id,
        "label": record.label,
        "status": record.status,
        "currentlyDeployed": current is not None,
        "registeredModelVersion": shown.number,
        "isChallenger": False,
        "firstDeployedAt": _first_start(record.history, set(versions)),
        "firstDeployedBy": USER_META,
        "createdBy": USER_META,
        "predictionEnvironment": None if environment is None else environment_summary(environment),
    }


def shared_role_json(recipient: Recipient, role: str) -> dict[str, str]:
    """One ``sharedRoles/`` item: exactly the four keys the official client accepts."""
    return {
        "shareRecipientType": recipient.kind,
        "role": role,
        "id": recipient.id,
        "name": recipient.name,
    }


def _importance(model: ModelRecord, name: str) -> float:
    # a stable score in (0, 1): the same feature of the same project always ranks the same
    digest = hashlib.sha256(f"{model.project_id}/{name}".encode()).digest()
    return round(0.05 + 0.9 * digest[0] / 255, 4)


def features_json(model: ModelRecord) -> list[dict[str, Any]]:
    """The features a model needs to predict, most important first (``features/``)."""
    items = [
        {
            "name": name,
            "featureType": kind,
            "importance": _importance(model, name),
            "dateFormat": "%Y-%m-%d" if kind == "Date" else None,
            "knownInAdvance": False,
        }
        for name, kind in model.features.items()
    ]
    return sorted(items, key=lambda item: (-item["importance"], item["name"]))
