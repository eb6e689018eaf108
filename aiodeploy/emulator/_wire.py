"""JSON shapes of the REST contract, and the one msgspec encoder."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
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
    format_timestamp,
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
_FAIRNESS_UNAVAILABLE = "Fairness is unknown: no protected features are set for bias monitoring."
_HEALTH_WINDOW = 7 * 86_400  # health covers the last week, as DataRobot's default range
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


def _health(status: str, window: tuple[str, str], message: str | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "message": message or _HEALTH_MESSAGES[status],
        "startDate": window[0],
        "endDate": window[1],
    }


def _health_window(record: DeploymentRecord) -> tuple[str, str]:
    """The week the health blocks cover: up to the hour after the last prediction (or the
    last model change), which keeps a record's JSON stable until the record changes."""
    last = record.deployed_epoch
    if record.last_prediction is not None:
        seen = dt.datetime.fromisoformat(record.last_prediction.replace("Z", "+00:00"))
        last = max(last, seen.timestamp())
    end = math.floor(last / 3_600 + 1) * 3_600
    return format_timestamp(end - _HEALTH_WINDOW), format_timestamp(end)


def deployment_json(
    record: DeploymentRecord,
    catalog: SeedData,
    role: Role,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the deployment object of contract section 6, as seen by a token's role.

    ``extra``: the fields other parts own (``modelPackage``, ``predictionEnvironment``,
    ``owners``), over the defaults here.
    """
    model = catalog.model(record.model_id)
    assert model is not None
    project = catalog.project(model.project_id)
    assert project is not None
    server = next((s for s in catalog.prediction_servers if s.id == record.server_id), None)
    window = _health_window(record)
    body = {
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
        "modelPackage": None,
        "predictionUsage": {
            "dailyRates": record.daily_rates,
            "lastTimestamp": record.last_prediction,
        },
        "permissions": _OWNER_PERMISSIONS if role is Role.OWNER else _READER_PERMISSIONS,
        "serviceHealth": _health(record.service_health, window),
        "modelHealth": _health(record.model_health, window),
        "accuracyHealth": _health(record.accuracy_health, window),
        "fairnessHealth": _health("unavailable", window, _FAIRNESS_UNAVAILABLE),
        "governance": {
            "approvalStatus": "APPROVED",
            "hasOpenChangeRequests": False,
            "reviewers": [],
        },
        "owners": {"count": 1, "preview": [_USER]},
        "creator": _USER,
        "predictionEnvironment": None,
        "tags": [{"id": t.id, "name": t.name, "value": t.value} for t in record.tags],
    }
    body.update(extra or {})
    return body


def deployment_bytes(
    record: DeploymentRecord,
    catalog: SeedData,
    role: Role,
    cache: dict[tuple[str, Role], tuple[int, bytes]],
    extra: Callable[[DeploymentRecord], Mapping[str, Any]] | None = None,
) -> bytes:
    """Return the encoded deployment, reusing the bytes until the record changes.

    ``extra(record)``: the fields other parts own (see :func:`deployment_json`).
    """
    key = (record.id, role)
    hit = cache.get(key)
    if hit is not None and hit[0] == record.version:
        return hit[1]
    data = encode(deployment_json(record, catalog, role, None if extra is None else extra(record)))
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
        "modelPackageId": entry.package_id or None,
        "modelType": model.model_type if model else None,
        "projectId": model.project_id if model else None,
        "reason": entry.reason,
        "startDate": entry.start_date,
        "endDate": entry.end_date,
    }
