"""A token refused everywhere stops a bulk run at once; a 403 on one deployment does not."""

from __future__ import annotations

import pytest

import aiodeploy
from aiodeploy import AsyncDeploymentClient
from tests.reliability.fakeserver import Reply, fake_server


def _plan(emulator, count: int) -> list[tuple[str, str]]:
    state = emulator.state
    return [
        (dep.id, state.replacement_candidates(dep.id).passing[0].id)
        for dep in state.live_deployments()[:count]
    ]


@pytest.mark.emulator(deployments=30)
async def test_a_refused_token_stops_a_rollout_at_the_first_item(emulator, tmp_path) -> None:
    plan = _plan(emulator, 30)
    journal = tmp_path / "j.jsonl"
    async with AsyncDeploymentClient(emulator.endpoint, "expired-token") as client:
        with pytest.raises(aiodeploy.AuthenticationError):
            await client.replace_models(plan, journal=journal, concurrency=4)
    # the items in flight when the first 401 came back, not thirty identical failures
    assert emulator.state.stats.request_count(status=401) <= 4 + 1
    # nothing was journalled as finished: a run with a good token does every item
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token) as client:
        result = await client.replace_models(plan, journal=journal, concurrency=4)
    assert result.counts["replaced"] == 30


@pytest.mark.emulator(deployments=6, tokens={"viewer": "read-only"})
async def test_a_403_on_each_deployment_stays_per_item(emulator) -> None:
    plan = _plan(emulator, 6)
    async with AsyncDeploymentClient(emulator.endpoint, "viewer") as client:
        result = await client.replace_models(plan, validate=False)
    assert result.counts["failed"] == 6
    assert all(isinstance(i.error, aiodeploy.PermissionDeniedError) for i in result.items)


async def test_a_403_for_the_whole_endpoint_stops_the_run() -> None:
    async with fake_server() as server:
        server.serve(Reply(403, body=b'{"message": "API access is disabled for this user"}'))
        async with AsyncDeploymentClient(server.endpoint, "t") as client:
            with pytest.raises(aiodeploy.PermissionDeniedError, match="API access"):
                await client.replace_models(
                    [(f"{n:024x}", "b" * 24) for n in range(20)], concurrency=1
                )
        # the first item's request, one probe of GET version/ and the few items that started
        # while it was out: not twenty identical failures
        paths = [seen.path_qs.rsplit("/api/v2/", 1)[1] for seen in server.seen]
        assert paths.count("version/") == 1
        assert len(paths) < 8, paths


@pytest.mark.emulator(deployments=5)
async def test_a_refused_token_stops_a_bulk_drift_update(emulator) -> None:
    ids = [dep.id for dep in emulator.state.live_deployments()]
    async with AsyncDeploymentClient(emulator.endpoint, "expired-token") as client:
        with pytest.raises(aiodeploy.AuthenticationError):
            await client.bulk_update_drift_tracking_settings(
                ids, target_drift_enabled=False, concurrency=1
            )
    assert emulator.state.stats.request_count(status=401) == 1


@pytest.mark.emulator(deployments=12, replacement_seconds=0)
async def test_a_token_revoked_mid_rollout_keeps_the_results_of_the_items_that_ended(
    emulator,
) -> None:
    plan = _plan(emulator, 12)
    ended: list[object] = []
    submitted: set[int] = set()

    def revoke_after_three(event: object) -> None:
        if isinstance(event, aiodeploy.ItemSubmitted):
            submitted.add(event.index)
        if isinstance(event, aiodeploy.ItemFinished):
            ended.append(event)
            if len(ended) == 3:
                emulator.state.tokens.revoke(emulator.token)  # rotated: refused from now on

    async with AsyncDeploymentClient(emulator.endpoint, emulator.token) as client:
        with pytest.raises(aiodeploy.AuthenticationError) as info:
            await client.replace_models(plan, concurrency=1, on_event=revoke_after_three)
    partial = info.value.bulk_result
    assert partial is not None
    requests = [aiodeploy.ReplacementRequest(*p) for p in plan]
    assert [item.request for item in partial.items] == requests
    # kept, as the server shows (a request answered just before the revocation may end one
    # more item)
    assert partial.counts["replaced"] >= 3
    assert partial.counts["replaced"] + partial.counts["cancelled"] == 12
    assert not partial.ok
    for index, item in enumerate(partial.items):
        served = emulator.state.current_model(item.request.deployment_id).id
        if item.outcome.value == "replaced":
            assert served == item.request.model_id
        elif index not in submitted:  # never sent: untouched (a submitted one may go on)
            assert served != item.request.model_id
            assert isinstance(item.error, aiodeploy.AuthenticationError)
