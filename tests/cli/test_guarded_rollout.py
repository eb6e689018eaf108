"""``aiodeploy rollout --waves ... --bake ... --max-error-rate ...``: usage errors before any
request (numbers that Python's ``float()`` takes and a person would not type included), the
wave plan of a dry run, a guarded run stopped by the health gate or by a revoked token, and
the pure pieces of its progress lines."""

from __future__ import annotations

import json

import anyio
import pytest

from aiodeploy import AsyncDeploymentClient, ItemFinished, ItemResult, Outcome, WaveProgress
from aiodeploy.cli._progress import Tally, WaveLines, duration_text, wave_text
from aiodeploy.cli._rollout import default_journal
from tests.reliability.conftest import wait_for
from tests.traffic import Traffic, make_fleet

from .conftest import patch_count, write_csv

STATS_ROUTE = "/api/v2/deployments/{deployment_id}/serviceStats/"


def _plan(emulator, tmp_path, count: int = 5):
    fleet = make_fleet(emulator, count)
    return fleet, write_csv(tmp_path / "plan.csv", [[d, new, "OTHER"] for d, _, new in fleet])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--waves", "1,1,100%", "--bake", "1m"], "adds no item"),
        (["--waves", "1,50", "--bake", "1m"], "past the plan"),
        (["--waves", "1,3", "--bake", "1m"], "reaches item 3 of 5"),
        (["--waves", "1,0"], "argument --waves: '0' is not a wave mark"),
        (["--waves", "1,abc%"], "'abc%' is not a wave mark"),
        (["--waves", "1,100%", "--bake", "2x"], "'2x' is not a duration"),
        (["--waves", "1,100%", "--bake", "1m", "--max-error-rate", "150%"], "must be a share 0-1"),
        (["--waves", "1,100%", "--bake", "1m", "--min-predictions", "-1"], "whole number >= 0"),
        (["--waves", "1,100%", "--bake", "1m", "--on-undecided", "maybe"], "invalid choice"),
        (["--waves", "1,100%", "--bake", "1m", "--max-response-time-ms", "0"], "milliseconds > 0"),
        (["--waves", "1,100%"], "--waves needs --bake"),
        (["--waves", "1,100%", "--bake", "0"], "--waves needs --bake"),
        (["--max-error-rate", "1%"], "--max-error-rate guard waves: add --waves"),
        (["--bake", "2m"], "--bake guard waves"),
        (["--waves", "1,100%", "--bake", "1m", "--fail-fast"], "--fail-fast does not combine"),
        # what Python's float()/int() take and a person would not type: refused, not guessed
        (["--waves", "1,100%", "--bake", "1_0"], "argument --bake: '1_0' is not a duration"),
        (["--waves", "1,100%", "--bake", "nan"], "argument --bake: 'nan' is not a duration"),
        (["--waves", "1,100%", "--bake", "\u0661\u0660"], "is not a duration"),
        (["--waves", "1,1_0%,100%", "--bake", "1m"], "argument --waves: '1_0%' is not a wave"),
        (["--waves", "1,\u0662,100%", "--bake", "1m"], "argument --waves: '\u0662' is not a wave"),
        (
            ["--waves", "1,100%", "--bake", "1m", "--max-error-rate", "1_0%"],
            "'1_0' is not a number",
        ),
        (["--waves", "1,100%", "--bake", "1m", "--max-error-rate", "nan"], "'nan' is not a number"),
        (["--waves", "1,100%", "--bake", "1m", "--min-predictions", "1_0"], "not a whole number"),
        (["--waves", "1,100%", "--bake", "1m", "--max-failing", "1_0"], "not a whole number"),
        (["--waves", "1,100%", "--bake", "1m", "--max-response-time-ms", "5_00"], "not a number"),
        (["--waves", "1,100%", "--bake", "1m", "--max-data-drift", "inf"], "not a number"),
        (["--waves", "1,100%", "--bake", "1m", "--concurrency", "1_0"], "not a whole number"),
    ],
)
@pytest.mark.emulator(deployments=0)
async def test_bad_guard_flags_are_usage_errors_before_any_request(
    cli, emulator, tmp_path, flags, message
) -> None:
    _, plan = _plan(emulator, tmp_path)
    before = emulator.state.stats.request_count()
    run = await cli("rollout", str(plan), *flags)
    assert run.code == 2, run.err
    assert message in run.err
    assert emulator.state.stats.request_count() == before
    assert not (tmp_path / "plan.csv.journal.jsonl").exists()


