"""The official ``datarobot`` client, unchanged, against the emulator.

The client is synchronous, so each scenario runs in a worker thread while the emulator serves
on the test's event loop. Jobs take 0 s so that the client's first (immediate) status poll
sees them done instead of sleeping its fixed 5 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import datarobot.client
import pytest
from datarobot.client import Client
from datarobot.enums import MODEL_REPLACEMENT_REASON
from datarobot.errors import ClientError
from datarobot.models.deployment.deployment import Deployment
from datarobot.models.prediction_server import PredictionServer

from aiodeploy.emulator import Emulator, EmulatorState

from .helpers import TOKEN

pytestmark = [
    # datarobot/rest.py builds urllib3.Retry(allowed_methods={}), which urllib3 2.x deprecates
    pytest.mark.filterwarnings(
        "ignore:Using an empty collection for 'allowed_methods':FutureWarning"
    ),
    # the emulator reports API 2.38.0 (DataRobot's public fixture); client 3.20 expects 2.49
    pytest.mark.filterwarnings("ignore:Client version is ahead of server version:UserWarning"),
]
# The scenarios call the official client's deprecated methods on purpose (they are what
# existing user code calls); each test names exactly the deprecations it triggers.
_DEPRECATED = "ignore:`{}` has been deprecated:datarobot.errors.DataRobotDeprecationWarning"
_CREATE = pytest.mark.filterwarnings(_DEPRECATED.format("create_from_learning_model"))
_VALIDATE = pytest.mark.filterwarnings(_DEPRECATED.format("Deployment.validate_replacement_model"))
_REPLACE = pytest.mark.filterwarnings(_DEPRECATED.format("replace_model"))


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keep the developer's environment and drconfig.yaml out; drop the global client."""
    for name in (
        "DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE",
        "DATAROBOT_MAX_RETRIES", "DATAROBOT_DEFAULT_USE_CASE",
        "DATAROBOT_API_CONSUMER_TRACKING_ENABLED",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
    datarobot.client._global_client = None  # the client keeps its last instance module-wide


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    async with Emulator(
        token=TOKEN,
        deployments=105,
        replacement_seconds=0,
        settings_seconds=0,
        creation_seconds=0,
        status_seconds=0,
    ) as emu:
        yield emu


async def _in_thread(emu: Emulator, scenario: Callable[..., Any], **client_options: Any) -> Any:
    def run() -> Any:
        client = Client(token=TOKEN, endpoint=emu.endpoint, **client_options)
        try:
            return scenario(emu.state)
        finally:
            client.close()

    result = await asyncio.to_thread(run)
    assert emu.state.stats.unexpected_errors == 0
    return result


@_CREATE
async def test_create_list_get_delete(server: Emulator) -> None:
    def scenario(state: EmulatorState) -> None:
        assert len(Deployment.list()) == 105  # six pages of 20, followed through `next`
        model = state.catalog.models_of(state.catalog.projects[1].id)[1]
        server_id = PredictionServer.list()[0].id
        created = Deployment.create_from_learning_model(
            model.id, "churn-official", default_prediction_server_id=server_id
        )
        assert created.label == "churn-official"
        assert created.model is not None
        assert (created.model["id"], created.model["target_name"]) == (model.id, "churn")
        assert created.default_prediction_server is not None
        assert created.default_prediction_server["datarobot-key"]
        assert len(Deployment.list()) == 106
        found = Deployment.list(search="CHURN-OFF")
        assert [d.id for d in found] == [created.id]
        assert len(Deployment.list(search="churn")) == 27
        again = Deployment.get(created.id)
        assert again.service_health is not None
        assert (again.status, again.service_health["status"]) == ("active", "unknown")
        again.delete()
        with pytest.raises(ClientError) as exc:
            Deployment.get(created.id)
        assert exc.value.status_code == 404

    await _in_thread(server, scenario)
    deleted = server.state.deleted_deployments()
    assert [d.label for d in deleted] == ["churn-official"]


@_VALIDATE
@_REPLACE
async def test_validate_and_replace(server: Emulator) -> None:
    record = server.state.live_deployments()[0]
    candidates = server.state.replacement_candidates(record.id)

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        status, message, checks = deployment.validate_replacement_model(
            new_model_id=candidates.passing[0].id
        )
        assert status == "passing"
        assert message.startswith("Model can be used to replace")
        status, _, checks = deployment.validate_replacement_model(
            new_model_id=candidates.failing[0].id
        )
        assert status == "failing"
        assert checks["target"]["status"] == "failing"
        deployment.replace_model(candidates.passing[0].id, MODEL_REPLACEMENT_REASON.ACCURACY)
        assert deployment.model is not None
        assert deployment.model["id"] == candidates.passing[0].id

    # one variant without API-consumer tracking; the other tests use the default
    await _in_thread(server, scenario, enable_api_consumer_tracking=False)
    history = server.state.model_history(record.id)
    assert [(e.model_id, e.reason) for e in history] == [
        (candidates.current.id, None),
        (candidates.passing[0].id, "ACCURACY"),
    ]


async def test_perform_model_replace_with_a_package_id(server: Emulator) -> None:
    record = server.state.live_deployments()[1]
    warning = server.state.replacement_candidates(record.id).warning[0]

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        status, _, checks = deployment.validate_replacement_model(
            new_registered_model_version_id=warning.package_id
        )
        assert (status, checks["features"]["status"]) == ("warning", "warning")
        deployment.perform_model_replace(warning.package_id, MODEL_REPLACEMENT_REASON.DATA_DRIFT)
        assert deployment.model_package is not None
        assert deployment.model_package["id"] == warning.package_id
        assert deployment.model is not None
        assert deployment.model["id"] == warning.id

    await _in_thread(server, scenario)
    assert server.state.current_model(record.id).id == warning.id
    assert server.state.deployment(record.id).package_id == warning.package_id


async def test_drift_and_fairness_settings(server: Emulator) -> None:
    # a Loan defaults deployment: bias and fairness is for binary classification
    record = server.state.live_deployments()[4]

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        assert deployment.get_drift_tracking_settings() == {
            "target_drift": {"enabled": True},
            "feature_drift": {"enabled": True, "feature_selection": "auto", "tracked_features": []},
        }
        deployment.update_drift_tracking_settings(target_drift_enabled=False)
        settings = deployment.get_drift_tracking_settings()
        assert settings["target_drift"] == {"enabled": False}
        assert settings["feature_drift"]["enabled"] is True
        # built as "deployments//{id}/settings/"; Python's urljoin may collapse the "//"
        deployment.update_bias_and_fairness_settings(
            protected_features=["grade"],
            fairness_metric_set="equalParity",
            fairness_threshold=0.8,
            preferable_target_value=True,
        )
        fairness = deployment.get_bias_and_fairness_settings()
        assert fairness is not None
        assert fairness["protected_features"] == ["grade"]

    await _in_thread(server, scenario)
    assert record.settings["biasAndFairness"]["fairnessThreshold"] == 0.8


async def test_wrong_token_is_401(server: Emulator) -> None:
    def scenario() -> None:
        with pytest.raises(ClientError) as exc:
            Client(token="wrong", endpoint=server.endpoint)
        assert exc.value.status_code == 401

    await asyncio.to_thread(scenario)
