"""Operations and bulk rollouts against the emulator: outcomes, budgets, journal, resume."""

from __future__ import annotations

import asyncio
import json

import anyio
import pytest

import aiodeploy
from aiodeploy import (
    AsyncDeploymentClient,
    ItemFinished,
    ItemStatusChanged,
    ItemSubmitted,
    ReplacementRequest,
)
from aiodeploy.emulator import Emulator
from tests.reliability.conftest import model_of, plan_for, wait_for

PATCH_MODEL = "/api/v2/deployments/{deployment_id}/model/"


def replacements_in_history(emulator, dep_id: str) -> int:
    return len(emulator.state.model_history(dep_id)) - 1


def total_requests(emulator) -> int:
    return emulator.state.stats.request_count()


# -- single operations --------------------------------------------------------------------


async def test_operation_is_awaitable_and_reports_events(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    op = await client.start_model_replacement(dep_id, model_id, "ACCURACY")
    # the deployment serves the new model as soon as the replacement is accepted
    assert emulator.state.current_model(dep_id).id == model_id
    assert not op.done()
    events = [event async for event in op.events()]
    assert events[-1].status == "COMPLETED"
    assert events[-1].deployment is not None
    assert events[-1].deployment.model.id == model_id
    statuses = [e.status for e in events]
    assert len(statuses) == len(set(statuses))  # each status change once
    assert op.done()
    assert (await op).model.id == model_id  # already done: no more polls
    assert op.result().model.id == model_id
    assert await op.status() == "COMPLETED"


async def test_token_resumes_the_operation_in_another_client(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    op = await client.start_model_replacement(dep_id, model_id)
    token = op.token()
    assert emulator.token not in token
    assert json.loads(token)["status_url"] == op.status_url
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token) as other:
        resumed = other.resume_replacement(token)
        assert (resumed.deployment_id, resumed.model_id) == (dep_id, model_id)
        dep = await resumed.wait(max_wait=30)
    assert dep.model.id == model_id
    assert replacements_in_history(emulator, dep_id) == 1


async def test_bad_tokens_are_refused(client) -> None:
    for token in ["", "{}", "[1]", '{"v": 99}', "not json"]:
        with pytest.raises(ValueError, match="token"):
            client.resume_replacement(token)


async def test_token_pointing_elsewhere_is_refused(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    op = await client.start_model_replacement(dep_id, model_id)
    forged = json.loads(op.token())
    forged["status_url"] = "http://203.0.113.9/api/v2/status/x/"
    with pytest.raises(aiodeploy.CrossOriginError):
        client.resume_replacement(json.dumps(forged))
    await op


@pytest.mark.emulator(replacement_seconds=30, deployments=1)
@pytest.mark.emulator(replacement_seconds=600)
async def test_cancelling_a_waiter_stops_polling_only(emulator) -> None:
    quick = aiodeploy.PollPolicy(first_delay=0.01, factor=1.0, cap=0.01, learn=False)
    status_route = "/api/v2/status/{status_id}/"

    def polls() -> int:
        return emulator.state.stats.request_count(method="GET", route=status_route)

    async with AsyncDeploymentClient(emulator.endpoint, emulator.token, polling=quick) as client:
        dep_id = emulator.state.live_deployments()[0].id
        model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
        op = await client.start_model_replacement(dep_id, model_id)
        async with anyio.create_task_group() as tg:
            tg.start_soon(op.wait)
            await wait_for(lambda: polls() >= 2, "two polls")
            tg.cancel_scope.cancel()
        assert not op.done()
        # a poller that outlived the cancel would be a task of the client's still alive
        assert [t for t in asyncio.all_tasks() if _of_the_client(t)] == []
        # ... and would keep polling: over 50 round trips of ours to the same server (a
        # live poller polls every 10 ms) the status sees at most the one poll that may
        # have been in flight when the cancel came
        after_cancel = polls()
        for _ in range(50):
            await client.get_deployment(dep_id)
        assert polls() - after_cancel <= 1
        job_id = op.status_url.rstrip("/").rsplit("/", 1)[-1]
        job = emulator.state.jobs.get(job_id)
        assert emulator.state.jobs.status(job) in {"INITIALIZED", "RUNNING"}  # the job goes on
        with pytest.raises(aiodeploy.AsyncTimeoutError) as info:
            await op.wait(max_wait=2)  # ... and the operation can be awaited again
        assert info.value.last_status in {"INITIALIZED", "RUNNING"}


def _of_the_client(task: asyncio.Task[object]) -> bool:
    if task is asyncio.current_task():
        return False
    code = getattr(task.get_coro(), "cr_code", None)
    where = "" if code is None else code.co_filename
    return "/aiodeploy/" in where and "/emulator/" not in where


# -- bulk rollouts --------------------------------------------------------------------------


@pytest.mark.emulator(deployments=300, replacement_seconds=(0.2, 0.6))
@pytest.mark.parametrize("by", ["model id", "model id and registered model version"])
async def test_rollout_of_300_deployments(client, emulator, by) -> None:
    plan = plan_for(emulator, versions=by != "model id")
    events: list[object] = []
    result = await client.replace_models(plan, concurrency=32, on_event=events.append)

    assert result.ok, result.failed()[:3]
    assert result.counts["replaced"] == 300
    assert [item.request for item in result.items] == plan  # input order
    for item in result.items:
        model_id = model_of(emulator, item.request)
        assert item.deployment.model.id == model_id
        assert emulator.state.current_model(item.request.deployment_id).id == model_id
        assert replacements_in_history(emulator, item.request.deployment_id) == 1
        if item.request.registered_model_version_id is not None:
            package = item.deployment.model_package
            assert package is not None
            assert package.id == item.request.registered_model_version_id
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 300
    per_item = total_requests(emulator) / 300
    # get + validate + PATCH + a few polls + the final read
    assert per_item <= 10, per_item
    assert sum(isinstance(e, ItemSubmitted) for e in events) == 300
    assert sum(isinstance(e, ItemFinished) for e in events) == 300
    assert any(isinstance(e, ItemStatusChanged) for e in events)

    again = await client.replace_models(plan)
    assert again.counts["skipped_current"] == 300
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 300


@pytest.mark.emulator(deployments=6)
async def test_rollout_outcomes_per_item(client, emulator) -> None:
    state = emulator.state
    deps = [d.id for d in state.live_deployments()]
    plan = [
        (deps[0], state.replacement_candidates(deps[0]).passing[0].id, "ACCURACY"),
        (deps[1], state.replacement_candidates(deps[1]).warning[0].id),
        (deps[2], state.replacement_candidates(deps[2]).failing[0].id),
        (deps[3], state.current_model(deps[3]).id),
    ]
    result = await client.replace_models(plan)
    outcomes = [item.outcome.value for item in result.items]
    assert outcomes == ["replaced", "replaced", "refused_validation", "skipped_current"]
    assert "failing" in {check.status for check in result.items[2].checks.values()}
    assert result.items[0].request.reason == "ACCURACY"
    assert not result.ok
    assert result.counts == {
        "replaced": 2,
        "updated": 0,
        "skipped_current": 1,
        "refused_validation": 1,
        "failed": 0,
        "timed_out": 0,
        "cancelled": 0,
        "rolled_back": 0,  # only guarded rollouts end items these three ways
        "rollback_failed": 0,
        "not_started": 0,
    }


@pytest.mark.emulator(deployments=3)
async def test_without_validation_the_server_refuses_with_checks(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    bad = emulator.state.replacement_candidates(dep_id).failing[0].id
    result = await client.replace_models([(dep_id, bad)], validate=False)
    (item,) = result.items
    assert item.outcome == "refused_validation"
    assert item.checks["target"].status == "failing"


@pytest.mark.emulator(deployments=4)
async def test_one_failure_does_not_stop_the_others(client, emulator) -> None:
    plan = plan_for(emulator)
    plan[1] = ReplacementRequest("0" * 24, plan[1].model_id)  # no such deployment
    result = await client.replace_models(plan)
    assert [i.outcome.value for i in result.items] == ["replaced", "failed", "replaced", "replaced"]
    assert isinstance(result.items[1].error, aiodeploy.NotFoundError)


@pytest.mark.emulator(deployments=20, replacement_seconds=5)
async def test_fail_fast_cancels_the_rest(client, emulator) -> None:
    plan = plan_for(emulator)
    plan[0] = ReplacementRequest("0" * 24, plan[0].model_id)
    result = await client.replace_models(plan, fail_fast=True, concurrency=1)
    assert result.items[0].outcome == "failed"
    assert result.counts["cancelled"] >= 1
    assert result.counts["replaced"] == 0


@pytest.mark.emulator(deployments=3, replacement_seconds=30)
async def test_timed_out_items(client, emulator) -> None:
    result = await client.replace_models(plan_for(emulator), max_wait=0.5)
    assert result.counts["timed_out"] == 3
    assert all(isinstance(i.error, aiodeploy.AsyncTimeoutError) for i in result.items)


@pytest.mark.emulator(deployments=2, faults="job_error=1.0")
async def test_failed_jobs_roll_back(client, emulator) -> None:
    plan = plan_for(emulator)
    result = await client.replace_models(plan)
    assert result.counts["failed"] == 2
    for item in result.items:
        assert isinstance(item.error, aiodeploy.AsyncProcessUnsuccessfulError)
        assert emulator.state.current_model(item.request.deployment_id).id != item.request.model_id


async def test_malformed_plans_are_refused_before_any_request(client, emulator) -> None:
    before = total_requests(emulator)
    dep = emulator.state.live_deployments()[0].id
    for plan, error in [
        ([("a/b", "m")], ValueError),
        ([(dep, "m", "BECAUSE")], ValueError),
        ([("only-one",)], TypeError),
        (["dep"], TypeError),
        ([(dep, "m"), (dep, "n")], ValueError),
    ]:
        with pytest.raises(error):
            await client.replace_models(plan)
    for one in [dep, ReplacementRequest(dep, "m")]:  # one request, not a plan of them
        with pytest.raises(TypeError, match="sequence of replacement requests"):
            await client.replace_models(one)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concurrency"):
        await client.replace_models([(dep, "m")], concurrency=0)
    with pytest.raises(ValueError, match="max_wait"):
        await client.replace_models([(dep, "m")], max_wait=-1)
    assert total_requests(emulator) == before


@pytest.mark.emulator(deployments=5)
async def test_bulk_drift_update_uses_the_same_runner(client, emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    result = await client.bulk_update_drift_tracking_settings(
        ids, target_drift_enabled=False, feature_drift_enabled=False
    )
    assert result.counts["updated"] == 5
    for dep_id in ids:
        settings = await client.get_drift_tracking_settings(dep_id)
        assert (settings.target_drift.enabled, settings.feature_drift.enabled) == (False, False)


# -- journal and resume ---------------------------------------------------------------------


@pytest.mark.emulator(deployments=60, replacement_seconds=(0.3, 1.0))
async def test_cancel_mid_rollout_then_resume_from_the_journal(client, emulator, tmp_path) -> None:
    plan = plan_for(emulator)
    journal = tmp_path / "rollout.jsonl"
    submitted = 0

    with anyio.CancelScope() as scope:

        def on_event(event) -> None:
            nonlocal submitted
            if isinstance(event, ItemSubmitted):
                submitted += 1
                if submitted == 25:
                    scope.cancel()

        await client.replace_models(plan, journal=journal, concurrency=8, on_event=on_event)
    assert scope.cancelled_caught
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) < 60

    result = await client.replace_models(plan, journal=journal, concurrency=8)

    assert result.counts["replaced"] == 60, result.counts
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 60
    for request in plan:
        assert replacements_in_history(emulator, request.deployment_id) == 1
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines[0]["type"] == "plan"
    finished = [line["index"] for line in lines if line["type"] == "finished"]
    assert sorted(set(finished)) == list(range(60))

    third = await client.replace_models(plan, journal=journal)
    assert all(item.resumed for item in third.items)
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 60


@pytest.mark.emulator(deployments=3)
async def test_a_journal_of_another_plan_is_refused(client, emulator, tmp_path) -> None:
    plan = plan_for(emulator)
    journal = tmp_path / "j.jsonl"
    await client.replace_models(plan[:2], journal=journal)
    with pytest.raises(aiodeploy.JournalMismatchError):
        await client.replace_models(plan, journal=journal)
    (tmp_path / "other.txt").write_text("hello\n")
    with pytest.raises(aiodeploy.JournalMismatchError):
        await client.replace_models(plan, journal=tmp_path / "other.txt")


@pytest.mark.emulator(deployments=2)
async def test_a_submit_whose_answer_was_lost_is_resolved_by_reading_the_deployment(
    client, emulator, tmp_path
) -> None:
    plan = plan_for(emulator)
    journal = tmp_path / "j.jsonl"
    # As if a run had crashed after journaling `submitting` and sending the PATCH for item 0.
    await client.start_model_replacement(plan[0].deployment_id, plan[0].model_id)
    from aiodeploy._journal import Journal, plan_fingerprint
    from aiodeploy._rollout import fingerprint_rows

    opened = await Journal.open(journal, plan_fingerprint(fingerprint_rows(plan)), len(plan))
    await opened.append({"type": "submitting", "index": 0})
    await opened.aclose()

    result = await client.replace_models(plan, journal=journal)
    assert result.counts["replaced"] == 2
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 2
    assert replacements_in_history(emulator, plan[0].deployment_id) == 1


async def test_reset_after_the_patch_is_not_submitted_twice(tmp_path) -> None:
    async with Emulator(deployments=8, replacement_seconds=0.1, seed=3) as emu:
        plan = plan_for(emu)
        emu.set_faults("reset_after=0.5")
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as api:
            result = await api.replace_models(plan, validate=False, journal=tmp_path / "j")
        emu.set_faults(None)
        for item in result.items:
            dep_id = item.request.deployment_id
            on_new = emu.state.current_model(dep_id).id == item.request.model_id
            assert (item.outcome == "replaced") == on_new, item
            assert replacements_in_history(emu, dep_id) == (1 if on_new else 0)
        assert result.counts["replaced"] >= 6


@pytest.mark.emulator(deployments=2)
async def test_a_resumed_refusal_keeps_its_checks(client, emulator, tmp_path) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    bad = emulator.state.replacement_candidates(dep_id).failing[0].id
    journal = tmp_path / "j.jsonl"
    first = await client.replace_models([(dep_id, bad)], journal=journal)
    again = await client.replace_models([(dep_id, bad)], journal=journal)
    (item,) = again.items
    assert item.resumed
    assert item.outcome == "refused_validation"
    assert item.checks == first.items[0].checks
    assert "failing" in {c.status for c in item.checks.values()}


@pytest.mark.emulator(deployments=4, replacement_seconds=30)
async def test_items_resumed_from_a_token_report_submitted(client, emulator, tmp_path) -> None:
    plan = plan_for(emulator)
    journal = tmp_path / "j.jsonl"
    timed_out = await client.replace_models(plan, journal=journal, max_wait=0.2)
    assert timed_out.counts["timed_out"] == 4
    events: list[object] = []
    again = await client.replace_models(plan, journal=journal, max_wait=0.2, on_event=events.append)
    assert again.counts["timed_out"] == 4
    assert sum(isinstance(e, ItemSubmitted) for e in events) == 4
    assert emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL) == 4