@pytest.mark.emulator(deployments=0)
async def test_a_dry_run_shows_the_wave_plan(cli, emulator, tmp_path) -> None:
    _, plan = _plan(emulator, tmp_path, count=8)
    flags = ["--dry-run", "--waves", "1,50%,100%", "--bake", "2m"]
    run = await cli("rollout", str(plan), *flags, "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["waves"] == [1, 3, 4]
    assert [item["wave"] for item in doc["items"]] == [1, 2, 2, 2, 3, 3, 3, 3]
    table = await cli("rollout", str(plan), *flags)
    assert table.code == 0, table.err
    assert "WAVE" in table.out
    assert "items per wave 1: 1, 2: 3, 3: 4" in " ".join(table.out.split())
    assert patch_count(emulator) == 0


@pytest.mark.emulator(deployments=0, replacement_seconds=0.1, status_seconds=0.05)
async def test_a_failing_gate_stops_the_rollout_and_exits_1(cli, emulator, tmp_path) -> None:
    fleet, plan = _plan(emulator, tmp_path, count=5)
    emulator.set_model_faults(fleet[0][2], error_rate=0.5)  # the first wave's new model
    flags = ["--waves", "1,100%", "--bake", "20s", "--max-error-rate", "5%"]
    flags += ["--min-predictions", "5", "--concurrency", "4"]
    done = anyio.Event()
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token, max_retries=0) as api:
        traffic = Traffic(api, [dep for dep, _, _ in fleet])

        async def predict() -> None:
            while not done.is_set():
                await traffic.round()
                await anyio.sleep(0.05)  # paces the load; nothing waits on it to settle

        async with anyio.create_task_group() as group:
            group.start_soon(predict)
            run = await cli("rollout", str(plan), *flags)
            done.set()
    assert run.code == 1, run.err
    assert "rollout: wave 1/2 · replacing 1 item(s)" in run.err
    # traffic reached the new model from its acceptance: the first read may decide already
    assert f"rollout: wave 1/2 · failed · gate: {fleet[0][0]}: error rate " in run.err
    assert "rollout: wave 1/2 · rolled back" in run.err
    out = " ".join(run.out.replace("│", " ").split())
    assert "rolled_back 1" in out
    assert "not_started 4" in out
    assert f"The health gate stopped the rollout (1 deployment(s) failed): {fleet[0][0]}: " in out
    assert "error rate" in out
    first, old, _ = fleet[0]
    assert emulator.state.current_model(first).id == old
    assert patch_count(emulator) == 2
    again = await cli("rollout", str(plan), *flags, "--json")  # the journal: nothing sent
    assert again.code == 1
    assert json.loads(again.out)["counts"]["rolled_back"] == 1
    assert patch_count(emulator) == 2


@pytest.mark.emulator(
    deployments=0, replacement_seconds=0.1, status_seconds=0.05, tokens={"t2": "owner"}
)
async def test_a_token_revoked_during_a_bake_stops_the_cli_and_a_rerun_finishes(
    cli, emulator, tmp_path
) -> None:
    fleet, plan = _plan(emulator, tmp_path, count=3)
    flags = ["--waves", "1,100%", "--bake", "4s", "--min-predictions", "1"]
    done = anyio.Event()
    runs = []
    async with AsyncDeploymentClient(emulator.endpoint, "t2", max_retries=0) as api:
        traffic = Traffic(api, [dep for dep, _, _ in fleet])

        async def predict() -> None:
            while not done.is_set():
                await traffic.round()
                await anyio.sleep(0.05)  # paces the load; nothing waits on it to settle

        async def rollout() -> None:
            runs.append(await cli("rollout", str(plan), *flags))

        async with anyio.create_task_group() as group:
            group.start_soon(predict)
            async with anyio.create_task_group() as running:
                running.start_soon(rollout)
                await wait_for(
                    lambda: emulator.state.stats.request_count(route=STATS_ROUTE) >= 1,
                    "the bake's first gate read",
                )
                emulator.state.tokens.revoke(emulator.token)  # rotated while the canary bakes
            run = runs[0]
            connect = ["--endpoint", emulator.endpoint, "--token", "t2"]
            again = await cli("rollout", str(plan), *flags, *connect, connect=False)
            done.set()
    assert run.code == 1, run.err
    assert "aiodeploy: rollout stopped: 401" in run.err
    out = " ".join(run.out.replace("│", " ").split())
    assert "replaced 1" in out
    assert "not_started 2" in out
    assert f"The journal {default_journal(plan)} is intact. Resume with:" in run.err
    assert "rolled back" not in run.err  # nothing judged, nothing undone with a refused token
    assert again.code == 0, again.err
    for dep, old, new in fleet:
        assert [e.model_id for e in emulator.state.model_history(dep)] == [old, new]


def test_a_wave_in_one_line() -> None:
    baking = WaveProgress(2, 3, "baking", 9, 72.4, "0.2 % errors, 340 predictions")
    assert wave_text(baking) == "wave 2/3 · baking 1m13s left · gate: 0.2 % errors, 340 predictions"
    assert wave_text(WaveProgress(1, 3, "replacing", 1)) == "wave 1/3 · replacing 1 item(s)"
    failed = WaveProgress(1, 3, "failed", 1, detail="d1: error rate 50.0% > 1.0%")
    assert wave_text(failed) == "wave 1/3 · failed · gate: d1: error rate 50.0% > 1.0%"
    assert [duration_text(s) for s in (0, 5.2, 60, 72, 3725)] == [
        "0s", "6s", "1m00s", "1m12s", "1h02m05s",
    ]  # fmt: skip


def test_baking_lines_are_spaced_and_stage_changes_always_shown() -> None:
    now = [0.0]
    lines = WaveLines(lambda: now[0])
    bake = WaveProgress(1, 2, "baking", 1, 50.0)
    assert lines.wanted(bake)
    now[0] = 3.0
    assert not lines.wanted(bake)
    now[0] = 11.0
    assert lines.wanted(bake)
    assert lines.wanted(WaveProgress(1, 2, "passed", 1))


def test_an_item_rolled_back_is_counted_once_as_rolled_back() -> None:
    tally = Tally(3)
    request = ("d", "m")
    tally.update(ItemFinished(0, ItemResult(request, Outcome.REPLACED)))
    assert tally.text(compact=True) == "replaced 1 skipped 0 refused 0 failed 0"
    tally.update(ItemFinished(0, ItemResult(request, Outcome.ROLLED_BACK)))
    tally.update(ItemFinished(1, ItemResult(request, Outcome.NOT_STARTED)))
    tally.update(ItemFinished(2, ItemResult(request, Outcome.NOT_STARTED)))
    assert tally.done == 3
    assert tally.text(compact=True) == (
        "replaced 0 skipped 0 refused 0 failed 0 rolled back 1 not started 2"
    )
