"""Wire models decode the JSON shapes of api-contract.md (§6, §8.9, §8.10, §9, §10)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest

from aiodeploy import (
    Deployment,
    DeploymentModel,
    DriftTrackingSettings,
    FeatureDriftSettings,
    HealthStatus,
    Model,
    ModelHistoryEntry,
    PredictionServer,
    Project,
    ReplacementValidation,
    Tag,
    TargetDriftSettings,
    ValidationCheck,
)
from aiodeploy._wire import Page

DEP_ID = "5c6f7a9e9ca9b20017ff95a2"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def decode(obj: Any, type_: Any) -> Any:
    return msgspec.json.decode(json.dumps(obj).encode(), type=type_)


FULL_DEPLOYMENT: dict[str, Any] = {
    "id": DEP_ID,
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
        "id": "5cb9c8b979872d014a0bb080",
        "type": "TensorFlow Deep Learning Classifier",
        "targetName": "is_bad",
        "targetType": "Binary",
        "projectId": "5c0a969859b00004ba52e41b",
        "projectName": "train.csv.zip",
        "unsupervisedMode": False,
        "unstructuredModelKind": False,
        "buildEnvironmentType": "Python",
        "deployedAt": "2025-09-17T14:04:22.910000Z",
        "customModelImage": {"customModelId": "x", "customModelName": "y"},
        "isDeprecated": False,
        "prompt": None,
    },
    "modelPackage": {"id": "pkg", "name": "package", "registeredModelId": "rm"},
    "predictionUsage": {
        "dailyRates": [5, 2, 10, 5, 13, 4, 7.5],
        "lastTimestamp": "2019-04-22T04:03:45.000000Z",
    },
    "permissions": [
        "CAN_SHARE_DEPLOYMENT_OWNERSHIP",
        "CAN_EDIT_DEPLOYMENT",
        "CAN_SHARE",
        "CAN_MAKE_PREDICTIONS",
        "CAN_APPROVE_REPLACEMENT_MODEL",
        "CAN_UPDATE_DEPLOYMENT_THRESHOLDS",
        "CAN_DELETE_DEPLOYMENT",
        "CAN_REPLACE_MODEL",
        "CAN_VIEW",
        "CAN_SUBMIT_ACTUALS",
    ],
    "serviceHealth": {
        "status": "passing",
        "message": "All good",
        "startDate": "2019-04-15T00:00:00.000000Z",
        "endDate": "2019-04-22T00:00:00.000000Z",
    },
    "modelHealth": {"status": "unknown", "message": "…", "startDate": None, "endDate": None},
    "accuracyHealth": {
        "status": "unavailable",
        "message": "Accuracy is unknown.",
        "startDate": None,
        "endDate": None,
    },
    "fairnessHealth": {"status": "unknown", "message": None, "startDate": None, "endDate": None},
    "governance": {"approvalStatus": "APPROVED", "hasOpenChangeRequests": False},
    "owners": {"count": 1, "preview": [{"id": "u1", "email": "a@b.c"}]},
    "creator": {"id": "u1", "firstName": "A", "lastName": "B", "email": "a@b.c"},
    "predictionEnvironment": {
        "id": "pe",
        "name": "env",
        "platform": "aws",
        "isManagedByManagementAgent": False,
    },
    "tags": [{"id": "68caadd2b456b4a50bfc5c64", "name": "tool", "value": "tool"}],
    "capabilities": {"supportsModelReplacement": True},
}


def test_full_deployment_object() -> None:
    dep = decode(FULL_DEPLOYMENT, Deployment)
    assert dep.id == DEP_ID
    assert dep.label == "is_bad Predictions"
    assert dep.description == ""
    assert dep.status == "active"
    assert dep.importance == "LOW"
    assert dep.created_at == datetime(2025, 9, 17, 12, 26, 26, 105000, tzinfo=timezone.utc)
    assert dep.default_prediction_server is not None
    assert dep.default_prediction_server.id == "5a7c7a72192765001fc22769"
    assert dep.default_prediction_server.url == "https://pred.example.com"
    assert dep.default_prediction_server.datarobot_key == "27782"
    assert dep.model == DeploymentModel(
        id="5cb9c8b979872d014a0bb080",
        type="TensorFlow Deep Learning Classifier",
        target_name="is_bad",
        target_type="Binary",
        project_id="5c0a969859b00004ba52e41b",
        project_name="train.csv.zip",
        unsupervised_mode=False,
        deployed_at=datetime(2025, 9, 17, 14, 4, 22, 910000, tzinfo=timezone.utc),
    )
    assert dep.prediction_usage is not None
    assert dep.prediction_usage.daily_rates == [5, 2, 10, 5, 13, 4, 7.5]
    assert dep.prediction_usage.last_timestamp == utc(2019, 4, 22, 4, 3, 45)
    assert len(dep.permissions) == 10
    assert "CAN_REPLACE_MODEL" in dep.permissions
    assert dep.service_health == HealthStatus(
        status="passing",
        message="All good",
        start_date=utc(2019, 4, 15),
        end_date=utc(2019, 4, 22),
    )
    assert dep.model_health == HealthStatus(status="unknown", message="…")
    assert dep.accuracy_health is not None
    assert dep.accuracy_health.status == "unavailable"
    assert dep.accuracy_health.start_date is None
    assert dep.fairness_health == HealthStatus(status="unknown")
    assert dep.tags == [Tag(id="68caadd2b456b4a50bfc5c64", name="tool", value="tool")]


def test_deployment_datarobot_key_is_kebab_case_on_the_wire() -> None:
    # the camel renaming must not turn it into "datarobotKey"
    dep = decode({"id": DEP_ID, "defaultPredictionServer": {"datarobotKey": "wrong"}}, Deployment)
    assert dep.default_prediction_server is not None
    assert dep.default_prediction_server.datarobot_key is None
    encoded = msgspec.json.decode(msgspec.json.encode(decode(FULL_DEPLOYMENT, Deployment)))
    assert encoded["defaultPredictionServer"]["datarobot-key"] == "27782"
    assert encoded["createdAt"].startswith("2025-09-17T12:26:26.105")


def test_minimal_deployment() -> None:
    dep = decode({"id": DEP_ID}, Deployment)
    assert dep.id == DEP_ID
    assert dep.model is None
    assert dep.default_prediction_server is None
    assert dep.permissions == []
    assert dep.tags == []
    assert dep.prediction_usage is None


def test_deployment_nulls_where_the_contract_allows_them() -> None:
    obj = {
        "id": DEP_ID,
        "label": "x",
        "description": None,
        "importance": None,
        "defaultPredictionServer": None,
        "model": {"id": "m", "targetName": None, "projectId": None, "projectName": None},
        "predictionUsage": {"dailyRates": [0, 0, 0, 0, 0, 0, 0], "lastTimestamp": None},
        "serviceHealth": {"status": "unknown", "message": None, "startDate": None, "endDate": None},
        "governance": None,
        "predictionEnvironment": None,
    }
    dep = decode(obj, Deployment)
    assert dep.description is None
    assert dep.importance is None
    assert dep.default_prediction_server is None
    assert dep.model is not None
    assert (dep.model.target_name, dep.model.project_id) == (None, None)
    assert dep.prediction_usage is not None
    assert dep.prediction_usage.last_timestamp is None


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"label": "no id"}, "id"),
        ({"id": 5}, "id"),
        ({"id": DEP_ID, "permissions": "CAN_VIEW"}, "permissions"),
        ({"id": DEP_ID, "predictionUsage": {"dailyRates": ["a"]}}, "dailyRates"),
        ({"id": DEP_ID, "model": {"type": "no id"}}, "model"),
    ],
)
def test_deployment_that_breaks_the_contract_is_refused(obj: dict[str, Any], match: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=match):
        decode(obj, Deployment)


def test_deployment_list_page() -> None:
    body = {
        "count": 2,
        "next": "https://dr.test/api/v2/deployments/?offset=2&limit=2",
        "previous": None,
        "data": [FULL_DEPLOYMENT, {"id": "second"}],
        "totalCount": 8,
    }
    page = decode(body, Page[Deployment])
    assert [d.id for d in page.data] == [DEP_ID, "second"]
    assert page.total_count == 8
    assert page.next is not None


def test_deployments_are_frozen() -> None:
    dep = decode({"id": DEP_ID}, Deployment)
    with pytest.raises(AttributeError):
        dep.label = "changed"


# --- §8.9 validation ------------------------------------------------------------------------

VALIDATION = {
    "status": "warning",
    "message": "Model can be used to replace the current model but there are warnings.",
    "checks": {
        "target": {"status": "passing", "message": "Target is compatible."},
        "features": {"status": "warning", "message": "New features: age, income."},
        "featureDataTypes": {"status": "passing", "message": "ok"},
        "targetType": {"status": "passing", "message": "ok"},
        "timeSeriesCompatibility": {"status": "passing"},
        "someFutureCheck": {"status": "passing", "message": "ok", "details": {"x": 1}},
    },
}


def test_validation_decodes_and_unpacks() -> None:
    validation = decode(VALIDATION, ReplacementValidation)
    status, message, checks = validation
    assert status == "warning"
    assert message is not None
    assert message.startswith("Model can be used")
    assert set(checks) == set(VALIDATION["checks"])  # an open map: unknown checks are kept
    assert checks["features"] == ValidationCheck(
        status="warning", message="New features: age, income."
    )
    assert checks["timeSeriesCompatibility"].message is None
    assert validation.checks is checks
    assert list(validation) == [status, message, checks]


@pytest.mark.parametrize(
    ("status", "ok"), [("passing", True), ("warning", True), ("failing", False), ("PASSED", False)]
)
def test_validation_ok(status: str, ok: bool) -> None:
    assert decode({"status": status, "checks": {}}, ReplacementValidation).ok is ok


def test_validation_minimal() -> None:
    validation = decode({"status": "passing"}, ReplacementValidation)
    assert tuple(validation) == ("passing", None, {})


def test_validation_requires_a_status() -> None:
    with pytest.raises(msgspec.ValidationError, match="status"):
        decode({"message": "x", "checks": {}}, ReplacementValidation)


# --- §8.10 settings -------------------------------------------------------------------------

FULL_SETTINGS = {
    "targetDrift": {"enabled": True},
    "featureDrift": {"enabled": True, "featureSelection": "auto", "trackedFeatures": ["age"]},
    "associationId": {
        "columnNames": None,
        "requiredInPredictionRequests": False,
        "autoGenerateId": False,
    },
    "predictionsDataCollection": {"enabled": True},
    "predictionIntervals": {"enabled": True, "percentiles": [80]},
    "predictionWarning": {"enabled": True, "customBoundaries": {"upper": 1337, "lower": 0}},
    "predictionsByForecastDate": {
        "enabled": False,
        "columnName": "date (actual)",
        "datetimeFormat": "%Y-%m-%d",
    },
    "challengerModels": {"enabled": False},
    "segmentAnalysis": {"enabled": False, "attributes": []},
    "humility": {"enabled": False},
    "biasAndFairness": {
        "protectedFeatures": ["f"],
        "preferableTargetValue": True,
        "fairnessMetricsSet": "m",
        "fairnessThreshold": 0.8,
    },
    "batchMonitoring": {"enabled": False},
    "predictionsSettings": {"minComputes": 0, "maxComputes": 1, "resourceBundleId": "r"},
}


def test_full_settings_decode_into_drift_settings() -> None:
    settings = decode(FULL_SETTINGS, DriftTrackingSettings)
    assert settings.target_drift == TargetDriftSettings(enabled=True)
    assert settings.feature_drift == FeatureDriftSettings(
        enabled=True, feature_selection="auto", tracked_features=["age"]
    )
    assert settings.target_drift.enabled is True
    assert settings.feature_drift.enabled is True


@pytest.mark.parametrize(
    ("obj", "target", "feature"),
    [
        ({"targetDrift": {"enabled": False}, "featureDrift": {"enabled": True}}, False, True),
        ({"targetDrift": {"enabled": True}, "featureDrift": {"enabled": False}}, True, False),
        ({"targetDrift": {"enabled": True}}, True, False),
        ({}, False, False),
        ({"humility": {"enabled": True}}, False, False),
    ],
)
def test_drift_settings_sections(obj: dict[str, Any], target: bool, feature: bool) -> None:
    settings = decode(obj, DriftTrackingSettings)
    assert (settings.target_drift.enabled, settings.feature_drift.enabled) == (target, feature)


def test_feature_drift_optional_fields_accept_null() -> None:
    obj = {"featureDrift": {"enabled": True, "featureSelection": None, "trackedFeatures": None}}
    settings = decode(obj, DriftTrackingSettings)
    assert settings.feature_drift.tracked_features is None


def test_drift_settings_wrong_type_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="enabled"):
        decode({"targetDrift": {"enabled": "yes"}}, DriftTrackingSettings)


# --- §9 prediction servers ----------------------------------------------------------------


def test_prediction_server_page() -> None:
    body = {
        "count": 2,
        "next": None,
        "previous": None,
        "data": [
            {
                "id": "5c9ba71a79bffe18c00c6fd6",
                "url": "https://example.orm.datarobot.com",
                "datarobot-key": "7d13ed21-f277-e6cc-7f39-dfea5adeb331",
                "batchPredictions": {"processing": 0, "queued": 0},
            },
            {"id": None, "url": "https://shared.example.com", "datarobot-key": None},
        ],
    }
    page = decode(body, Page[PredictionServer])
    assert page.total_count is None
    assert page.data == [
        PredictionServer(
            id="5c9ba71a79bffe18c00c6fd6",
            url="https://example.orm.datarobot.com",
            datarobot_key="7d13ed21-f277-e6cc-7f39-dfea5adeb331",
        ),
        PredictionServer(id=None, url="https://shared.example.com", datarobot_key=None),
    ]


def test_prediction_server_requires_a_url() -> None:
    with pytest.raises(msgspec.ValidationError, match="url"):
        decode({"id": "x", "datarobot-key": "k"}, PredictionServer)


# --- §10 projects and models ----------------------------------------------------------------

PROJECT = {
    "id": "5c0a969859b00004ba52e41b",
    "projectName": "train.csv.zip",
    "projectDescription": None,
    "fileName": "train.csv.zip",
    "stage": "modeling",
    "autopilotMode": 0,
    "created": "2018-12-07T15:53:28.328000Z",
    "target": "is_bad",
    "targetType": "Binary",
    "metric": "LogLoss",
    "positiveClass": 1,
    "holdoutUnlocked": False,
    "maxTrainPct": 64,
    "maxTrainRows": 6400,
    "partition": {"cvMethod": "random", "validationType": "CV", "holdoutPct": 20, "reps": 5},
    "advancedOptions": {"blueprintThreshold": None},
    "useCase": {"id": "uc", "name": "churn"},
}


def test_project() -> None:
    project = decode(PROJECT, Project)
    assert project == Project(
        id="5c0a969859b00004ba52e41b",
        project_name="train.csv.zip",
        target="is_bad",
        target_type="Binary",
        metric="LogLoss",
        stage="modeling",
        positive_class=1,
        created=datetime(2018, 12, 7, 15, 53, 28, 328000, tzinfo=timezone.utc),
        file_name="train.csv.zip",
    )


def test_project_before_target_selection() -> None:
    obj = {
        "id": "p",
        "projectName": "new",
        "stage": "aim",
        "target": None,
        "targetType": None,
        "metric": None,
        "positiveClass": None,
        "created": None,
    }
    project = decode(obj, Project)
    assert (project.target, project.target_type, project.metric) == (None, None, None)


@pytest.mark.parametrize("positive_class", ["yes", 1, 1.5, True, None])
def test_project_positive_class_any_scalar(positive_class: Any) -> None:
    assert decode({"id": "p", "positiveClass": positive_class}, Project).positive_class == (
        positive_class
    )


MODEL = {
    "id": "5ade6476c2674e8b0ff688f7",
    "projectId": "5c0a969859b00004ba52e41b",
    "modelType": "Auto-tuned K-Nearest Neighbors Classifier (Minkowski Distance)",
    "modelCategory": "model",
    "modelFamily": "KNN",
    "modelNumber": 12,
    "blueprintId": "9e9d",
    "featurelistId": "fl",
    "featurelistName": "Informative Features",
    "processes": ["One-Hot Encoding", "Missing Values Imputed"],
    "samplePct": 79.911,
    "trainingRowCount": 712,
    "isFrozen": False,
    "isStarred": True,
    "parentModelId": None,
    "predictionThreshold": 0.5,
    "predictionThresholdReadOnly": False,
    "isTrainedIntoValidation": False,
    "isTrainedIntoHoldout": False,
    "monotonicIncreasingFeaturelistId": None,
    "monotonicDecreasingFeaturelistId": None,
    "supportsMonotonicConstraints": False,
    "supportsComposableMl": True,
    "trainingDuration": None,
    "trainingStartDate": None,
    "trainingEndDate": None,
    "metrics": {
        "AUC": {
            "validation": 0.87233,
            "crossValidation": 0.859652,
            "holdout": None,
            "backtesting": None,
            "backtestingScores": None,
        },
        "Rate@Top5%": {"validation": 0.9, "crossValidation": None, "holdout": None},
    },
}


def test_model() -> None:
    model = decode(MODEL, Model)
    assert model.id == "5ade6476c2674e8b0ff688f7"
    assert model.project_id == "5c0a969859b00004ba52e41b"
    assert model.model_type == "Auto-tuned K-Nearest Neighbors Classifier (Minkowski Distance)"
    assert model.model_category == "model"
    assert model.model_family == "KNN"
    assert model.model_number == 12
    assert model.blueprint_id == "9e9d"
    assert (model.featurelist_id, model.featurelist_name) == ("fl", "Informative Features")
    assert model.processes == ["One-Hot Encoding", "Missing Values Imputed"]
    assert model.sample_pct == pytest.approx(79.911)
    assert model.training_row_count == 712
    assert (model.is_frozen, model.is_starred) == (False, True)
    # metric names are kept as they are (no case conversion inside metrics)
    assert set(model.metrics) == {"AUC", "Rate@Top5%"}
    assert model.metrics["AUC"]["crossValidation"] == pytest.approx(0.859652)


def test_leaderboard_is_a_bare_array() -> None:
    models = decode([MODEL, {"id": "m2", "projectId": "p"}], list[Model])
    assert [m.id for m in models] == ["5ade6476c2674e8b0ff688f7", "m2"]
    assert models[1].metrics == {}
    assert models[1].processes == []


def test_model_requires_project_id() -> None:
    with pytest.raises(msgspec.ValidationError, match="projectId"):
        decode({"id": "m"}, Model)


def test_model_nullable_fields() -> None:
    obj = {
        "id": "m",
        "projectId": "p",
        "samplePct": None,
        "trainingRowCount": None,
        "modelNumber": None,
        "featurelistId": None,
    }
    model = decode(obj, Model)
    assert (model.sample_pct, model.training_row_count, model.model_number) == (None, None, None)


# --- model history --------------------------------------------------------------------------


def test_model_history_page() -> None:
    body = {
        "count": 2,
        "next": None,
        "previous": None,
        "data": [
            {
                "modelId": "m1",
                "reason": None,
                "startDate": "2025-01-01T00:00:00Z",
                "endDate": "2025-02-01T12:00:00.500000Z",
                "modelPackageId": "p1",
            },
            {
                "modelId": "m2",
                "reason": "ACCURACY",
                "startDate": "2025-02-01T12:00:00.500000Z",
                "endDate": None,
            },
        ],
    }
    page = decode(body, Page[ModelHistoryEntry])
    first, second = page.data
    assert first == ModelHistoryEntry(
        model_id="m1",
        model_package_id="p1",
        reason=None,
        start_date=utc(2025, 1, 1),
        end_date=datetime(2025, 2, 1, 12, 0, 0, 500000, tzinfo=timezone.utc),
    )
    assert second.reason == "ACCURACY"
    assert second.end_date is None


def test_model_history_requires_model_id() -> None:
    with pytest.raises(msgspec.ValidationError, match="modelId"):
        decode({"reason": None}, ModelHistoryEntry)


# --- cross-cutting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "obj"),
    [
        (Deployment, {"id": DEP_ID, "brandNewField": {"nested": [1, 2]}}),
        (Project, {"id": "p", "brandNewField": 1}),
        (Model, {"id": "m", "projectId": "p", "brandNewField": None}),
        (PredictionServer, {"url": "u", "brandNewField": True}),
        (ReplacementValidation, {"status": "passing", "brandNewField": "x"}),
        (ValidationCheck, {"status": "passing", "brandNewField": "x"}),
        (DriftTrackingSettings, {"brandNewSection": {"enabled": True}}),
        (HealthStatus, {"status": "passing", "brandNewField": 0}),
        (Tag, {"name": "n", "brandNewField": 0}),
        (ModelHistoryEntry, {"modelId": "m", "brandNewField": 0}),
    ],
)
def test_unknown_fields_are_ignored(type_: Any, obj: dict[str, Any]) -> None:
    decoded = decode(obj, type_)
    assert not hasattr(decoded, "brand_new_field")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-08-24T14:15:22Z", utc(2019, 8, 24, 14, 15, 22)),
        ("2019-04-22T04:03:45.000000Z", utc(2019, 4, 22, 4, 3, 45)),
        ("2019-04-22T06:03:45+02:00", utc(2019, 4, 22, 4, 3, 45)),
    ],
)
def test_timestamps(value: str, expected: datetime) -> None:
    usage = decode({"id": DEP_ID, "createdAt": value}, Deployment)
    assert usage.created_at == expected
