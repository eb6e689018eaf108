"""JSON shapes of the REST contract, and the one msgspec encoder."""

from __future__ import annotations

from typing import Any

import msgspec

from ._auth import Role
from ._records import (
    DeploymentRecord,
    HistoryEntry,
    Job,
    ModelRecord,
    PredictionServerRecord,
    ProjectRecord,
    object_id,
)
from ._seed import SeedData

__all__ = [
    "deployment_bytes",
    "encode",
    "history_json",
    "model_json",
    "project_json",
    "server_json",
    "status_json",
]

encode = msgspec.json.Encoder().encode

_OWNER_PERMISSIONS = [
    "CAN_SHARE_DEPLOYMENT_OWNERSHIP", "CAN_EDIT_DEPLOYMENT", "CAN_SHARE", "CAN_MAKE_PREDICTIONS",
    "CAN_APPROVE_REPLACEMENT_MODEL", "CAN_UPDATE_DEPLOYMENT_THRESHOLDS", "CAN_DELETE_DEPLOYMENT",
    "CAN_REPLACE_MODEL", "CAN_VIEW", "CAN_SUBMIT_ACTUALS",
]  # fmt: skip
_READER_PERMISSIONS = ["CAN_VIEW", "CAN_MAKE_PREDICTIONS"]
_HEALTH_MESSAGES = {
    "passing": "All health indicators are passing.",
    "warning": "Some health indicators need attention.",
    "failing": "Some health indicators are failing.",
    "unknown": "No predictions were made in the selected time range.",
    "unavailable": "Accuracy is unknown: no actuals were uploaded.",
}
_USER = {
    "id": "5a8ac9ab07a57a0001be501f",
    "email": "emulator@example.com",
    "firstName": "Emu",
    "lastName": "Lator",
}
_TIME_SERIES_PARTITION = {"cvMethod": "datetime", "useTimeSeries": True, "datetimeCol": "date"}
_STATUS_TYPES = {
    "create": "deploymentCreation",
    "replace": "deploymentModelReplacement",
    "settings": "deploymentSettingsUpdate",
    "status": "deploymentStatusUpdate",
    "actuals": "deploymentActualsUpload",
    "deletion": "deploymentMonitoringDataDeletion",
    "challenger": "deploymentChallengerCreation",
    "intervals": "calculatePredictionIntervals",
}


def _health(status: str) -> dict[str, Any]:
    return {
        "status": status,
        "message": _HEALTH_MESSAGES[status],
        "startDate": None,
        "endDate": None,
    }


def deployment_json(record: DeploymentRecord, catalog: SeedData, role: Role) -> dict[str, Any]:
    """Return the deployment object of contract section 6, as seen by a token's role."""
    model = catalog.model(record.model_id)
    assert model is not None
    project = catalog.project(model.project_id)
    assert project is not None
    server = next((s for s in catalog.prediction_servers if s.id == record.server_id), None)
    return {
        "id": record.id,
        "label": record.label,
        "description": record.description,
        "status": record.status,
        "importance": record.importance,
        "createdAt": record.created_at,
        "defaultPredictionServer": None
        if server is None
        else {"id": server.id, "url": server.url, "datarobot-key": server.datarobot_key},
        "model": {
            "id": model.id,
            "type": model.model_type,
            "targetName": project.target,
            "targetType": project.target_type,
            "projectId": project.id,
            "projectName": project.name,
            "unsupervisedMode": False,
            "unstructuredModelKind": False,
            "buildEnvironmentType": "DataRobot",
            "deployedAt": record.deployed_at,
            "isDeprecated": False,
        },
        "modelPackage": {
            "id": model.id,
            "name": model.model_type,
            "registeredModelId": object_id(0, f"registered-model:{model.id}", 0),
        },
        "predictionUsage": {
            "dailyRates": record.daily_rates,
            "lastTimestamp": record.last_prediction,
        },
        "permissions": _OWNER_PERMISSIONS if role is Role.OWNER else _READER_PERMISSIONS,
        "serviceHealth": _health(record.service_health),
        "modelHealth": _health(record.model_health),
        "accuracyHealth": _health(record.accuracy_health),
        "fairnessHealth": _health("unavailable"),
        "governance": {"approvalStatus": "APPROVED", "hasOpenChangeRequests": False},
        "owners": {"count": 1, "preview": [_USER]},
        "creator": _USER,
        "predictionEnvironment": None,
        "tags": [],
    }


