"""Recorded-shape JSON bodies from api-contract.md, for mocked replies."""

from __future__ import annotations

from typing import Any

DEP_ID = "5c6f7a9e9ca9b20017ff95a2"
MODEL_ID = "5cb9c8b979872d014a0bb080"
NEW_MODEL_ID = "5cb9c8b979872d014a0bb081"
PROJECT_ID = "5c0a969859b00004ba52e41b"
STATUS_ID = "6a0b1c2d3e4f5a6b7c8d9e0f"


def deployment(dep_id: str = DEP_ID, model_id: str = MODEL_ID, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": dep_id,
        "label": "is_bad Predictions",
        "description": "",
        "status": "active",
        "importance": "LOW",
        "createdAt": "2025-09-17T12:26:26.105000Z",
        "defaultPredictionServer": {
            "id": "5a7c7a72192765001fc22769",
            "url": "https://pred.example.com",
            "datarobot-key": "27782",
        },
        "model": {
            "id": model_id,
            "type": "TensorFlow Deep Learning Classifier",
            "targetName": "is_bad",
            "targetType": "Binary",
            "projectId": PROJECT_ID,
            "projectName": "train.csv.zip",
            "unsupervisedMode": False,
            "deployedAt": "2025-09-17T14:04:22.910000Z",
        },
        "predictionUsage": {"dailyRates": [5, 2, 10], "lastTimestamp": None},
        "permissions": ["CAN_VIEW", "CAN_REPLACE_MODEL"],
        "serviceHealth": {"status": "unknown", "message": "", "startDate": None, "endDate": None},
        "modelHealth": {"status": "passing", "message": "", "startDate": None, "endDate": None},
        "accuracyHealth": {"status": "unavailable", "message": "Accuracy is unknown."},
        "tags": [{"id": "68caadd2b456b4a50bfc5c64", "name": "tool", "value": "tool"}],
        "someFieldFromANewerServer": {"nested": True},
    }
    body.update(extra)
    return body


def status(state: str = "RUNNING", message: str = "") -> dict[str, Any]:
    return {
        "statusId": STATUS_ID,
        "status": state,
        "message": message,
        "code": 0,
        "created": "2019-08-24T14:15:22Z",
        "description": "",
    }


def model(model_id: str = MODEL_ID) -> dict[str, Any]:
    return {
        "id": model_id,
        "projectId": PROJECT_ID,
        "modelType": "Gradient Boosted Trees Classifier",
        "modelCategory": "model",
        "isFrozen": False,
        "isStarred": False,
        "blueprintId": "9e9d",
        "featurelistName": "Informative Features",
        "processes": ["One-Hot Encoding"],
        "samplePct": 64.0,
        "metrics": {"AUC": {"validation": 0.87, "crossValidation": None, "holdout": None}},
    }


def project(project_id: str = PROJECT_ID) -> dict[str, Any]:
    return {
        "id": project_id,
        "projectName": "loans",
        "target": "is_bad",
        "targetType": "Binary",
        "metric": "LogLoss",
        "stage": "modeling",
        "created": "2019-08-24T14:15:22Z",
    }


def settings(target: bool = True, feature: bool = False) -> dict[str, Any]:
    return {
        "targetDrift": {"enabled": target},
        "featureDrift": {"enabled": feature},
        "associationId": {"columnNames": None, "requiredInPredictionRequests": False},
        "predictionsDataCollection": {"enabled": True},
        "predictionIntervals": {"enabled": False, "percentiles": []},
    }
