"""Version, projects, models and prediction servers; 404/405 and content types."""

from __future__ import annotations

import aiohttp

from aiodeploy.emulator import Emulator

from .helpers import call


async def test_version(emu: Emulator, session: aiohttp.ClientSession) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/version/")
    assert status == 200
    assert body["versionString"] == "2.38.0"
    assert body["major"] == 2


async def test_projects_are_a_bare_array(emu: Emulator, session: aiohttp.ClientSession) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/projects/")
    assert status == 200
    types = ["Binary", "Binary", "Regression", "Multiclass", "Regression"]
    assert [p["targetType"] for p in body] == types
    assert {p["target"] for p in body} == {"is_bad", "churn", "price", "species", "sales"}
    # the time-series project comes last and has a datetime partition
    assert [p["partition"].get("useTimeSeries", False) for p in body] == [False] * 4 + [True]
    _, _, page = await call(session, "GET", f"{emu.endpoint}/projects/?offset=1&limit=2")
    assert [p["id"] for p in page] == [p["id"] for p in body[1:3]]


async def test_project_and_models(emu: Emulator, session: aiohttp.ClientSession) -> None:
    project = emu.state.catalog.projects[3]
    status, _, body = await call(session, "GET", f"{emu.endpoint}/projects/{project.id}/")
    assert (status, body["projectName"], body["target"]) == (200, "Iris species", "species")
    status, _, models = await call(session, "GET", f"{emu.endpoint}/projects/{project.id}/models/")
    assert status == 200
    assert isinstance(models, list)
    assert len(models) == 5
    for model in models:
        for key in ("id", "projectId", "modelType", "modelCategory", "isFrozen", "blueprintId"):
            assert key in model
        assert "LogLoss" in model["metrics"]
    _, _, one = await call(
        session, "GET", f"{emu.endpoint}/projects/{project.id}/models/{models[0]['id']}/"
    )
    assert one == models[0]


async def test_models_order_by_metric(emu: Emulator, session: aiohttp.ClientSession) -> None:
    project = emu.state.catalog.projects[1]  # AUC: higher is better
    url = f"{emu.endpoint}/projects/{project.id}/models/?orderBy=-metric"
    _, _, models = await call(session, "GET", url)
    scores = [m["metrics"]["AUC"]["validation"] for m in models]
    assert scores == sorted(scores, reverse=True)


async def test_unknown_project_and_model(emu: Emulator, session: aiohttp.ClientSession) -> None:
    project = emu.state.catalog.projects[0]
    other_model = emu.state.catalog.models_of(emu.state.catalog.projects[1].id)[0]
    for url in (
        f"{emu.endpoint}/projects/{'0' * 24}/",
        f"{emu.endpoint}/projects/{'0' * 24}/models/",
        f"{emu.endpoint}/projects/{project.id}/models/{other_model.id}/",
    ):
        status, _, body = await call(session, "GET", url)
        assert status == 404
        assert "not found" in body["message"]


async def test_prediction_servers(emu: Emulator, session: aiohttp.ClientSession) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/predictionServers/")
    assert status == 200
    assert set(body) == {"count", "next", "previous", "data"}
    assert body["count"] == 2
    for server in body["data"]:
        assert set(server) == {"id", "url", "datarobot-key", "batchPredictions"}
    _, _, first = await call(session, "GET", f"{emu.endpoint}/predictionServers/?limit=1")
    assert first["next"].startswith(f"{emu.endpoint}/predictionServers/?")


async def test_unknown_routes_and_methods(emu: Emulator, session: aiohttp.ClientSession) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/nothing/here/")
    assert (status, body) == (404, {"message": "Not Found"})
    status, _, body = await call(session, "GET", f"{emu.url}/")
    assert status == 404
    status, headers, body = await call(session, "DELETE", f"{emu.endpoint}/version/")
    assert status == 405
    assert body == {"message": "Method Not Allowed"}
    assert "GET" in headers["Allow"]