def deployment_bytes(
    record: DeploymentRecord,
    catalog: SeedData,
    role: Role,
    cache: dict[tuple[str, Role], tuple[int, bytes]],
) -> bytes:
    """Return the encoded deployment, reusing the bytes until the record changes."""
    key = (record.id, role)
    hit = cache.get(key)
    if hit is not None and hit[0] == record.version:
        return hit[1]
    data = encode(deployment_json(record, catalog, role))
    cache[key] = (record.version, data)
    return data


def project_json(project: ProjectRecord) -> dict[str, Any]:
    """Return a project object (contract section 10.1)."""
    return {
        "id": project.id,
        "projectName": project.name,
        "projectDescription": project.description,
        "fileName": project.file_name,
        "stage": "modeling",
        "autopilotMode": 0,
        "created": project.created,
        "target": project.target,
        "targetType": project.target_type,
        "metric": project.metric,
        "positiveClass": project.positive_class,
        "holdoutUnlocked": False,
        "maxTrainPct": 64.0,
        "maxTrainRows": 6400,
        "partition": _TIME_SERIES_PARTITION
        if project.time_series
        else {"cvMethod": "random", "validationType": "CV", "holdoutPct": 20, "reps": 5},
        "advancedOptions": {},
        "unsupervisedMode": False,
        "useFeatureDiscovery": False,
        "useGpu": False,
    }


def model_json(model: ModelRecord, project: ProjectRecord) -> dict[str, Any]:
    """Return a Leaderboard model object (contract section 10.2)."""
    score = {
        "validation": model.metric_value,
        "crossValidation": round(model.metric_value * 1.01, 5),
        "holdout": None,
        "backtesting": None,
        "backtestingScores": None,
    }
    return {
        "id": model.id,
        "projectId": model.project_id,
        "modelType": model.model_type,
        "modelCategory": "model",
        "modelFamily": model.model_family,
        "modelNumber": model.model_number,
        "blueprintId": model.blueprint_id,
        "featurelistId": model.featurelist_id,
        "featurelistName": model.featurelist_name,
        "processes": list(model.processes),
        "samplePct": 64.0,
        "trainingRowCount": 6400,
        "isFrozen": False,
        "isStarred": False,
        "parentModelId": None,
        "predictionThreshold": 0.5 if project.target_type == "Binary" else None,
        "predictionThresholdReadOnly": False,
        "metrics": {project.metric: score},
    }


def server_json(server: PredictionServerRecord) -> dict[str, Any]:
    """Return a prediction server list item (contract section 9)."""
    return {
        "id": server.id,
        "url": server.url,
        "datarobot-key": server.datarobot_key,
        "batchPredictions": {"processing": 0, "queued": 0},
    }


def status_json(job: Job, status: str) -> dict[str, Any]:
    """Return the status object of ``GET status/{id}/`` (contract section 5.2)."""
    return {
        "statusId": job.id,
        "status": status,
        "message": job.message,
        "code": job.code,
        "created": job.created,
        "description": job.description,
        "statusType": _STATUS_TYPES[str(job.kind)],
    }


def history_json(entry: HistoryEntry, catalog: SeedData) -> dict[str, Any]:
    """Return a ``modelHistory`` item: one champion period."""
    model = catalog.model(entry.model_id)
    return {
        "modelId": entry.model_id,
        "modelPackageId": entry.model_id,
        "modelType": model.model_type if model else None,
        "projectId": model.project_id if model else None,
        "reason": entry.reason,
        "startDate": entry.start_date,
        "endDate": entry.end_date,
    }
