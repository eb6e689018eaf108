"""Parts of the rollout command: progress, the resume command, stopping on a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path

import anyio
import pytest

from aiodeploy import ItemFinished, ItemResult, ItemSubmitted, Outcome, ReplacementRequest
from aiodeploy.cli import _output
from aiodeploy.cli._guard_args import guard_args
from aiodeploy.cli._parser import build_parser, parse
from aiodeploy.cli._plan import load_plan
from aiodeploy.cli._progress import Tally, _PlainProgress, choose_mode, report_progress
from aiodeploy.cli._rollout import (
    TOKEN_PLACEHOLDER,
    _rollout,
    default_journal,
    resume_command,
)
from aiodeploy.cli._signals import StopOnSignal

from .conftest import patch_count, plan_rows, wait_until, write_csv


def test_resume_command_hides_the_token(tmp_path: Path) -> None:
    journal = tmp_path / "p.csv.journal.jsonl"
    command, redacted = resume_command(
        ["aiodeploy"], ["rollout", "my plan.csv", "--token", "s3cret", "--json"], journal
    )
    assert command == (
        f"aiodeploy rollout 'my plan.csv' --token {TOKEN_PLACEHOLDER} --json --journal {journal}"
    )
    assert redacted
    command, redacted = resume_command(
        ["/venv/bin/python", "-m", "aiodeploy"],
        ["--token=s3cret", "rollout", "p.csv", "--journal", "j.jsonl"],
        journal,
    )
    assert command == (
        f"/venv/bin/python -m aiodeploy --token={TOKEN_PLACEHOLDER} rollout p.csv --journal j.jsonl"
    )
    assert "s3cret" not in command
    assert resume_command(["aiodeploy"], ["rollout", "p.csv", "--no-journal"], None) == (
        "aiodeploy rollout p.csv --no-journal",
        False,
    )


def _finished(index: int, outcome: Outcome) -> ItemFinished:
    return ItemFinished(index, ItemResult(ReplacementRequest("d", "m"), outcome))


def test_tally_and_plain_progress_lines() -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    lines: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    clock = Clock()
    progress = _PlainProgress(20, Sink(), clock)  # type: ignore[arg-type]
    progress(ItemSubmitted(0, None, "u"))
    progress(ItemSubmitted(1, None, "u"))
    assert (progress.tally.in_flight, lines) == (2, [])
    clock.now = 4.0
    progress(_finished(0, Outcome.REPLACED))
    progress(_finished(1, Outcome.TIMED_OUT))  # 2 of 20: a tenth
    assert lines == [
        "rollout: 2/20 done · replaced 1 · skipped 0 · refused 0 · failed 1 · in flight 0"
        " · 4s · ETA 36s\n"
    ]
    clock.now = 20.0
    progress(ItemSubmitted(2, None, "u"))  # nothing finished, but 10 s went by
    assert len(lines) == 2
    tally = Tally(3)
    for index, outcome in enumerate([Outcome.SKIPPED_CURRENT, Outcome.REFUSED_VALIDATION]):
        tally.update(_finished(index, outcome))
    assert tally.counts == {"replaced": 0, "skipped": 1, "refused": 1, "failed": 0}


def test_progress_modes(monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert choose_mode(as_json=True) == "none"
    assert choose_mode(as_json=False) == "plain"  # captured stderr is no terminal
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert choose_mode(as_json=False) == "rich"
    monkeypatch.setattr(_output, "USE_RICH", False)
    assert choose_mode(as_json=False) == "plain"
    with report_progress(2, "none") as on_event:
        assert on_event is None
    with report_progress(2, "rich") as on_event:
        assert on_event is not None
        on_event(ItemSubmitted(0, None, "u"))
        on_event(_finished(0, Outcome.REPLACED))
        on_event(_finished(1, Outcome.FAILED))
    err = capsys.readouterr().err
    assert "2/2" in err
    assert "replaced 1 skipped 0 refused 0 failed 1" in err


def test_stop_on_signal_cancels_its_scope_and_restores_the_handler() -> None:
    async def scenario() -> None:
        assert threading.current_thread() is threading.main_thread()
        stop = StopOnSignal()
        with anyio.fail_after(10), stop.installed(), stop.scope:
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            os.kill(os.getpid(), signal.SIGINT)
            await anyio.sleep_forever()  # until the handler cancels the scope
        assert stop.scope.cancelled_caught
        assert stop.signum == signal.SIGINT

    asyncio.run(scenario())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("journal", [True, False])
@pytest.mark.emulator(deployments=10, replacement_seconds=5)
async def test_interrupted_rollout_in_process(emulator, tmp_path, capsys, journal) -> None:
    plan = write_csv(tmp_path / "plan.csv", plan_rows(emulator))
    argv = ["rollout", str(plan), "--endpoint", emulator.endpoint, "--token", emulator.token]
    argv += ["--concurrency", "2"] + ([] if journal else ["--no-journal"])
    args = parse(build_parser(), argv)
    args.launcher, args.argv = ["aiodeploy"], argv
    journal_path = default_journal(plan) if journal else None

    async def interrupt() -> None:
        await wait_until(lambda: patch_count(emulator) >= 2)
        os.kill(os.getpid(), signal.SIGINT)

    async with anyio.create_task_group() as tg:
        tg.start_soon(interrupt)
        code = await _rollout(args, load_plan(plan), plan, journal_path)
    assert code == 130
    out, err = capsys.readouterr()
    assert "Items" not in out
    assert "stopped by SIGINT" in err
    assert emulator.token not in err
    assert TOKEN_PLACEHOLDER in err
    if journal:
        assert f"--journal {journal_path}" in err
    else:
        assert "No journal was kept" in err


@pytest.mark.emulator(deployments=4, replacement_seconds=0.2)
async def test_interrupted_guarded_rollout_without_journal_names_the_unjudged(
    emulator, tmp_path, capsys
) -> None:
    # Without a journal, a rerun sees a deployment the interrupted wave replaced as already
    # on its model: skipped, so never baked, judged or rolled back with its wave (a canary
    # wave of skips passes at once). The stop must say so and name them, not just "rerun".
    rows = plan_rows(emulator)
    plan = write_csv(tmp_path / "plan.csv", rows)
    argv = ["rollout", str(plan), "--endpoint", emulator.endpoint, "--token", emulator.token]
    argv += ["--no-journal", "--waves", "1,100%", "--bake", "10m", "--on-undecided", "pass"]
    args = parse(build_parser(), argv)
    args.launcher, args.argv = ["aiodeploy"], argv
    args.guard = guard_args(args, len(rows))
    stats_route = "/api/v2/deployments/{deployment_id}/serviceStats/"

    async def interrupt() -> None:  # once the canary bakes: its gate reads its stats
        await wait_until(lambda: emulator.state.stats.request_count(route=stats_route) >= 1)
        os.kill(os.getpid(), signal.SIGINT)

    async with anyio.create_task_group() as tg:
        tg.start_soon(interrupt)
        code = await _rollout(args, load_plan(plan), plan, None)
    assert code == 130
    _, err = capsys.readouterr()
    canary = rows[0][0]
    assert emulator.state.current_model(canary).id == rows[0][1]
    assert "not judged" in err
    assert canary in err
    assert all(row[0] not in err for row in rows[1:])  # later waves were not touched
