"""Model replacement, validation, model history, settings and status jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from aiodeploy.emulator import DeploymentRecord, Emulator

from .helpers import FakeClock, call


def _first(emu: Emulator, prefix: str = "credit-risk") -> DeploymentRecord:
    return next(d for d in emu.state.live_deployments() if d.label.startswith(prefix))


async def _replace(
    session: aiohttp.ClientSession, emu: Emulator, dep_id: str, model_id: str, reason: str
) -> tuple[int, dict[str, str], dict[str, Any]]:
    url = f"{emu.endpoint}/deployments/{dep_id}/model/"
    return await call(session, "PATCH", url, json={"modelId": model_id, "reason": reason})


async def test_validation_statuses(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = _first(emu)
    candidates = emu.state.replacement_candidates(record.id)
    assert [m.seed_role for m in candidates.passing] == ["compatible"] * 3
    assert [m.seed_role for m in candidates.warning] == ["extra-features"]
    url = f"{emu.endpoint}/deployments/{record.id}/model/validation/"
    expected = [
        (candidates.passing[0].id, "passing", None),
        (candidates.warning[0].id, "warning", "features"),
        (candidates.current.id, "failing", "notCurrentModel"),
    ]
    for model_id, status, check in expected:
        code, _, body = await call(session, "POST", url, json={"modelId": model_id})
        assert code == 200
        assert body["status"] == status
        assert body["message"]
        assert all(set(c) == {"status", "message"} for c in body["checks"].values())
        if check:
            assert body["checks"][check]["status"] == status
    # a registered model version is validated as the model it packages
    warning = candidates.warning[0]
    _, _, body = await call(session, "POST", url, json={"modelPackageId": warning.package_id})
    assert (body["status"], body["checks"]["features"]["status"]) == ("warning", "warning")
    assert "emp_length" in body["checks"]["features"]["message"]
    regression = emu.state.catalog.models_of(emu.state.catalog.projects[2].id)[0]
    _, _, body = await call(session, "POST", url, json={"modelPackageId": regression.package_id})
    assert body["status"] == "failing"
    for name in ("target", "targetType"):
        assert body["checks"][name]["status"] == "failing"
    # within a project the feature types agree: a model id is no model package id
    assert (await call(session, "POST", url, json={"modelPackageId": warning.id}))[0] == 404
    _, _, body = await call(session, "POST", url, json={"modelId": regression.id})
    assert body["status"] == "failing"
    for name in ("target", "targetType"):
        assert body["checks"][name]["status"] == "failing"
    churn = emu.state.catalog.models_of(emu.state.catalog.projects[1].id)[0]
    _, _, body = await call(session, "POST", url, json={"modelId": churn.id})
    assert body["checks"]["target"]["status"] == "failing"
    assert body["checks"]["targetType"]["status"] == "passing"
    assert body["checks"]["targetClasses"]["status"] == "failing"


async def test_validation_errors(emu: Emulator, session: aiohttp.ClientSession) -> None:
    url = f"{emu.endpoint}/deployments/{_first(emu).id}/model/validation/"
    assert (await call(session, "POST", url, json={"modelId": "f" * 24}))[0] == 404
    assert (await call(session, "POST", url, json={}))[0] == 422
    both = {"modelId": "a", "modelPackageId": "b"}
    assert (await call(session, "POST", url, json=both))[0] == 422
    missing = f"{emu.endpoint}/deployments/{'f' * 24}/model/validation/"
    assert (await call(session, "POST", missing, json={"modelId": "a"}))[0] == 404


async def test_replacement_flow_and_history(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _first(emu)
    old = record.model_id
    new = emu.state.replacement_candidates(record.id).passing[0]
    status, headers, body = await _replace(session, emu, record.id, new.id, "ACCURACY")
    assert status == 202
    assert body["status"] == "passing"
    location = headers["Location"]
    assert location.startswith(f"{emu.endpoint}/status/")
    # served at once, so predictions are never interrupted
    _, _, dep = await call(session, "GET", f"{emu.endpoint}/deployments/{record.id}/")
    assert dep["model"]["id"] == new.id
    _, _, history = await call(
        session, "GET", f"{emu.endpoint}/deployments/{record.id}/modelHistory/"
    )
    assert [h["modelId"] for h in history["data"]] == [old]
    status, _, job = await call(session, "GET", location)
    assert (status, job["status"], job["statusId"]) == (200, "INITIALIZED", location.split("/")[-2])
    assert set(job) == {
        "statusId",
        "status",
        "message",
        "code",
        "created",
        "description",
        "statusType",
    }
    clock.advance(0.5)
    assert (await call(session, "GET", location))[2]["status"] == "RUNNING"
    clock.advance(0.5)
    status, done, _ = await call(session, "GET", location)
    assert status == 303
    assert done["Location"] == f"{emu.endpoint}/deployments/{record.id}/"
    _, _, history = await call(
        session, "GET", f"{emu.endpoint}/deployments/{record.id}/modelHistory/"
    )
    assert history["totalCount"] == 2
    first, second = history["data"]
    assert (first["modelId"], first["reason"]) == (old, None)
    assert (second["modelId"], second["reason"], second["endDate"]) == (new.id, "ACCURACY", None)
    assert first["endDate"] == second["startDate"]
    assert [e.model_id for e in emu.state.model_history(record.id)] == [old, new.id]


async def test_replacement_refusals(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _first(emu)
    candidates = emu.state.replacement_candidates(record.id)
    failing = candidates.failing[0]
    status, _, body = await _replace(session, emu, record.id, failing.id, "ACCURACY")
    assert status == 422
    assert body["status"] == "failing"
    assert body["checks"]["target"]["status"] == "failing"
    assert emu.state.current_model(record.id).id == candidates.current.id
    status, _, body = await _replace(session, emu, record.id, candidates.passing[0].id, "BORED")
    assert (status, list(body["errors"])) == (422, ["reason"])
    status, _, _ = await _replace(session, emu, record.id, "f" * 24, "OTHER")
    assert status == 404
    status, _, _ = await _replace(session, emu, "f" * 24, candidates.passing[0].id, "OTHER")
    assert status == 404
    # a second replacement while one runs is a conflict pointing at the running job
    status, headers, _ = await _replace(session, emu, record.id, candidates.passing[0].id, "OTHER")
    assert status == 202
    status, conflict, body = await _replace(
        session, emu, record.id, candidates.warning[0].id, "DEPRECATION"
    )
    assert status == 409
    assert conflict["Location"] == headers["Location"]
    clock.advance(1)
    status, _, _ = await _replace(session, emu, record.id, candidates.warning[0].id, "DEPRECATION")
    assert status == 202


async def test_failed_replacement_rolls_back(
    emulators: Callable[..., Awaitable[Emulator]],
    session: aiohttp.ClientSession,
    clock: FakeClock,
) -> None:
    emu = await emulators(deployments=4, clock=clock, faults="job_error=1")
    record = _first(emu)
    old = record.model_id
    new = emu.state.replacement_candidates(record.id).passing[0]
    _, headers, _ = await _replace(session, emu, record.id, new.id, "ACCURACY")
    assert emu.state.current_model(record.id).id == new.id
    clock.advance(1)
    status, _, job = await call(session, "GET", headers["Location"])
    assert (status, job["status"], job["code"]) == (200, "ERROR", 1)
    assert old in job["message"]
    assert emu.state.current_model(record.id).id == old
    assert [e.model_id for e in emu.state.model_history(record.id)] == [old]
    assert emu.state.jobs.finished == {"replace:ERROR": 1}


async def test_hanging_job_and_cancel(
    emulators: Callable[..., Awaitable[Emulator]],
    session: aiohttp.ClientSession,
    clock: FakeClock,
) -> None:
    emu = await emulators(deployments=4, clock=clock, faults="job_hang=1", status_retry_after=1.5)
    record = _first(emu)
    old = record.model_id
    new = emu.state.replacement_candidates(record.id).passing[0]
    _, headers, _ = await _replace(session, emu, record.id, new.id, "ACCURACY")
    clock.advance(3600)
    status, job_headers, job = await call(session, "GET", headers["Location"])
    assert (status, job["status"], job_headers["Retry-After"]) == (200, "INITIALIZED", "2")
    _, _, running = await call(session, "GET", f"{emu.endpoint}/status/")
    assert [j["statusId"] for j in running["data"]] == [job["statusId"]]
    assert (await call(session, "DELETE", headers["Location"]))[0] == 204
    assert (await call(session, "GET", headers["Location"]))[0] == 404
    assert (await call(session, "DELETE", headers["Location"]))[0] == 404
    assert emu.state.current_model(record.id).id == old


async def test_settings_flow(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _first(emu)
    url = f"{emu.endpoint}/deployments/{record.id}/settings/"
    status, _, settings = await call(session, "GET", url)
    assert status == 200
    for section in (
        "targetDrift", "featureDrift", "associationId", "predictionsDataCollection",
        "predictionIntervals", "predictionWarning", "challengerModels", "segmentAnalysis",
        "humility", "biasAndFairness",
    ):  # fmt: skip
        assert section in settings
    assert settings["targetDrift"] == {"enabled": True}
    patch = {
        "targetDrift": {"enabled": False},
        "predictionWarning": {
            "enabled": True,
            "customBoundaries": {"lowerBoundary": 0, "upperBoundary": 9},
        },
    }
    status, headers, body = await call(session, "PATCH", url, json=patch)
    assert (status, body) == (202, None)
    assert (await call(session, "GET", url))[2]["targetDrift"] == {"enabled": True}
    clock.advance(1)
    assert (await call(session, "GET", headers["Location"]))[0] == 303
    _, _, after = await call(session, "GET", url)
    assert after["targetDrift"] == {"enabled": False}
    assert after["featureDrift"] == settings["featureDrift"]
    assert after["predictionWarning"]["customBoundaries"] == {"upper": 9, "lower": 0}


async def test_settings_double_slash_path(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = _first(emu)
    url = f"{emu.endpoint}/deployments//{record.id}/settings/"
    status, _, body = await call(session, "GET", url)
    assert (status, body["biasAndFairness"]["protectedFeatures"]) == (200, [])
    patch = {"biasAndFairness": {"protectedFeatures": ["grade"], "fairnessThreshold": 0.8}}
    assert (await call(session, "PATCH", url, json=patch))[0] == 202


@pytest.mark.parametrize(
    "patch",
    [
        {"targetDrift": {"enabled": "yes"}},
        {"targetDrift": {"enabled": True, "colour": 1}},
        {"teleport": {"enabled": True}},
        {"featureDrift": []},
        {"predictionWarning": {"customBoundaries": {"top": 1}}},
        ["targetDrift"],
    ],
)
async def test_settings_validation(
    emu: Emulator, session: aiohttp.ClientSession, patch: object
) -> None:
    url = f"{emu.endpoint}/deployments/{_first(emu).id}/settings/"
    status, _, body = await call(session, "PATCH", url, json=patch)
    assert status == 422
    assert body["errors"]


async def test_status_change(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = next(d for d in emu.state.live_deployments() if d.status == "active")
    url = f"{emu.endpoint}/deployments/{record.id}/status/"
    status, headers, _ = await call(session, "PATCH", url, json={"status": "inactive"})
    assert status == 202
    clock.advance(1)
    status, done, _ = await call(session, "GET", headers["Location"])
    assert (status, done["Location"]) == (303, f"{emu.endpoint}/deployments/{record.id}/")
    assert (await call(session, "GET", done["Location"]))[2]["status"] == "inactive"
    assert (await call(session, "PATCH", url, json={"status": "paused"}))[0] == 422


async def test_job_of_deleted_deployment_errors(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    record = _first(emu)
    url = f"{emu.endpoint}/deployments/{record.id}/"
    _, headers, _ = await call(session, "PATCH", f"{url}status/", json={"status": "inactive"})
    assert (await call(session, "DELETE", url))[0] == 204
    clock.advance(1)
    _, _, job = await call(session, "GET", headers["Location"])
    assert job["status"] == "ERROR"


async def test_thousands_of_concurrent_jobs(
    emulators: Callable[..., Awaitable[Emulator]], clock: FakeClock
) -> None:
    emu = await emulators(deployments=3000, clock=clock, replacement_seconds=(1, 5))
    state = emu.state
    for record in state.live_deployments():
        state.start_replacement(record, state.replacement_candidates(record.id).passing[0], "OTHER")
    assert len(state.jobs.pending()) == 3000
    clock.advance(5)
    state.advance()
    assert state.jobs.pending() == []
    assert state.jobs.finished == {"replace:COMPLETED": 3000}
    assert all(len(d.history) == 2 for d in state.live_deployments())
