"""``python -m aiodeploy`` as a real process: help, a SIGKILL mid-rollout, SIGINT/SIGTERM.

The emulator runs on the test's event loop, and the tests await the child process, so
the emulator keeps serving it meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import anyio.abc
import pytest

import aiodeploy
from aiodeploy.emulator import Emulator

from .conftest import (
    ManualClock,
    patch_count,
    plan_rows,
    replacements,
    status_polls,
    wait_until,
    write_csv,
)

_ROOT = Path(aiodeploy.__file__).resolve().parents[1]
ROLLOUT = {"deployments": 40, "replacement_seconds": (0.5, 1.5)}


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")])
    env["HOME"] = str(tmp_path / "home")  # no drconfig.yaml of the developer
    return env


def _command(emulator, plan: Path, journal: Path) -> list[str]:
    return [
        sys.executable, "-m", "aiodeploy", "rollout", str(plan),
        "--endpoint", emulator.endpoint, "--token", emulator.token,
        "--journal", str(journal), "--concurrency", "4",
    ]  # fmt: skip


async def _journal_records(journal: Path) -> list[dict[str, object]]:
    path = anyio.Path(journal)
    if not await path.exists():
        return []
    text = await path.read_text()
    complete = text[: text.rfind("\n") + 1]  # a line being written is not a record yet
    return [json.loads(line) for line in complete.splitlines()]


async def _wait_for_submitted(
    journal: Path, count: int, process: anyio.abc.Process, deadline: float = 20
) -> None:
    """Poll the journal until it holds ``count`` submitted records (bounded)."""
    with anyio.fail_after(deadline):
        while True:
            records = await _journal_records(journal)
            if sum(r["type"] == "submitted" for r in records) >= count:
                return
            assert process.returncode is None, "the rollout ended before it was stopped"
            await anyio.sleep(0.02)


async def _read_all(stream: anyio.abc.ByteReceiveStream | None) -> str:
    assert stream is not None
    chunks = [chunk async for chunk in stream]
    return b"".join(chunks).decode()


def _assert_each_replaced_once(emulator, rows: list[list[str]]) -> None:
    for dep_id, model_id, _ in rows:
        assert replacements(emulator, dep_id) == 1, dep_id
        assert emulator.state.model_history(dep_id)[-1].model_id == model_id
    assert patch_count(emulator) == len(rows)


async def test_module_help(tmp_path) -> None:
    done = await anyio.run_process(
        [sys.executable, "-m", "aiodeploy", "--help"], env=_env(tmp_path), check=False
    )
    assert done.returncode == 0
    out = done.stdout.decode()
    assert out.startswith("usage: python -m aiodeploy")
    assert re.search(r"^\s+rollout\s+replace many", out, re.MULTILINE)


@pytest.mark.emulator(**ROLLOUT)
async def test_sigkill_mid_rollout_then_rerun_replaces_each_once(emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    plan = write_csv(tmp_path / "plan.csv", rows)
    journal = tmp_path / "j.jsonl"
    command = _command(emulator, plan, journal)
    env = _env(tmp_path)

    async with await anyio.open_process(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    ) as process:
        await _wait_for_submitted(journal, 10, process)
        process.kill()
        assert await process.wait() == -signal.SIGKILL
    assert patch_count(emulator) < len(rows) or any(
        replacements(emulator, row[0]) == 0 for row in rows
    )  # it was really stopped mid-run

    done = await anyio.run_process(command, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert "all done" in done.stdout.decode()
    _assert_each_replaced_once(emulator, rows)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.emulator(**ROLLOUT)
async def test_signal_stops_cleanly_and_prints_the_resume_command(
    emulator, tmp_path, signum, code
) -> None:
    rows = plan_rows(emulator)
    plan = write_csv(tmp_path / "plan.csv", rows)
    journal = tmp_path / "j.jsonl"
    env = _env(tmp_path)

    async with await anyio.open_process(
        _command(emulator, plan, journal), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        await _wait_for_submitted(journal, 10, process)
        process.send_signal(signum)
        async with anyio.create_task_group() as tg:
            outputs: dict[str, str] = {}

            async def collect(name: str, stream) -> None:
                outputs[name] = await _read_all(stream)

            tg.start_soon(collect, "out", process.stdout)
            tg.start_soon(collect, "err", process.stderr)
        assert await process.wait() == code
    err = outputs["err"]
    assert outputs["out"] == ""  # no summary: the run did not finish
    assert "Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert emulator.token not in err
    resume = err.split("Resume with:\n", 1)[1].splitlines()[0].strip()
    assert '--token "$DATAROBOT_API_TOKEN"' in resume
    assert f"--journal {journal}" in resume

    records = await _journal_records(journal)
    assert (await anyio.Path(journal).read_text()).endswith("\n")
    assert records[0]["type"] == "plan"
    assert records[0]["items"] == len(rows)
    assert any(r["type"] == "submitted" for r in records)

    # the printed command, run by a shell with the token in the environment, finishes it
    done = await anyio.run_process(
        ["/bin/sh", "-c", resume], env={**env, "DATAROBOT_API_TOKEN": emulator.token}, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    _assert_each_replaced_once(emulator, rows)


async def test_ctrl_c_during_replace_then_the_printed_wait_command(tmp_path) -> None:
    clock = ManualClock()  # the job ends only when the test says so
    async with Emulator(deployments=2, replacement_seconds=60, clock=clock) as emu:
        dep_id = emu.state.live_deployments()[0].id
        model_id = emu.state.replacement_candidates(dep_id).passing[0].id
        env = {**_env(tmp_path), "DATAROBOT_API_TOKEN": emu.token}
        command = [sys.executable, "-m", "aiodeploy", "replace", dep_id, model_id]
        command += ["--reason", "accuracy", "--endpoint", emu.endpoint]
        async with await anyio.open_process(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as process:
            await wait_until(lambda: status_polls(emu) >= 1)  # accepted, and waiting
            process.send_signal(signal.SIGINT)
            outputs: dict[str, str] = {}
            async with anyio.create_task_group() as tg:

                async def collect(name: str, stream) -> None:
                    outputs[name] = await _read_all(stream)

                tg.start_soon(collect, "out", process.stdout)
                tg.start_soon(collect, "err", process.stderr)
            assert await process.wait() == 130
        err = outputs["err"]
        assert outputs["out"] == ""
        assert "Traceback" not in err
        assert "continues on the server" in err
        assert emu.token not in err
        wait = err.split("Wait for it again with:\n", 1)[1].splitlines()[0].strip()
        assert wait.startswith(f"{sys.executable} -m aiodeploy wait ")
        assert patch_count(emu) == 1

        clock.now += 61
        done = await anyio.run_process(["/bin/sh", "-c", wait], env=env, check=False)
        assert done.returncode == 0, done.stderr.decode()
        assert model_id in done.stdout.decode()
        assert emu.state.model_history(dep_id)[-1].model_id == model_id
        assert patch_count(emu) == 1  # waiting sent nothing new


@pytest.mark.emulator(deployments=4, replacement_seconds=600)
async def test_a_journal_in_use_by_another_process_is_a_usage_error(
    cli, emulator, tmp_path
) -> None:
    # README: a journal in use by another run, in this process or another, is refused
    # (issue 10, kind 7): two runs acting on one plan at once could both send a PATCH
    rows = plan_rows(emulator)
    plan = write_csv(tmp_path / "plan.csv", rows)
    journal = tmp_path / "j.jsonl"
    async with await anyio.open_process(
        _command(emulator, plan, journal),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(tmp_path),
    ) as holder:  # fmt: skip
        await _wait_for_submitted(journal, len(rows), holder)  # its jobs last 10 minutes
        sent = patch_count(emulator)
        # (--max-wait: were it let in, it would wait on the holder's jobs, not hang)
        run = await cli("rollout", str(plan), "--journal", str(journal), "--max-wait", "3")
        assert holder.returncode is None  # it still held the journal when refused
        holder.kill()
        await holder.wait()
    assert run.code == 2
    assert f"{journal} is in use by another run" in run.err
    assert run.out == ""
    assert patch_count(emulator) == sent == len(rows)
