"""Registry, model package and prediction environment routes against the contract."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from aiodeploy.emulator import Emulator

from .helpers import FakeClock, call

_VERSION_KEYS = {
    "id", "registeredModelId", "registeredModelVersion", "name", "modelId",
    "modelExecutionType", "isArchived", "importMeta", "sourceMeta", "modelKind", "target",
    "modelDescription", "datasets", "timeseries", "isDeprecated", "permissions",
    "activeDeploymentCount", "buildStatus",
}  # fmt: skip


async def test_registered_models_list_filters_and_pages(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    url = f"{emu.endpoint}/registeredModels/"
    status, _, page = await call(session, "GET", url, params={"limit": "2"})
    projects = len(emu.state.catalog.projects)
    assert (status, page["count"], page["totalCount"]) == (200, 2, projects)
    assert page["next"] is not None
    assert page["data"][0]["name"] == "Loan defaults"
    _, _, page = await call(
        session, "GET", url, params={"sortKey": "name", "sortDirection": "desc"}
    )
    assert [r["name"] for r in page["data"]] == [
        "Store sales forecast", "Loan defaults", "Iris species", "House prices",
        "Customer churn",
    ]  # fmt: skip
    _, _, page = await call(session, "GET", url, params={"search": "species"})
    assert [r["target"] for r in page["data"]] == [{"name": "species", "type": "Multiclass"}]
    churn = emu.state.catalog.models_of(emu.state.catalog.projects[1].id)[2]
    _, _, page = await call(
        session, "GET", url, params={"compatibleWithLeaderboardModelId": churn.id}
    )
    assert [r["name"] for r in page["data"]] == ["Customer churn"]
    _, _, page = await call(
        session, "GET", url, params={"compatibleWithModelPackageId": churn.package_id}
    )
    assert [r["name"] for r in page["data"]] == ["Customer churn"]
    _, _, page = await call(session, "GET", url, params={"imported": "true"})
    assert page["data"] == []
    status, _, body = await call(session, "GET", url, params={"sortKey": "size"})
    assert (status, list(body["message"])) == (400, ["sortKey"])
    status, _, body = await call(session, "GET", f"{url}{'f' * 24}/")
    assert (status, body) == (404, {"message": "Registered model not found."})


async def test_versions_and_their_deployments(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    registered = next(iter(emu.state.registry.registered.values()))
    base = f"{emu.endpoint}/registeredModels/{registered.id}"
    _, _, page = await call(session, "GET", f"{base}/versions/")
    versions = page["data"]
    assert [v["registeredModelVersion"] for v in versions] == [1, 2, 3, 4, 5]
    assert all(set(v) >= _VERSION_KEYS for v in versions)
    assert versions[0]["target"]["classNames"] == ["0", "1"]
    _, _, page = await call(session, "GET", f"{base}/versions/", params={"sortDirection": "desc"})
    assert page["data"][0]["registeredModelVersion"] == 5
    status, _, one = await call(session, "GET", f"{base}/versions/{versions[0]['id']}/")
    assert (status, one) == (200, versions[0])
    other = emu.state.catalog.models[-1].package_id  # a version of another registered model
    status, _, body = await call(session, "GET", f"{base}/versions/{other}/")
    assert (status, body) == (404, {"message": "Registered model version not found."})
    status, _, same = await call(session, "GET", f"{emu.endpoint}/modelPackages/{one['id']}/")
    assert (status, same) == (200, one)
    # the credit-risk deployments serve version 1; one moves to version 2 and stays listed
    credit = [d for d in emu.state.live_deployments() if d.label.startswith("credit-risk")]
    _, _, page = await call(session, "GET", f"{base}/deployments/")
    assert {d["id"] for d in page["data"]} == {d.id for d in credit}
    replaced = credit[0]
    body = {"modelPackageId": versions[1]["id"], "reason": "ACCURACY"}
    url = f"{emu.endpoint}/deployments/{replaced.id}/model/"
    assert (await call(session, "PATCH", url, json=body))[0] == 202
    _, _, page = await call(session, "GET", f"{base}/versions/{versions[0]['id']}/deployments/")
    moved = next(d for d in page["data"] if d["id"] == replaced.id)
    assert (moved["currentlyDeployed"], moved["registeredModelVersion"]) == (False, 1)
    _, _, page = await call(
        session, "GET", f"{base}/deployments/", params={"search": replaced.label}
    )
    assert page["data"][0]["registeredModelVersion"] == 2
    assert page["data"][0]["predictionEnvironment"]["platform"] == "datarobot"


async def test_register_a_leaderboard_model(emu: Emulator, session: aiohttp.ClientSession) -> None:
    url = f"{emu.endpoint}/modelPackages/fromLeaderboard/"
    model = emu.state.catalog.models[1]
    body = {"modelId": model.id, "name": "gbm-es", "tags": [{"name": "stage", "value": "dev"}]}
    status, _, version = await call(session, "POST", url, json=body)
    assert status == 201
    assert (version["name"], version["modelId"], version["buildStatus"]) == (
        "gbm-es", model.id, "complete",
    )  # fmt: skip
    assert version["id"] not in (model.id, model.package_id)
    assert [(t["name"], t["value"]) for t in version["tags"]] == [("stage", "dev")]
    registered = emu.state.registry.registered_model(version["registeredModelId"])
    assert registered is not None
    assert (registered.name, registered.versions) == ("gbm-es", [version["id"]])
    again = {"modelId": emu.state.catalog.models[2].id, "registeredModelId": registered.id}
    status, _, second = await call(session, "POST", url, json=again)
    assert (status, second["registeredModelVersion"]) == (201, 2)
    refusals = [
        ({"modelId": "f" * 24}, 404),
        ({"modelId": model.id, "registeredModelId": "f" * 24}, 404),
        (
            {"modelId": model.id, "registeredModelId": registered.id, "registeredModelName": "x"},
            422,
        ),
        ({"modelId": model.id, "registeredModelName": "gbm-es"}, 422),  # the name is taken
        ({"modelId": model.id, "predictionThreshold": 2}, 422),
        ({"modelId": model.id, "tags": [{"name": "x"}]}, 422),
        ({"name": "no model"}, 422),
    ]
    for payload, expected in refusals:
        assert (await call(session, "POST", url, json=payload))[0] == expected, payload
    # versions of a registered model share its target
    house = emu.state.catalog.models_of(emu.state.catalog.projects[2].id)[0]
    status, _, body = await call(
        session, "POST", url, json={"modelId": house.id, "registeredModelId": registered.id}
    )
    assert status == 422
    assert "'price'" in body["message"]


async def test_slow_builds_are_refused_until_complete(
    emulators: Callable[..., Awaitable[Emulator]],
    session: aiohttp.ClientSession,
    clock: FakeClock,
) -> None:
    emu = await emulators(deployments=4, clock=clock, package_build_seconds=30)
    record = emu.state.live_deployments()[0]
    model = emu.state.replacement_candidates(record.id).passing[0]
    url = f"{emu.endpoint}/modelPackages/fromLeaderboard/"
    _, _, version = await call(session, "POST", url, json={"modelId": model.id})
    assert version["buildStatus"] == "inProgress"
    check = f"{emu.endpoint}/deployments/{record.id}/model/validation/"
    _, _, report = await call(session, "POST", check, json={"modelPackageId": version["id"]})
    assert report["status"] == "failing"
    assert "inProgress" in report["checks"]["modelStatus"]["message"]
    deploy = {"modelPackageId": version["id"], "label": "too early"}
    create = f"{emu.endpoint}/deployments/fromModelPackage/"
    assert (await call(session, "POST", create, json=deploy))[0] == 422
    clock.advance(30)
    path = f"{emu.endpoint}/modelPackages/{version['id']}/"
    assert (await call(session, "GET", path))[2]["buildStatus"] == "complete"
    assert (await call(session, "POST", create, json=deploy))[0] == 202


async def test_deploy_a_version(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    url = f"{emu.endpoint}/deployments/fromModelPackage/"
    version = emu.state.catalog.models[3]
    environments = emu.state.environments.all
    status, headers, body = await call(
        session, "POST", url, json={"modelPackageId": version.package_id, "label": "default"}
    )
    assert (status, set(body)) == (202, {"id"})
    assert headers["Location"].startswith(f"{emu.endpoint}/status/")
    clock.advance(1)
    _, _, created = await call(session, "GET", f"{emu.endpoint}/deployments/{body['id']}/")
    assert created["model"]["id"] == version.id
    assert created["modelPackage"]["id"] == version.package_id
    first = emu.state.catalog.prediction_servers[0]
    assert created["defaultPredictionServer"]["id"] == first.id
    assert created["predictionEnvironment"]["id"] == first.environment_id
    serverless = {"modelPackageId": version.package_id, "label": "sl",
                  "predictionEnvironmentId": environments[2].id}  # fmt: skip
    _, _, body = await call(session, "POST", url, json=serverless)
    clock.advance(1)
    _, _, created = await call(session, "GET", f"{emu.endpoint}/deployments/{body['id']}/")
    assert created["defaultPredictionServer"] is None
    assert created["predictionEnvironment"]["platform"] == "datarobotServerless"
    both = {**serverless, "defaultPredictionServerId": first.id}
    refusals = [
        (both, 422),
        ({**serverless, "predictionEnvironmentId": environments[3].id}, 422),  # external only
        ({**serverless, "predictionEnvironmentId": "f" * 24}, 404),
        (
            {
                "modelPackageId": version.package_id,
                "label": "x",
                "defaultPredictionServerId": "f" * 24,
            },
            404,
        ),
        ({"modelPackageId": version.id, "label": "a model id is no package id"}, 404),
        ({"modelPackageId": version.package_id, "label": " "}, 422),
    ]
    for payload, expected in refusals:
        assert (await call(session, "POST", url, json=payload))[0] == expected, payload


async def test_champion_package_and_features(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    model = emu.state.current_model(record.id)
    base = f"{emu.endpoint}/deployments/{record.id}"
    status, _, champion = await call(session, "GET", f"{base}/championModelPackage/")
    assert (status, champion["id"], champion["modelId"]) == (200, model.package_id, model.id)
    _, _, page = await call(session, "GET", f"{base}/features/")
    names = [f["name"] for f in page["data"]]
    assert sorted(names) == sorted(model.features)
    assert page["totalCount"] == len(model.features)
    assert all(
        set(f) == {"name", "featureType", "importance", "dateFormat", "knownInAdvance"}
        for f in page["data"]
    )
    _, _, page = await call(
        session, "GET", f"{base}/features/", params={"orderBy": "name", "limit": "2"}
    )
    assert [f["name"] for f in page["data"]] == sorted(names)[:2]
    assert page["next"] is not None
    missing = f"{emu.endpoint}/deployments/{'f' * 24}"
    assert (await call(session, "GET", f"{missing}/features/"))[0] == 404
    assert (await call(session, "GET", f"{missing}/championModelPackage/"))[0] == 404


async def test_prediction_environments(emu: Emulator, session: aiohttp.ClientSession) -> None:
    url = f"{emu.endpoint}/predictionEnvironments/"
    _, _, page = await call(session, "GET", url)
    assert [e["platform"] for e in page["data"]] == [
        "datarobot", "datarobot", "datarobotServerless", "aws",
    ]  # fmt: skip
    _, _, page = await call(session, "GET", url, params={"platform": "aws"})
    assert [e["supportedModelFormats"] for e in page["data"]] == [["externalModel"]]
    first = emu.state.environments.all[0]
    status, _, body = await call(session, "GET", f"{url}{first.id}/")
    assert (status, body["name"], body["isDeleted"]) == (200, first.name, False)
    assert (await call(session, "GET", f"{url}{'f' * 24}/"))[0] == 404
    assert (await call(session, "GET", url, params={"platform": "mars"}))[0] == 400
