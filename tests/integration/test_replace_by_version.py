"""Replacement by registered model version (DataRobot's current path) against the emulator,
whose version ids are never model ids: validate, replace, perform_model_replace, resume
tokens, skip_if_current and the champion model package (issue 12, item 3)."""

from __future__ import annotations

import json

import pytest

import aiodeploy
from aiodeploy import AsyncDeploymentClient, ReplacementRequest
from aiodeploy.emulator import Emulator

pytestmark = pytest.mark.emulator(deployments=3, replacement_seconds=0.05)


def _first(emulator: Emulator) -> tuple[str, str, str]:
    """A deployment, a passing model for it, and that model's version id."""
    dep_id = emulator.state.live_deployments()[0].id
    model = emulator.state.replacement_candidates(dep_id).passing[0]
    assert model.package_id != model.id
    return dep_id, model.id, model.package_id


async def test_validate_and_replace_by_version(client: AsyncDeploymentClient, emulator) -> None:
    dep_id, model_id, version_id = _first(emulator)
    validation = await client.validate_replacement_model(
        dep_id, new_registered_model_version_id=version_id
    )
    assert validation.status == "passing"
    dep = await client.replace_model(
        dep_id, new_registered_model_version_id=version_id, reason="ACCURACY"
    )
    assert dep.model is not None
    assert dep.model.id == model_id  # the version's Leaderboard model
    assert dep.model_package is not None
    assert dep.model_package.id == version_id
    champion = await client.get_champion_model_package(dep_id)
    assert (champion.id, champion.model_id) == (version_id, model_id)
    history = emulator.state.model_history(dep_id)
    assert history[-1].model_id == model_id
    assert emulator.state.current_model(dep_id).package_id == version_id


async def test_perform_model_replace_mirrors_the_official_name(client, emulator) -> None:
    dep_id, model_id, version_id = _first(emulator)
    dep = await client.perform_model_replace(dep_id, version_id, "SCHEDULED_REFRESH")
    assert dep.model is not None
    assert dep.model.id == model_id


async def test_a_version_operation_resumes_from_its_token(client, emulator) -> None:
    dep_id, model_id, version_id = _first(emulator)
    op = await client.start_model_replacement(
        dep_id, new_registered_model_version_id=version_id, reason="OTHER"
    )
    token = op.token()
    assert json.loads(token)["v"] == 2  # version 1 cannot carry a version id
    resumed = client.resume_replacement(token)
    assert resumed.registered_model_version_id == version_id
    assert resumed.model_id is None
    dep = await resumed
    assert dep.model is not None
    assert dep.model.id == model_id
    assert dep.model_package is not None
    assert dep.model_package.id == version_id


async def test_a_version_of_another_target_fails_validation_with_its_checks(
    client, emulator
) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    foreign = emulator.state.replacement_candidates(dep_id).failing[0]
    validation = await client.validate_replacement_model(
        dep_id, new_registered_model_version_id=foreign.package_id
    )
    assert validation.status == "failing"
    failing = {name for name, check in validation.checks.items() if check.status == "failing"}
    assert "target" in failing
    with pytest.raises(aiodeploy.UnprocessableEntityError) as info:
        await client.replace_model(
            dep_id, new_registered_model_version_id=foreign.package_id, reason="OTHER"
        )
    assert "target" in str(info.value)


async def test_unknown_version_and_bad_ids(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    unknown = "f" * 24
    with pytest.raises(aiodeploy.NotFoundError):
        await client.validate_replacement_model(dep_id, new_registered_model_version_id=unknown)
    with pytest.raises(aiodeploy.NotFoundError):
        await client.replace_model(dep_id, new_registered_model_version_id=unknown)
    sent = emulator.state.stats.request_count()
    with pytest.raises(ValueError, match="exactly one"):
        await client.replace_model(dep_id, "a" * 24, new_registered_model_version_id=unknown)
    with pytest.raises(ValueError, match="exactly one"):
        await client.replace_model(dep_id)
    assert emulator.state.stats.request_count() == sent  # refused before any request


async def test_skip_if_current_compares_the_champion_model_package(client, emulator) -> None:
    dep_id, _, version_id = _first(emulator)
    plan = [ReplacementRequest(dep_id, registered_model_version_id=version_id, reason="OTHER")]
    first = await client.replace_models(plan)
    again = await client.replace_models(plan, skip_if_current=True)
    assert (first.items[0].outcome.value, again.items[0].outcome.value) == (
        "replaced",
        "skipped_current",
    )
