"""The registry, deploying a registered model version, and prediction environments, against
the emulator."""

from __future__ import annotations

import pytest

import aiodeploy
from aiodeploy import AsyncDeploymentClient
from aiodeploy.emulator import Emulator
from tests.conftest import FakeClock

VERSION_ROUTE = "/api/v2/registeredModels/{registered_model_id}/versions/{version_id}/"


def requests(emulator: Emulator) -> int:
    return emulator.state.stats.request_count()


async def test_registered_models_versions_and_deployments(client, emulator) -> None:
    registered = await client.list_registered_models()
    projects = emulator.state.catalog.projects
    assert [r.name for r in registered] == [p.name for p in projects]
    assert [r.name for r in await client.list_registered_models("price")] == ["House prices"]
    binary = await client.list_registered_models(filters={"targetType": "Binary"})
    assert [r.target.name for r in binary if r.target] == ["is_bad", "churn"]
    loans = await client.get_registered_model(registered[0].id)
    assert (loans.last_version_num, loans.created_by is not None) == (5, True)
    versions = await client.list_registered_model_versions(loans.id)
    models = emulator.state.catalog.models_of(projects[0].id)
    assert [(v.registered_model_version, v.model_id) for v in versions] == [
        (n, m.id) for n, m in enumerate(models, start=1)
    ]
    first = await client.get_registered_model_version(loans.id, versions[0].id)
    assert (first.build_status, first.building, first.target.class_names) == (
        "complete", False, ["0", "1"],
    )  # fmt: skip
    assert first.source_meta.project_id == projects[0].id
    deployed = await client.list_registered_model_deployments(loans.id)
    credit = [d for d in emulator.state.live_deployments() if d.label.startswith("credit-risk")]
    assert [d.id for d in deployed] == [d.id for d in credit]
    assert all(d.currently_deployed and d.prediction_environment for d in deployed)
    for call in (
        client.get_registered_model("f" * 24),
        client.get_registered_model_version(loans.id, "f" * 24),
        client.list_registered_model_versions("f" * 24),
        client.list_registered_model_deployments("f" * 24),
    ):
        with pytest.raises(aiodeploy.NotFoundError):
            await call


async def test_register_a_leaderboard_model(client, emulator) -> None:
    model = emulator.state.catalog.models[1]
    version = await client.create_registered_model_version_from_leaderboard(
        model.id, name="lgbm", registered_model_name="Loans v2", tags={"stage": "dev"}
    )
    assert (version.model_id, version.registered_model_version) == (model.id, 1)
    assert [(t.name, t.value) for t in version.tags] == [("stage", "dev")]
    again = await client.create_registered_model_version_from_leaderboard(
        emulator.state.catalog.models[2].id, registered_model_id=version.registered_model_id
    )
    assert again.registered_model_version == 2
    before = requests(emulator)
    with pytest.raises(ValueError, match="not both"):
        await client.create_registered_model_version_from_leaderboard(
            model.id, registered_model_name="x", registered_model_id=version.registered_model_id
        )
    with pytest.raises(ValueError, match="0-1"):
        await client.create_registered_model_version_from_leaderboard(
            model.id, prediction_threshold=1.5
        )
    assert requests(emulator) == before
    with pytest.raises(aiodeploy.NotFoundError):
        await client.create_registered_model_version_from_leaderboard("f" * 24)
    house = emulator.state.catalog.models_of(emulator.state.catalog.projects[2].id)[0]
    with pytest.raises(aiodeploy.UnprocessableEntityError, match="price"):
        await client.create_registered_model_version_from_leaderboard(
            house.id, registered_model_id=version.registered_model_id
        )


async def test_a_version_that_builds_is_polled_until_built(clock: FakeClock) -> None:
    async with (
        Emulator(deployments=1, clock=clock, package_build_seconds=3) as emu,
        AsyncDeploymentClient(emu.endpoint, emu.token, sleep=clock.sleep, clock=clock) as client,
    ):
        model = emu.state.catalog.models[1]
        version = await client.create_registered_model_version_from_leaderboard(model.id)
        assert (version.build_status, version.building) == ("complete", False)
        polls = emu.state.stats.request_count(method="GET", route=VERSION_ROUTE)
        assert polls >= 1
        assert clock.now >= 3
        # the build outlasting max_wait is a timeout, and the version exists all the same
        with pytest.raises(aiodeploy.AsyncTimeoutError):
            await client.create_registered_model_version_from_leaderboard(
                model.id, registered_model_name="slow", max_wait=1
            )
        assert len(emu.state.registry.versions) == len(emu.state.catalog.models) + 2


