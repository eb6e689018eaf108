"""The pure diff of desired settings against what was read, and the requests it makes."""

from __future__ import annotations

from typing import Any

import pytest

from aiodeploy import (
    AssociationIdSettings,
    ChallengerReplaySettings,
    CustomBoundaries,
    HealthSettings,
    PredictionWarningSettings,
    RetrainingSettings,
    Schedule,
    SecondaryDatasetConfig,
    SettingsDocument,
)
from aiodeploy._families import FAMILIES, Readings, Route
from aiodeploy._families_checks import camel_keys, snake_keys
from aiodeploy._settings_diff import FieldChange, diff_settings, requests_for, same


def _readings(**kwargs: Any) -> Readings:
    return Readings(
        settings=SettingsDocument(**kwargs),
        health=HealthSettings(),
        accuracy=["LogLoss"],
        retraining=RetrainingSettings(),
        replay=ChallengerReplaySettings(),
        secondary=SecondaryDatasetConfig(),
    )


@pytest.mark.parametrize(
    ("desired", "current", "expected"),
    [
        (True, True, True),
        (True, 1, False),  # a bool is not a number
        (1, 1.0, True),
        ([1, 2], [2, 1], False),  # lists in order
        ({"a": 1}, {"a": 1, "b": 2}, True),  # objects on the keys given
        ({"a": {"b": 1}}, {"a": {"b": 2}}, False),
        ({"a": 1}, None, False),
        ([{"m": 1}], [{"m": 1, "n": None}], True),
        (None, None, True),
        ("x", None, False),
    ],
)
def test_same(desired: Any, current: Any, expected: bool) -> None:
    assert same(desired, current) is expected


def test_nothing_differs_nothing_to_send() -> None:
    readings = _readings(association_id=AssociationIdSettings(column_names=["id"]))
    desired = {"association_id": {"column_names": ["id"]}, "accuracy_metrics": {
        "accuracy_metrics": ["LogLoss"]}}  # fmt: skip
    assert diff_settings(desired, readings) == []
    assert requests_for([]) == []


def test_only_the_differing_fields_are_reported_and_the_others_kept() -> None:
    readings = _readings(association_id=AssociationIdSettings(
        column_names=["id"], required_in_prediction_requests=False))  # fmt: skip
    desired = {"association_id": {"column_names": ["id"], "required_in_prediction_requests": True}}
    (change,) = diff_settings(desired, readings)
    assert change.fields == (FieldChange("required_in_prediction_requests", False, True),)
    assert change.values == {"column_names": ["id"], "required_in_prediction_requests": True}


def test_settings_families_go_in_one_patch_the_others_one_each() -> None:
    readings = _readings()
    desired = {
        "drift_tracking": {"target_drift_enabled": True},
        "predictions_data_collection": {"enabled": True},
        "challenger_models": {"challenger_models_enabled": True},
        "health": {"service": {"batch_count": 9}},
        "accuracy_metrics": {"accuracy_metrics": ["AUC"]},
        "retraining": {"dataset_id": "5c939e08962d741e34f609f0"},
    }
    changes = diff_settings(desired, readings)
    assert [c.family for c in changes] == list(desired)
    requests = {r.route: r for r in requests_for(changes)}
    assert list(requests) == [Route.SETTINGS, Route.HEALTH, Route.ACCURACY, Route.RETRAINING]
    settings = requests[Route.SETTINGS]
    assert settings.families == ("drift_tracking", "predictions_data_collection",
                                 "challenger_models")  # fmt: skip
    assert settings.body == {
        "targetDrift": {"enabled": True},
        "featureDrift": {"enabled": False},
        "predictionsDataCollection": {"enabled": True},
        "challengerModels": {"enabled": True},
    }
    # health is sent section by section, the section's other keys kept as read
    assert requests[Route.HEALTH].body == {"service": {"batchCount": 9}}
    assert requests[Route.ACCURACY].body == {"data": ["AUC"]}
    assert requests[Route.RETRAINING].body == {
        "retrainingUserId": None,
        "datasetId": "5c939e08962d741e34f609f0",
        "predictionEnvironmentId": None,
    }


def test_objects_are_compared_on_the_keys_given_and_shown_so() -> None:
    readings = Readings(health=_health())
    (change,) = diff_settings({"health": {"data_drift": {"drift_threshold": 0.3}}}, readings)
    assert change.fields == (FieldChange("data_drift", {"drift_threshold": 0.15},
                                         {"drift_threshold": 0.3}),)  # fmt: skip
    assert change.values["data_drift"]["batch_count"] == 5
    assert diff_settings({"health": {"data_drift": {"batch_count": 5}}}, readings) == []


def _health() -> HealthSettings:
    import msgspec

    wire = {"dataDrift": {"driftThreshold": 0.15, "batchCount": 5}}
    return msgspec.json.decode(msgspec.json.encode(wire), type=HealthSettings)


def test_prediction_warning_boundaries() -> None:
    readings = _readings(prediction_warning=PredictionWarningSettings(
        enabled=True, custom_boundaries=CustomBoundaries(upper=9, lower=1)))  # fmt: skip
    desired = {"prediction_warning": {"use_default_boundaries": False, "lower_boundary": 1,
                                      "upper_boundary": 9}}  # fmt: skip
    assert diff_settings(desired, readings) == []
    (change,) = diff_settings({"prediction_warning": {"use_default_boundaries": True}}, readings)
    assert requests_for([change])[0].body == {
        "predictionWarning": {"enabled": True, "customBoundaries": None}
    }
    (change,) = diff_settings({"prediction_warning": {"upper_boundary": 10,
                                                      "use_default_boundaries": False,
                                                      "lower_boundary": 1}}, readings)  # fmt: skip
    assert requests_for([change])[0].body["predictionWarning"]["customBoundaries"] == {
        "upper": 10,
        "lower": 1,
    }


def test_replay_schedules_and_write_only_fields() -> None:
    schedule = Schedule(minute=[0], hour=[1], day_of_month=["*"], month=["*"], day_of_week=["*"])
    readings = Readings(
        replay=ChallengerReplaySettings(enabled=True, schedule=schedule),
        secondary=SecondaryDatasetConfig(secondary_dataset_config_id="c" * 24),
    )
    desired = {
        "challenger_replay": {"schedule": {"minute": [0], "hour": [1], "day_of_month": ["*"],
                                           "month": ["*"], "day_of_week": ["*"]}},
        "secondary_dataset_config": {"secondary_dataset_config_id": "c" * 24,
                                     "credential_ids": ["d" * 24]},
    }  # fmt: skip
    assert diff_settings(desired, readings) == []  # credential ids cannot be compared
    desired["secondary_dataset_config"]["secondary_dataset_config_id"] = "e" * 24
    (change,) = diff_settings(desired, readings)
    assert requests_for([change])[0].body == {
        "secondaryDatasetConfigId": "e" * 24,
        "credentialsIds": ["d" * 24],
    }


def test_key_case_conversions_round_trip() -> None:
    data = {"day_of_week": [1], "warning_conditions": [{"metric_id": "m"}]}
    assert camel_keys(data) == {"dayOfWeek": [1], "warningConditions": [{"metricId": "m"}]}
    assert snake_keys(camel_keys(data)) == data


def test_every_family_has_fields_and_a_route() -> None:
    assert len(FAMILIES) == 14
    for family in FAMILIES.values():
        assert family.fields
        assert family.route in Route
