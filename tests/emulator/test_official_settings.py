"""The official ``datarobot`` client's settings getters/updaters and challenger calls,
unchanged, against the emulator.

As in ``test_official_client.py``, each scenario runs in a worker thread and jobs take 0 s,
so that the client's first (immediate) status poll sees them done instead of sleeping 5 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import datarobot.client
import pytest
from datarobot.client import Client
from datarobot.errors import ClientError
from datarobot.models.deployment.challenger import Challenger
from datarobot.models.deployment.deployment import Deployment
from datarobot.models.model import DatetimeModel

from aiodeploy.emulator import Emulator, EmulatorState
from aiodeploy.emulator._state_config import EMULATOR_USER

from .helpers import TOKEN

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Using an empty collection for 'allowed_methods':FutureWarning"
    ),
    pytest.mark.filterwarnings("ignore:Client version is ahead of server version:UserWarning"),
]
ENVIRONMENT = "60b012436635fc00909df555"


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
    datarobot.client._global_client = None


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    async with Emulator(
        token=TOKEN,
        deployments=8,
        settings_seconds=0,
        creation_seconds=0,
        challenger_seconds=0,
        intervals_seconds=0,
    ) as emu:
        yield emu


async def _in_thread(emu: Emulator, scenario: Callable[[EmulatorState], Any]) -> Any:
    def run() -> Any:
        client = Client(token=TOKEN, endpoint=emu.endpoint)
        try:
            return scenario(emu.state)
        finally:
            client.close()

    result = await asyncio.to_thread(run)
    assert emu.state.stats.unexpected_errors == 0
    return result


async def test_settings_route_families(server: Emulator) -> None:
    record = server.state.live_deployments()[1]  # Customer churn: binary classification

    def scenario(state: EmulatorState) -> None:
        dep = Deployment.get(record.id)
        assert dep.get_association_id_settings() == {
            "column_names": None,
            "required_in_prediction_requests": False,
            "auto_generate_id": False,
        }
        with pytest.raises(ClientError) as refused:
            dep.update_association_id_settings(required_in_prediction_requests=True)
        assert refused.value.status_code == 422
        assert "column name is required" in str(refused.value)
        dep.update_association_id_settings(["request_id"], True)
        assert dep.get_association_id_settings()["column_names"] == ["request_id"]

        with pytest.raises(ClientError) as refused:
            dep.update_challenger_models_settings(True)
        assert "prediction row storage" in str(refused.value)
        dep.update_predictions_data_collection_settings(True)
        assert dep.get_predictions_data_collection_settings() == {"enabled": True}
        dep.update_challenger_models_settings(True)
        assert dep.get_challenger_models_settings() == {"enabled": True}

        dep.update_prediction_warning_settings(
            True, use_default_boundaries=False, lower_boundary=0.1, upper_boundary=0.9
        )
        warning = dep.get_prediction_warning_settings()
        assert warning == {"enabled": True, "custom_boundaries": {"upper": 0.9, "lower": 0.1}}
        dep.update_prediction_warning_settings(True, use_default_boundaries=True)
        assert dep.get_prediction_warning_settings() == {"enabled": True}  # null dropped

        dep.update_segment_analysis_settings(True, ["contract", "DataRobot-Consumer"])
        segments = dep.get_segment_analysis_settings()
        assert segments == {"enabled": True, "attributes": ["contract", "DataRobot-Consumer"]}
        with pytest.raises(ClientError, match="unknown: zodiac"):
            dep.update_segment_analysis_settings(True, ["zodiac"])

        dep.update_bias_and_fairness_settings(["contract"], "equalParity", 0.8, "yes")
        fairness = dep.get_bias_and_fairness_settings()
        assert fairness is not None
        assert fairness["protected_features"] == ["contract"]
        assert fairness["fairness_metrics_set"] == "equalParity"

        with pytest.raises(ClientError, match="only supported for time series"):
            dep.update_predictions_by_forecast_date_settings(True, "date", "%Y-%m-%d")
        with pytest.raises(ClientError, match="only supported for time series"):
            dep.update_prediction_intervals_settings([], enabled=True)
        assert dep.get_prediction_intervals_settings() == {"enabled": False, "percentiles": []}

    await _in_thread(server, scenario)
    settings = record.settings
    assert settings["challengerModels"] == {"enabled": True}
    assert settings["associationId"]["columnNames"] == ["request_id"]


async def test_time_series_intervals_and_forecast_date(server: Emulator) -> None:
    state = server.state
    project = state.catalog.projects[-1]
    champion = state.catalog.champion(project.id)
    record = state.create_deployment(champion.id, "sales-official")
    other = state.catalog.models_of(state.catalog.projects[0].id)[0]

    def scenario(state: EmulatorState) -> None:
        dep = Deployment.get(record.id)
        # computes the 80 % intervals for the model (a project job), then PATCHes settings
        dep.update_prediction_intervals_settings([80])
        assert dep.get_prediction_intervals_settings() == {"enabled": True, "percentiles": [80]}
        model = DatetimeModel(id=champion.id, project_id=project.id)
        assert model.get_calculated_prediction_intervals() == [80]
        with pytest.raises(ClientError) as refused:
            DatetimeModel(id=other.id, project_id=other.project_id).calculate_prediction_intervals(
                80
            )
        assert refused.value.status_code == 422
        dep.update_predictions_by_forecast_date_settings(True, "date", "%Y-%m-%d")
        forecast = dep.get_predictions_by_forecast_date_settings()
        assert forecast == {"enabled": True, "column_name": "date", "datetime_format": "%Y-%m-%d"}

    await _in_thread(server, scenario)
    assert state.intervals.computed(champion.id) == {80}


async def test_own_route_families(server: Emulator) -> None:
    record = server.state.live_deployments()[2]  # House prices: regression

    def scenario(state: EmulatorState) -> None:
        dep = Deployment.get(record.id)
        defaults = dep.get_default_health_settings()
        assert defaults["accuracy"]["metric"] == "RMSE"
        health = dep.update_health_settings(
            service={"batch_count": 10}, data_drift={"drift_threshold": 0.2}
        )
        assert health["service"] == {"batch_count": 10}
        assert health["data_drift"]["drift_threshold"] == 0.2
        assert dep.get_health_settings()["data_drift"]["batch_count"] == 5
        with pytest.raises(ClientError):
            dep.update_health_settings(service={"batch_count": 0})

        assert dep.get_accuracy_metrics_settings()[0] == "RMSE"
        assert dep.update_accuracy_metrics_settings(["MAE", "RMSE"]) == ["MAE", "RMSE"]
        with pytest.raises(ClientError, match="not available for a Regression"):
            dep.update_accuracy_metrics_settings(["AUC"])

        with pytest.raises(ClientError, match="requires challenger models"):
            dep.update_challenger_replay_settings(True)
        dep.update_predictions_data_collection_settings(True)
        dep.update_challenger_models_settings(True)
        schedule = {"minute": [30], "hour": [2], "day_of_month": ["*"], "month": ["*"],
                    "day_of_week": [1]}  # fmt: skip
        dep.update_challenger_replay_settings(True, schedule)  # type: ignore[arg-type]
        assert dep.get_challenger_replay_settings() == {"enabled": True, "schedule": schedule}

        assert dep.get_retraining_settings() == {}  # every item null, dropped by from_api
        dep.update_retraining_settings(
            retraining_user_id=EMULATOR_USER["id"], dataset_id="5c939e08962d741e34f609f0"
        )
        retraining = dep.get_retraining_settings()
        assert retraining["retraining_user"] == EMULATOR_USER
        assert retraining["dataset"]["id"] == "5c939e08962d741e34f609f0"
        dep.update_retraining_settings(dataset_id=None)
        assert "dataset" not in dep.get_retraining_settings()

        assert dep.get_secondary_dataset_config() is None
        assert dep.update_secondary_dataset_config("5df109112ca582033ff44084") == (
            "5df109112ca582033ff44084"
        )

    await _in_thread(server, scenario)


async def test_challengers(server: Emulator) -> None:
    record = server.state.live_deployments()[0]  # Loan defaults
    catalog = server.state.catalog
    package = catalog.models_of(catalog.projects[0].id)[1]
    foreign = catalog.models_of(catalog.projects[1].id)[1]

    def scenario(state: EmulatorState) -> None:
        dep = Deployment.get(record.id)
        assert dep.list_challengers() == []
        with pytest.raises(ClientError, match="not enabled"):
            Challenger.create(record.id, package.package_id, ENVIRONMENT, "lgbm")
        dep.update_predictions_data_collection_settings(True)
        dep.update_challenger_models_settings(True)
        created = Challenger.create(record.id, package.package_id, ENVIRONMENT, "lgbm")
        assert (created.name, created.model_package["id"]) == ("lgbm", package.package_id)
        with pytest.raises(ClientError, match="deployment's target"):
            Challenger.create(record.id, foreign.package_id, ENVIRONMENT, "churn model")
        listed = dep.list_challengers()
        assert [c.id for c in listed] == [created.id]
        listed[0].update(name="lgbm v2")
        assert Challenger.get(record.id, created.id).name == "lgbm v2"
        listed[0].delete()
        assert dep.list_challengers() == []

    await _in_thread(server, scenario)
