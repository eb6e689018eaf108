"""The emulator's settings families on the wire: rules, shapes, jobs and their edges."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from aiodeploy.emulator import Emulator
from aiodeploy.emulator._records import DeploymentRecord
from aiodeploy.emulator._settings import (
    association_id_columns,
    association_id_required,
    keeps_prediction_rows,
)

from .helpers import FakeClock, call

ENVIRONMENT = "60b012436635fc00909df555"


def _dep(emu: Emulator, index: int = 0) -> DeploymentRecord:
    return emu.state.live_deployments()[index]


def _series(emu: Emulator) -> DeploymentRecord:
    catalog = emu.state.catalog
    return emu.state.create_deployment(catalog.champion(catalog.projects[-1].id).id, "sales")


async def test_a_pending_change_counts_for_the_next_one(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    url = f"{emu.endpoint}/deployments/{_dep(emu).id}/settings/"
    storing = {"predictionsDataCollection": {"enabled": True}}
    assert (await call(session, "PATCH", url, json=storing))[0] == 202
    # not applied yet (the job runs), but DataRobot judges against it
    assert not keeps_prediction_rows(_dep(emu).settings)
    assert (await call(session, "PATCH", url, json={"challengerModels": {"enabled": True}}))[
        0
    ] == 202
    status, _, body = await call(
        session, "PATCH", url, json={"predictionsDataCollection": {"enabled": False}}
    )
    assert status == 422
    assert "cannot be turned off while challenger models are enabled" in body["message"]
    clock.advance(1.5)
    assert keeps_prediction_rows(_dep(emu).settings)
    assert _dep(emu).settings["challengerModels"] == {"enabled": True}


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"associationId": {"columnNames": ["a", "b"]}}, "Only one association ID column"),
        ({"associationId": {"requiredInPredictionRequests": True}}, "column name is required"),
        ({"predictionIntervals": {"enabled": True, "percentiles": [80]}}, "time series"),
        ({"predictionsByForecastDate": {"enabled": True}}, "time series"),
        ({"segmentAnalysis": {"enabled": True, "attributes": ["zodiac"]}}, "unknown: zodiac"),
        ({"biasAndFairness": {"protectedFeatures": ["zodiac"]}}, "features of the model"),
        ({"biasAndFairness": {"fairnessMetricsSet": "vibes"}}, "fairnessMetricsSet must be"),
        ({"biasAndFairness": {"fairnessThreshold": 1.5}}, "between 0 and 1"),
    ],
)
async def test_refused_changes_say_why(
    emu: Emulator, session: aiohttp.ClientSession, patch: dict[str, Any], reason: str
) -> None:
    url = f"{emu.endpoint}/deployments/{_dep(emu).id}/settings/"
    status, _, body = await call(session, "PATCH", url, json=patch)
    assert status == 422
    assert reason in body["message"]
    assert emu.state.jobs.started.get("settings", 0) == 0


async def test_association_id_is_what_predictions_will_read(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _dep(emu)
    url = f"{emu.endpoint}/deployments/{record.id}/settings/"
    patch = {"associationId": {"columnNames": ["id"], "requiredInPredictionRequests": True}}
    assert (await call(session, "PATCH", url, json=patch))[0] == 202
    clock.advance(1.5)
    assert association_id_columns(_dep(emu).settings) == ["id"]
    assert association_id_required(_dep(emu).settings)


async def test_fairness_is_for_binary_deployments(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    url = f"{emu.endpoint}/deployments/{_dep(emu, 2).id}/settings/"  # House prices
    patch = {"biasAndFairness": {"protectedFeatures": ["zipcode"]}}
    status, _, body = await call(session, "PATCH", url, json=patch)
    assert (status, "binary classification" in body["message"]) == (422, True)


async def test_time_series_intervals_need_their_computation(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _series(emu)
    model = emu.state.catalog.model(record.model_id)
    assert model is not None
    settings_url = f"{emu.endpoint}/deployments/{record.id}/settings/"
    patch = {"predictionIntervals": {"enabled": True, "percentiles": [80]}}
    status, _, body = await call(session, "PATCH", settings_url, json=patch)
    assert (status, "calculate them first" in body["message"]) == (422, True)
    two = {"predictionIntervals": {"enabled": True, "percentiles": [70, 80]}}
    assert (
        "one prediction interval"
        in (await call(session, "PATCH", settings_url, json=two))[2]["message"]
    )

    model_url = f"{emu.endpoint}/projects/{model.project_id}/models/{model.id}/predictionIntervals/"
    status, headers, _ = await call(session, "POST", model_url, json={"percentiles": [80]})
    assert status == 202
    job_url = headers["Location"]
    assert job_url.endswith(f"/projects/{model.project_id}/jobs/1/")
    status, _, job = await call(session, "GET", job_url)
    assert (status, job["status"], job["jobType"], job["url"]) == (
        200, "queue", "calculatePredictionIntervals", job_url,
    )  # fmt: skip
    clock.advance(0.3)
    assert (await call(session, "GET", job_url))[2]["status"] == "inprogress"
    clock.advance(1)
    status, headers, job = await call(session, "GET", job_url)
    assert (status, job["status"], headers["Location"]) == (303, "COMPLETED", model_url)
    assert (await call(session, "GET", model_url))[2]["data"] == [80]
    assert (await call(session, "PATCH", settings_url, json=patch))[0] == 202


@pytest.mark.parametrize("body", [{"percentiles": [80, 90]}, {"percentiles": [0]}, {}])
async def test_interval_computation_validates_its_body(
    emu: Emulator, session: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    model = emu.state.catalog.champion(emu.state.catalog.projects[-1].id)
    url = f"{emu.endpoint}/projects/{model.project_id}/models/{model.id}/predictionIntervals/"
    assert (await call(session, "POST", url, json=body))[0] == 422


async def test_project_jobs_can_be_cancelled_and_are_per_project(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    catalog = emu.state.catalog
    model = catalog.champion(catalog.projects[-1].id)
    url = f"{emu.endpoint}/projects/{model.project_id}/models/{model.id}/predictionIntervals/"
    job_url = (await call(session, "POST", url, json={"percentiles": [90]}))[1]["Location"]
    wrong = job_url.replace(model.project_id, catalog.projects[0].id)
    assert (await call(session, "GET", wrong))[0] == 404
    assert (await call(session, "GET", job_url.replace("/1/", "/x/")))[0] == 404
    assert (await call(session, "DELETE", job_url))[0] == 204
    assert (await call(session, "GET", job_url))[2]["status"] == "ABORTED"
    assert emu.state.intervals.computed(model.id) == set()
    bad = f"{emu.endpoint}/projects/{model.project_id}/models/{catalog.models[0].id}/"
    assert (await call(session, "POST", bad + "predictionIntervals/", json={}))[0] == 404


async def test_health_settings(emu: Emulator, session: aiohttp.ClientSession) -> None:
    url = f"{emu.endpoint}/deployments/{_dep(emu, 1).id}/healthSettings/"
    status, _, health = await call(session, "GET", url)
    assert (status, health["accuracy"]["metric"]) == (200, "AUC")
    assert set(health) == {
        "service", "dataDrift", "accuracy", "fairness", "customMetrics",
        "predictionsTimeliness", "actualsTimeliness",
    }  # fmt: skip
    condition = {"metricId": "m1", "compareOperator": "gt", "threshold": 3}
    patch = {"customMetrics": {"warningConditions": [condition]}, "fairness": {}}
    status, _, body = await call(session, "PATCH", url, json=patch)
    assert (status, body["customMetrics"]["warningConditions"]) == (200, [condition])
    for bad in (
        {},
        {"weather": {}},
        {"service": []},
        {"service": {"batchCount": True}},
        {"accuracy": {"measurement": "vibes"}},
        {"customMetrics": {"warningConditions": [{"threshold": 1}]}},
        {"customMetrics": {"failingConditions": "none"}},
        [],
    ):
        assert (await call(session, "PATCH", url, json=bad))[0] == 422, bad
    assert (await call(session, "GET", url + "defaults/"))[2]["customMetrics"] == {
        "warningConditions": [],
        "failingConditions": [],
    }


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"dataDrift": {"driftThreshold": -5}}, ("dataDrift", "driftThreshold")),
        ({"dataDrift": {"importanceThreshold": 1.5}}, ("dataDrift", "importanceThreshold")),
        ({"dataDrift": {"driftThreshold": "high"}}, ("dataDrift", "driftThreshold")),
        ({"accuracy": {"metric": "Bogus"}}, ("accuracy", "metric")),
        ({"accuracy": {"metric": "RMSE"}}, ("accuracy", "metric")),  # a regression metric
    ],
    ids=["negative-drift", "importance-over-1", "text", "unknown-metric", "other-target"],
)
async def test_health_values_out_of_range_are_refused(
    emu: Emulator, session: aiohttp.ClientSession, patch: dict[str, Any], field: tuple[str, str]
) -> None:
    """Values DataRobot refuses are a 422 naming the field, and change nothing."""
    record = _dep(emu, 1)  # a binary classification deployment
    url = f"{emu.endpoint}/deployments/{record.id}/healthSettings/"
    before = emu.state.config.health(record)
    status, _, body = await call(session, "PATCH", url, json=patch)
    section, key = field
    assert status == 422, body
    assert key in body["errors"][section]
    assert emu.state.config.health(record) == before
    fine = {
        "dataDrift": {"driftThreshold": 0, "importanceThreshold": 1},
        "accuracy": {"metric": "LogLoss"},
    }
    assert (await call(session, "PATCH", url, json=fine))[0] == 200


@pytest.mark.parametrize(
    "schedule",
    [
        {"minute": [60], "hour": [0], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]},
        {"minute": [0], "hour": [0], "dayOfMonth": ["*"], "month": ["*"]},
        {"minute": [0], "hour": [0], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": [],
         "x": 1},
        {"minute": [True], "hour": [0], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]},
        "daily",
    ],
)  # fmt: skip
async def test_replay_schedules_are_checked(
    emu: Emulator, session: aiohttp.ClientSession, schedule: Any
) -> None:
    url = f"{emu.endpoint}/deployments/{_dep(emu).id}/challengerReplaySettings/"
    body = {"enabled": False, "schedule": schedule}
    assert (await call(session, "PATCH", url, json=body))[0] == 422


async def test_accuracy_metrics_retraining_and_secondary_config(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    base = f"{emu.endpoint}/deployments/{_dep(emu, 3).id}"  # Iris: multiclass
    assert (await call(session, "GET", f"{base}/accuracyMetrics/"))[2]["data"][0] == "LogLoss"
    for bad in ({"data": []}, {"data": ["LogLoss", "LogLoss"]}, {"data": "AUC"}, {}):
        assert (await call(session, "PUT", f"{base}/accuracyMetrics/", json=bad))[0] == 422, bad
    url = f"{base}/retrainingSettings/"
    for bad in ({"datasetId": "nope"}, {"retrainingUserId": "5c939e08962d741e34f609f0"}):
        assert (await call(session, "PATCH", url, json=bad))[0] == 422, bad
    status, _, body = await call(
        session, "PATCH", url, json={"predictionEnvironmentId": ENVIRONMENT}
    )
    assert (status, body["predictionEnvironment"]["id"], body["dataset"]) == (
        200,
        ENVIRONMENT,
        None,
    )
    url = f"{base}/model/secondaryDatasetConfiguration/"
    assert (await call(session, "PATCH", url, json={"credentialsIds": []}))[0] == 422
    body = {"secondaryDatasetConfigId": ENVIRONMENT, "credentialsIds": ["x"]}
    assert (await call(session, "PATCH", url, json=body))[0] == 422
    body["credentialsIds"] = [ENVIRONMENT]
    assert (await call(session, "PATCH", url, json=body))[2] == {
        "secondaryDatasetConfigId": ENVIRONMENT
    }


async def test_challenger_edges(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _dep(emu)
    catalog = emu.state.catalog
    url = f"{emu.endpoint}/deployments/{record.id}/challengers/"
    enable = {"predictionsDataCollection": {"enabled": True}, "challengerModels": {"enabled": True}}
    await call(session, "PATCH", f"{emu.endpoint}/deployments/{record.id}/settings/", json=enable)
    clock.advance(1.5)
    package = catalog.models_of(catalog.projects[0].id)[2].package_id
    body = {"modelPackageId": package, "name": "glm", "predictionEnvironmentId": ENVIRONMENT}
    assert (await call(session, "POST", url, json={**body, "modelPackageId": "x" * 24}))[0] == 404
    assert (await call(session, "POST", url, json={**body, "name": " "}))[0] == 422
    locations = []
    for _ in range(5):
        status, headers, _ = await call(session, "POST", url, json=body)
        assert status == 202
        locations.append(headers["Location"])
    status, _, refused = await call(session, "POST", url, json=body)  # 5 are being created
    assert (status, "at most 5" in refused["message"]) == (422, True)
    clock.advance(1)
    status, headers, _ = await call(session, "GET", locations[0])
    assert status == 303
    challenger_url = headers["Location"]
    assert challenger_url.startswith(url)
    assert (await call(session, "GET", challenger_url))[2]["name"] == "glm"
    assert (await call(session, "PATCH", challenger_url, json={}))[0] == 422
    assert (await call(session, "GET", url))[2]["count"] == 5
    assert (await call(session, "DELETE", challenger_url))[0] == 204
    assert (await call(session, "GET", challenger_url))[0] == 404
    assert (await call(session, "DELETE", challenger_url))[0] == 404


async def test_a_challenger_of_a_deleted_deployment_never_appears(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _dep(emu)
    enable = {"predictionsDataCollection": {"enabled": True}, "challengerModels": {"enabled": True}}
    await call(session, "PATCH", f"{emu.endpoint}/deployments/{record.id}/settings/", json=enable)
    clock.advance(1.5)
    body = {
        "modelPackageId": record.package_id,
        "name": "same",
        "predictionEnvironmentId": ENVIRONMENT,
    }
    status, headers, _ = await call(
        session, "POST", f"{emu.endpoint}/deployments/{record.id}/challengers/", json=body
    )
    assert status == 202
    emu.state.delete_deployment(record)
    clock.advance(1)
    status, _, job = await call(session, "GET", headers["Location"])
    assert (status, job["status"]) == (200, "ERROR")
    assert emu.state.challengers.of(record) == []
