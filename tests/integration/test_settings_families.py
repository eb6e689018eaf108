"""Every settings family's typed get/update pair and the challenger calls, end to end
against the embedded emulator: one request per update (plus its job's polls), the server's
refusals as typed errors, and checks before any request."""

from __future__ import annotations

from typing import Any

import pytest

from aiodeploy import (
    AsyncDeploymentClient,
    CustomBoundaries,
    HealthSettings,
    Schedule,
    UnprocessableEntityError,
)
from aiodeploy.emulator import Emulator
from aiodeploy.emulator._state_config import EMULATOR_USER

ENVIRONMENT = "60b012436635fc00909df555"


def _mutations(emulator: Emulator) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for (method, route, _), count in emulator.state.stats.requests.items():
        if method in ("PATCH", "PUT", "POST", "DELETE"):
            found[method, route] = found.get((method, route), 0) + count
    return found


async def test_settings_route_families(client: AsyncDeploymentClient, emulator: Emulator) -> None:
    dep = emulator.state.live_deployments()[1]  # Customer churn (binary)
    assert (await client.get_association_id_settings(dep.id)).column_names is None
    found = await client.update_association_id_settings(dep.id, ["request_id"], True)
    assert (found.column_names, found.required_in_prediction_requests) == (["request_id"], True)

    assert not (await client.get_predictions_data_collection_settings(dep.id)).enabled
    assert (await client.update_predictions_data_collection_settings(dep.id, True)).enabled
    assert (await client.update_challenger_models_settings(dep.id, True)).enabled
    assert (await client.get_challenger_models_settings(dep.id)).enabled

    warning = await client.update_prediction_warning_settings(
        dep.id, True, use_default_boundaries=False, lower_boundary=0.1, upper_boundary=0.9
    )
    assert warning.custom_boundaries == CustomBoundaries(upper=0.9, lower=0.1)
    warning = await client.update_prediction_warning_settings(dep.id, True, True)
    assert (await client.get_prediction_warning_settings(dep.id)).custom_boundaries is None
    assert warning.enabled

    segments = await client.update_segment_analysis_settings(dep.id, True, ["contract"])
    assert segments.attributes == ["contract"]
    assert (await client.get_segment_analysis_settings(dep.id)).enabled

    fairness = await client.update_bias_and_fairness_settings(
        dep.id, ["contract"], "equalParity", 0.8, "yes"
    )
    assert (fairness.fairness_metrics_set, fairness.preferable_target_value) == (
        "equalParity", "yes",
    )  # fmt: skip
    assert (await client.get_bias_and_fairness_settings(dep.id)).fairness_threshold == 0.8
    # one PATCH per update, nothing else mutating
    assert _mutations(emulator) == {("PATCH", "/api/v2/deployments/{deployment_id}/settings/"): 7}
    assert emulator.state.stats.unexpected_errors == 0


async def test_the_server_says_why_it_refuses(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    dep = emulator.state.live_deployments()[0]
    with pytest.raises(UnprocessableEntityError, match="prediction row storage"):
        await client.update_challenger_models_settings(dep.id, True)
    with pytest.raises(UnprocessableEntityError, match="column name is required"):
        await client.update_association_id_settings(dep.id, required_in_prediction_requests=True)
    with pytest.raises(UnprocessableEntityError, match="time series"):
        await client.update_predictions_by_forecast_date_settings(dep.id, True, "date", "%Y")
    with pytest.raises(UnprocessableEntityError, match="time series"):
        await client.calculate_prediction_intervals(
            _project(emulator, dep.model_id), dep.model_id, 80
        )
    assert emulator.state.jobs.started.get("settings", 0) == 0


def _project(emulator: Emulator, model_id: str) -> str:
    model = emulator.state.catalog.model(model_id)
    assert model is not None
    return model.project_id


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("update_association_id_settings", {}),
        ("update_association_id_settings", {"column_names": "request_id"}),
        ("update_predictions_data_collection_settings", {"enabled": 1}),
        ("update_prediction_warning_settings",
         {"prediction_warning_enabled": True, "use_default_boundaries": False}),
        ("update_prediction_intervals_settings", {"percentiles": [80, 90]}),
        ("update_prediction_intervals_settings", {"percentiles": [100]}),
        ("update_predictions_by_forecast_date_settings",
         {"enable_predictions_by_forecast_date": True}),
        ("update_bias_and_fairness_settings",
         {"protected_features": [], "fairness_metric_set": "equalParity",
          "fairness_threshold": 2, "preferable_target_value": True}),
        ("update_health_settings", {}),
        ("update_health_settings", {"data_drift": {"drift_treshold": 0.1}}),
        ("update_accuracy_metrics_settings", {"accuracy_metrics": []}),
        ("update_challenger_replay_settings", {"enabled": True, "schedule": {"minute": [0]}}),
        ("update_retraining_settings", {}),
        ("update_retraining_settings", {"dataset_id": "a/b"}),
        ("update_secondary_dataset_config", {"secondary_dataset_config_id": ""}),
        ("update_drift_tracking_settings", {"target_drift_enabled": True, "max_wait": -1}),
    ],
)  # fmt: skip
async def test_bad_arguments_send_nothing(
    client: AsyncDeploymentClient, emulator: Emulator, call: str, kwargs: dict[str, Any]
) -> None:
    dep = emulator.state.live_deployments()[0]
    emulator.state.stats.clear()
    with pytest.raises((TypeError, ValueError)):
        await getattr(client, call)(dep.id, **kwargs)
    assert emulator.state.stats.request_count() == 0