async def test_deploy_a_version(client, emulator) -> None:
    model = emulator.state.catalog.models[6]
    environments = await client.list_prediction_environments()
    serverless = next(e for e in environments if e.platform == "datarobotServerless")
    assert (await client.get_prediction_environment(serverless.id)) == serverless
    dep = await client.create_deployment_from_registered_model_version(
        model.package_id, "churn-from-version", prediction_environment_id=serverless.id,
        importance="high",
    )  # fmt: skip
    assert (dep.model.id, dep.importance) == (model.id, "HIGH")
    assert dep.prediction_environment is not None
    assert dep.prediction_environment.id == serverless.id
    assert dep.default_prediction_server is None
    default = await client.create_deployment_from_registered_model_version(
        model.package_id, "on the default server"
    )
    first = emulator.state.catalog.prediction_servers[0]
    assert default.default_prediction_server.id == first.id
    assert default.prediction_environment.platform == "datarobot"
    before = requests(emulator)
    with pytest.raises(ValueError, match="not both"):
        await client.create_deployment_from_registered_model_version(
            model.package_id, "x", default_prediction_server_id=first.id,
            prediction_environment_id=serverless.id,
        )  # fmt: skip
    with pytest.raises(ValueError, match="importance"):
        await client.create_deployment_from_registered_model_version(
            model.package_id, "x", importance="urgent"
        )
    with pytest.raises(ValueError, match="blank"):
        await client.create_deployment_from_registered_model_version(model.package_id, " ")
    assert requests(emulator) == before
    with pytest.raises(aiodeploy.NotFoundError):
        await client.create_deployment_from_registered_model_version(model.id, "a model id")
    external = next(e for e in environments if e.platform == "aws")
    with pytest.raises(aiodeploy.UnprocessableEntityError, match="does not support"):
        await client.create_deployment_from_registered_model_version(
            model.package_id, "x", prediction_environment_id=external.id
        )


@pytest.mark.emulator(deployments=4, replacement_seconds=0, creation_seconds=0)
async def test_registry_calls_take_the_objects_the_client_returns(client, emulator) -> None:
    """Wherever a registry call takes an id it also takes the object the client returned for
    it, as every ``dep`` argument takes a ``Deployment``."""
    registered = (await client.list_registered_models())[0]
    environment = next(
        e for e in await client.list_prediction_environments() if e.platform == "datarobot"
    )
    assert (await client.get_registered_model(registered)).id == registered.id
    versions = await client.list_registered_model_versions(registered)
    assert versions
    assert (await client.get_registered_model_version(registered, versions[1])).id == (
        versions[1].id
    )
    assert {d.id for d in await client.list_registered_model_deployments(registered)}
    assert (await client.get_prediction_environment(environment)) == environment
    more = await client.create_registered_model_version_from_leaderboard(
        emulator.state.catalog.models[2].id, registered_model_id=registered
    )
    assert more.registered_model_id == registered.id
    dep = await client.create_deployment_from_registered_model_version(
        versions[0], "from the objects", prediction_environment_id=environment
    )
    assert dep.prediction_environment is not None
    assert dep.prediction_environment.id == environment.id
    assert (await client.validate_replacement_model(
        dep, new_registered_model_version_id=more
    )).status != "failing"  # fmt: skip
    replaced = await client.replace_model(dep, new_registered_model_version_id=more, reason="OTHER")
    assert replaced.model_package is not None
    assert replaced.model_package.id == more.id
    before = requests(emulator)
    with pytest.raises(TypeError, match="registered model id must be a string or a Registered"):
        await client.get_registered_model(dep)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="prediction environment id"):
        await client.get_prediction_environment(registered)  # type: ignore[arg-type]
    assert requests(emulator) == before
