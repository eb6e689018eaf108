"""Updating, activating and deactivating deployments, one or many, and reading their
features and capabilities, against the emulator."""

from __future__ import annotations

import json

import pytest

import aiodeploy
from aiodeploy import AsyncDeploymentClient, ItemSubmitted, RetryPolicy
from aiodeploy.emulator import Emulator
from tests.conftest import FakeClock

DEPLOYMENT = "/api/v2/deployments/{deployment_id}/"
STATUS = "/api/v2/deployments/{deployment_id}/status/"


def requests(emulator: Emulator) -> int:
    return emulator.state.stats.request_count()


async def test_update_deployment(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    dep = await client.update_deployment(dep_id, label="renamed", importance="low")
    assert (dep.label, dep.importance, dep.description) == (
        "renamed", "LOW", emulator.state.deployment(dep_id).description,
    )  # fmt: skip
    dep = await client.update_deployment(dep, description="")
    assert dep.description == ""
    before = requests(emulator)
    for bad in ({}, {"label": " "}, {"importance": "urgent"}, {"description": 3}):
        with pytest.raises((ValueError, TypeError)):
            await client.update_deployment(dep_id, **bad)
    assert requests(emulator) == before
    with pytest.raises(aiodeploy.NotFoundError):
        await client.update_deployment("f" * 24, label="x")


async def test_activate_and_deactivate(client, emulator) -> None:
    record = next(d for d in emulator.state.live_deployments() if d.status == "active")
    dep = await client.deactivate_deployment(record.id)
    assert dep.status == "inactive"
    dep = await client.activate_deployment(dep)
    assert dep.status == "active"
    assert emulator.state.jobs.finished["status:COMPLETED"] == 2
    with pytest.raises(aiodeploy.NotFoundError):
        await client.activate_deployment("f" * 24)
    with pytest.raises(ValueError, match="max_wait"):
        await client.activate_deployment(record.id, max_wait=-1)


async def test_features_and_capabilities(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[3].id
    features = await client.get_features(dep_id)
    model = emulator.state.current_model(dep_id)
    assert {f.name: f.feature_type for f in features} == dict(model.features)
    assert [f.importance for f in features] == sorted(
        (f.importance for f in features), reverse=True
    )
    capabilities = {c.name: c for c in await client.get_capabilities(dep_id)}
    assert capabilities["supportsModelReplacement"].supported
    assert capabilities["supportsHumility"].messages


async def test_lost_answers_are_settled_by_the_server_state(clock: FakeClock) -> None:
    # every mutation is applied, then its connection reset: no answer ever says so
    retry = RetryPolicy(max_attempts=2, backoff_base=0.5)
    async with (
        Emulator(deployments=2, clock=clock, status_seconds=5, faults="reset_after=1") as emu,
        AsyncDeploymentClient(
            emu.endpoint, emu.token, retry=retry, sleep=clock.sleep, clock=clock
        ) as client,
    ):
        record = emu.state.live_deployments()[0]
        dep = await client.update_deployment(record.id, importance="CRITICAL")
        assert dep.importance == "CRITICAL"
        assert emu.state.stats.request_count(method="PATCH", route=DEPLOYMENT) == 2
        target = "inactive" if record.status == "active" else "active"
        change = (
            client.deactivate_deployment if target == "inactive" else client.activate_deployment
        )
        dep = await change(record.id)
        assert dep.status == target
        assert emu.state.deployment(record.id).status == target
        # two attempts per send, two resends; then the deployment, read until its first
        # job completed, showed the change: it was never reported as failed
        assert emu.state.stats.request_count(method="PATCH", route=STATUS) == 6
        assert clock.now >= 5


async def test_bulk_update_with_a_journal(client, emulator, tmp_path) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    journal = tmp_path / "update.jsonl"
    events: list[object] = []
    result = await client.bulk_update_deployments(
        [*ids, "f" * 24], importance="HIGH", journal=journal, on_event=events.append,
        concurrency=2,
    )  # fmt: skip
    assert [i.outcome for i in result.items] == ["updated"] * len(ids) + ["failed"]
    assert isinstance(result.items[-1].error, aiodeploy.NotFoundError)
    assert {d.importance for d in emulator.state.live_deployments()} == {"HIGH"}
    assert sum(isinstance(e, ItemSubmitted) for e in events) == len(ids)
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines[0]["type"] == "plan"
    patches = emulator.state.stats.request_count(method="PATCH", route=DEPLOYMENT)
    # resumed: the items that ended well are taken over, the failed one runs again
    again = await client.bulk_update_deployments(
        [*ids, "f" * 24], importance="HIGH", journal=journal
    )
    assert [i.resumed for i in again.items] == [True] * len(ids) + [False]
    assert emulator.state.stats.request_count(method="PATCH", route=DEPLOYMENT) == patches + 1
    with pytest.raises(aiodeploy.JournalMismatchError):
        await client.bulk_update_deployments(ids, importance="LOW", journal=journal)
    before = requests(emulator)
    with pytest.raises(ValueError, match="concurrency"):
        await client.bulk_update_deployments(ids, label="x", concurrency=0)
    with pytest.raises(ValueError, match="give label"):
        await client.bulk_update_deployments(ids)
    assert requests(emulator) == before


@pytest.mark.emulator(deployments=6)
async def test_bulk_status_changes_wait_for_their_jobs(client, emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    result = await client.bulk_deactivate_deployments(ids, concurrency=2)
    assert result.ok
    assert {d.status for d in emulator.state.live_deployments()} == {"inactive"}
    assert emulator.state.stats.request_count(method="PATCH", route=STATUS) == len(ids)
    result = await client.bulk_activate(ids, max_wait=30)  # DESIGN.md's shorter name
    assert result.counts["updated"] == len(ids)
    assert {d.status for d in emulator.state.live_deployments()} == {"active"}


async def test_a_refused_token_stops_a_bulk_run(emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    async with AsyncDeploymentClient(emulator.endpoint, "not-the-token") as client:
        with pytest.raises(aiodeploy.AuthenticationError):
            await client.bulk_activate_deployments(ids, concurrency=1)
    assert emulator.state.stats.request_count(method="PATCH", route=STATUS, status=401) == 1
