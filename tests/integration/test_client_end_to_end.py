"""Every client operation, end to end, against the embedded emulator on 127.0.0.1."""

from __future__ import annotations

import pytest

import aiodeploy
from aiodeploy import MODEL_REPLACEMENT_REASON, AsyncDeploymentClient
from aiodeploy.emulator import Emulator


async def test_projects_models_and_prediction_servers(client, emulator) -> None:
    projects = await client.list_projects()
    assert {p.target_type for p in projects} >= {"Binary", "Regression", "Multiclass"}
    project = await client.get_project(projects[0].id)
    assert project == projects[0]
    models = await client.list_models(project.id)
    assert len(models) >= 4
    assert await client.get_model(project.id, models[1].id) == models[1]
    servers = await client.list_prediction_servers()
    assert len(servers) == 2
    assert all(s.datarobot_key for s in servers)


async def test_create_get_list_delete(client, emulator) -> None:
    catalog = emulator.state.catalog
    model = catalog.champion(catalog.projects[0].id)
    server = (await client.list_prediction_servers())[0]
    dep = await client.create_deployment_from_learning_model(
        model.id,
        "e2e churn watcher",
        description="from the test",
        default_prediction_server_id=server.id,
    )
    assert dep.label == "e2e churn watcher"
    assert dep.model is not None
    assert dep.model.id == model.id
    assert dep.default_prediction_server is not None
    assert dep.default_prediction_server.id == server.id
    assert await client.get_deployment(dep.id) == dep
    assert [d.id for d in await client.list_deployments(search="E2E CHURN")] == [dep.id]

    await client.delete_deployment(dep)
    with pytest.raises(aiodeploy.NotFoundError) as info:
        await client.get_deployment(dep.id)
    assert info.value.status_code == 404
    assert dep.id not in {d.id for d in await client.list_deployments()}


@pytest.mark.parametrize(
    ("fault", "deletes"),
    [
        ("error_after=1", 1),  # deleted, then a gateway's 502: the deployment's absence tells
        # deleted, then the kept-alive connection drops: aiohttp itself resends the DELETE
        # once, unseen by the client, and that resend meets 404
        ("reset_after=1", 2),
    ],
)
async def test_a_deletion_whose_answer_was_lost_is_done(fault: str, deletes: int) -> None:
    route = "/api/v2/deployments/{deployment_id}/"
    async with Emulator(deployments=2, faults=fault) as emu:
        dep_id, other = (d.id for d in emu.state.live_deployments())
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
            await client.delete_deployment(dep_id)
            assert emu.state.stats.request_count(method="DELETE", route=route) == deletes
            # deleting it again: it did not exist when that call began
            with pytest.raises(aiodeploy.NotFoundError):
                await client.delete_deployment(dep_id)
        assert [d.id for d in emu.state.live_deployments()] == [other]


async def test_create_from_an_unknown_model_is_404(client) -> None:
    with pytest.raises(aiodeploy.NotFoundError):
        await client.create_deployment_from_learning_model("0" * 24, "nope")


@pytest.mark.emulator(deployments=250)
async def test_list_deployments_reads_every_page_once(client, emulator) -> None:
    before = emulator.state.stats.request_count(method="GET", route="/api/v2/deployments/")
    deployments = await client.list_deployments()
    after = emulator.state.stats.request_count(method="GET", route="/api/v2/deployments/")
    assert len(deployments) == 250
    assert len({d.id for d in deployments}) == 250
    assert after - before == 3  # 100 + 100 + 50
    assert [d.label for d in deployments] == sorted(d.label for d in deployments)


@pytest.mark.emulator(deployments=130)
async def test_iter_deployments_with_search_and_order(client, emulator) -> None:
    labels = [d.label async for d in client.iter_deployments(search="churn", order_by="-label")]
    expected = sorted(
        (d.label for d in emulator.state.live_deployments() if "churn" in d.label), reverse=True
    )
    assert labels == expected
    assert labels


async def test_validation_statuses(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    candidates = emulator.state.replacement_candidates(dep_id)
    status, _, checks = await client.validate_replacement_model(dep_id, candidates.passing[0].id)
    assert status == "passing"
    assert all(c.status == "passing" for c in checks.values())
    status, _, checks = await client.validate_replacement_model(dep_id, candidates.warning[0].id)
    assert status == "warning"
    assert checks["features"].status == "warning"
    validation = await client.validate_replacement_model(dep_id, candidates.failing[0].id)
    assert validation.status == "failing"
    assert not validation.ok
    validation = await client.validate_replacement_model(dep_id, candidates.current.id)
    assert validation.checks["notCurrentModel"].status == "failing"


async def test_replace_model_end_to_end(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    new_model = emulator.state.replacement_candidates(dep_id).passing[0]
    dep = await client.replace_model(dep_id, new_model.id, MODEL_REPLACEMENT_REASON.ACCURACY)
    assert dep.model is not None
    assert dep.model.id == new_model.id
    history = await client.get_model_history(dep_id)
    assert [(h.model_id, h.reason) for h in history][-1] == (new_model.id, "ACCURACY")
    assert history[0].reason is None
    assert len(history) == 2


async def test_replacement_refused_by_the_server_is_422_with_checks(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    bad = emulator.state.replacement_candidates(dep_id).failing[0]
    with pytest.raises(aiodeploy.UnprocessableEntityError) as info:
        await client.replace_model(dep_id, bad.id, "OTHER")
    assert info.value.body["checks"]["target"]["status"] == "failing"


async def test_drift_tracking_round_trip(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    before = await client.get_drift_tracking_settings(dep_id)
    after = await client.update_drift_tracking_settings(
        dep_id,
        target_drift_enabled=not before.target_drift.enabled,
        feature_drift_enabled=not before.feature_drift.enabled,
    )
    assert after.target_drift.enabled is not before.target_drift.enabled
    assert after.feature_drift.enabled is not before.feature_drift.enabled
    patches = emulator.state.stats.request_count(
        method="PATCH", route="/api/v2/deployments/{deployment_id}/settings/"
    )
    assert patches == 1


async def test_wrong_token_is_authentication_error(emulator) -> None:
    async with AsyncDeploymentClient(emulator.endpoint, "not-the-token") as api:
        with pytest.raises(aiodeploy.AuthenticationError) as info:
            await api.list_deployments()
    assert "not-the-token" not in str(info.value)


async def test_read_only_token_cannot_replace() -> None:
    async with Emulator(tokens={"ro": "read-only"}, deployments=1, replacement_seconds=0.05) as emu:
        dep_id = emu.state.live_deployments()[0].id
        model = emu.state.replacement_candidates(dep_id).passing[0]
        async with AsyncDeploymentClient(emu.endpoint, "ro") as api:
            validation = await api.validate_replacement_model(dep_id, model.id)
            assert validation.checks["permission"].status == "failing"
            with pytest.raises(aiodeploy.PermissionDeniedError):
                await api.replace_model(dep_id, model.id, "OTHER")


async def test_token_scheme_token_is_accepted(emulator) -> None:
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token, token_type="Token") as api:
        assert await api.list_deployments()