async def test_time_series_intervals(client: AsyncDeploymentClient, emulator: Emulator) -> None:
    catalog = emulator.state.catalog
    champion = catalog.champion(catalog.projects[-1].id)
    dep = emulator.state.create_deployment(champion.id, "sales")
    found = await client.update_prediction_intervals_settings(dep.id, [80])
    assert (found.enabled, found.percentiles) == (True, [80])
    assert emulator.state.intervals.computed(champion.id) == {80}
    off = await client.update_prediction_intervals_settings(dep.id, [], enabled=False)
    assert (off.enabled, off.percentiles) == (False, [])
    forecast = await client.update_predictions_by_forecast_date_settings(dep.id, True, "date", "%Y")
    assert (forecast.column_name, forecast.datetime_format) == ("date", "%Y")
    assert (await client.get_predictions_by_forecast_date_settings(dep.id)).enabled
    await client.calculate_prediction_intervals(champion.project_id, champion.id, 90)
    assert emulator.state.intervals.computed(champion.id) == {80, 90}
    assert (await client.get_prediction_intervals_settings(dep.id)).percentiles == []


async def test_own_route_families(client: AsyncDeploymentClient, emulator: Emulator) -> None:
    dep = emulator.state.live_deployments()[2]  # House prices (regression)
    defaults = await client.get_default_health_settings(dep.id)
    assert isinstance(defaults, HealthSettings)
    assert defaults.accuracy.metric == "RMSE"
    health = await client.update_health_settings(
        dep.id,
        data_drift={"drift_threshold": 0.3},
        custom_metrics={"warning_conditions": [
            {"metric_id": "m1", "compare_operator": "gt", "threshold": 2}
        ]},
    )  # fmt: skip
    assert health.data_drift.drift_threshold == 0.3
    assert health.data_drift.batch_count == 5  # the keys left out keep their values
    assert health.custom_metrics.warning_conditions[0].metric_id == "m1"
    assert await client.get_health_settings(dep.id) == health

    assert await client.update_accuracy_metrics_settings(dep.id, ["MAE"]) == ["MAE"]
    assert await client.get_accuracy_metrics_settings(dep.id) == ["MAE"]
    with pytest.raises(UnprocessableEntityError, match="Regression"):
        await client.update_accuracy_metrics_settings(dep.id, ["AUC"])

    await client.update_predictions_data_collection_settings(dep.id, True)
    await client.update_challenger_models_settings(dep.id, True)
    schedule = Schedule(minute=[0], hour=[3], day_of_month=["*"], month=["*"], day_of_week=[1])
    replay = await client.update_challenger_replay_settings(dep.id, True, schedule)
    assert replay.schedule == schedule
    replay = await client.update_challenger_replay_settings(dep.id, False)
    assert (replay.enabled, replay.schedule) == (False, schedule)
    assert await client.get_challenger_replay_settings(dep.id) == replay

    assert (await client.get_retraining_settings(dep.id)).dataset is None
    found = await client.update_retraining_settings(
        dep.id, retraining_user_id=EMULATOR_USER["id"], dataset_id=ENVIRONMENT
    )
    assert found.retraining_user is not None
    assert found.retraining_user.username == EMULATOR_USER["username"]
    assert found.dataset is not None
    found = await client.update_retraining_settings(dep.id, dataset_id=None)
    assert (found.dataset, found.retraining_user is not None) == (None, True)

    assert (await client.get_secondary_dataset_config(dep.id)).secondary_dataset_config_id is None
    config = await client.update_secondary_dataset_config(dep.id, ENVIRONMENT, [ENVIRONMENT])
    assert config.secondary_dataset_config_id == ENVIRONMENT
    sync_routes = {
        ("PATCH", "/api/v2/deployments/{deployment_id}/healthSettings/"): 1,
        ("PUT", "/api/v2/deployments/{deployment_id}/accuracyMetrics/"): 2,
        ("PATCH", "/api/v2/deployments/{deployment_id}/challengerReplaySettings/"): 2,
        ("PATCH", "/api/v2/deployments/{deployment_id}/retrainingSettings/"): 2,
        ("PATCH", "/api/v2/deployments/{deployment_id}/model/secondaryDatasetConfiguration/"): 1,
    }
    assert {k: v for k, v in _mutations(emulator).items() if k in sync_routes} == sync_routes


async def test_challengers(client: AsyncDeploymentClient, emulator: Emulator) -> None:
    dep = emulator.state.live_deployments()[0]
    package = emulator.state.catalog.models_of(emulator.state.catalog.projects[0].id)[1]
    with pytest.raises(UnprocessableEntityError, match="not enabled"):
        await client.create_challenger(dep.id, package.package_id, ENVIRONMENT, "lgbm")
    await client.update_predictions_data_collection_settings(dep.id, True)
    await client.update_challenger_models_settings(dep.id, True)
    created = await client.create_challenger(dep.id, package.package_id, ENVIRONMENT, "lgbm")
    assert created.name == "lgbm"
    assert created.model_package is not None
    assert created.model_package.id == package.package_id
    assert [c.id for c in await client.list_challengers(dep.id)] == [created.id]
    assert await client.get_challenger(dep.id, created.id) == created
    await client.delete_challenger(dep.id, created.id)
    assert await client.list_challengers(dep.id) == []
    with pytest.raises(ValueError, match="name"):
        await client.create_challenger(dep.id, package.package_id, ENVIRONMENT, " ")
