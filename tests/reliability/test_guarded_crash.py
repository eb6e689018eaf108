"""A guarded CLI rollout, SIGKILLed during a wave, a bake and a rollback, then rerun with
the same journal until it ends: every deployment ends on its new model (its wave passed)
or on the one it served before (its wave failed and was rolled back), and none was
replaced twice by the same wave.

The plan has three waves (``2,50%,100%``): the first wave's new models are healthy, the
second's fail half their predictions (``set_model_faults``), so the run passes wave 1,
fails wave 2, rolls it back and never starts wave 3. Prediction traffic reaches every
deployment all along. Kill points are drawn from a seeded random source within each phase
of the run (replacing, baking, rolling back): a journal position, or a number of gate reads
into a bake. The journal's last line is torn now and then, as a kill inside its write would
leave it, except a ``submitting`` line: a PATCH is only sent once that line is on disk.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

from aiodeploy import AsyncDeploymentClient
from aiodeploy._gate import plan_waves
from aiodeploy.emulator import Emulator
from tests.traffic import Traffic, make_fleet

from .conftest import SIZES, jobs_settled, request_log, wait_for
from .test_crash_safety import _env, _records

SEED = int(os.environ.get("AIODEPLOY_CHAOS_SEED", "4242"))
MARKS = "2,50%,100%"
STATS = "/api/v2/deployments/{deployment_id}/serviceStats/"
_STEPS = ("submitting", "submitted", "finished")

Records = list[dict[str, Any]]


def _item_steps(records: Records, wave: range) -> int:
    return sum(r["type"] in _STEPS and r["index"] in wave for r in records)


def _wave(records: Records, number: int, key: str) -> bool:
    return any(r["type"] == "wave" and r["wave"] == number and key in r for r in records)


def _phase(records: Records, waves: list[range]) -> str:
    """Where the run was when it was killed, from its journal."""
    if any(r["type"] == "rollback" for r in records):
        return "rolling back"
    for number in (1, 0):
        if _wave(records, number, "verdict"):
            return f"wave {number + 1} judged"
        if _wave(records, number, "since"):
            return f"baking wave {number + 1}"
        if _item_steps(records, waves[number]):
            return f"replacing wave {number + 1}"
    return "starting"


def _tear_last_line(journal: Path) -> bool:
    """Cut the journal inside its last line unless that line is a ``submitting`` one."""
    data = journal.read_bytes()
    lines = data.splitlines()
    if len(lines) < 2 or not data.endswith(b"\n"):
        return False
    last = json.loads(lines[-1])
    if last.get("type") == "submitting" or last.get("step") == "submitting":
        return False
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    journal.write_bytes(data[: start + (len(data) - start) // 2])
    return True


async def test_sigkill_during_waves_bakes_and_rollbacks(tmp_path, figures) -> None:
    size, per_phase = SIZES.guarded_deployments, SIZES.guarded_kills
    rng = random.Random(SEED)
    emu = Emulator(replacement_seconds=(0.2, 0.6), status_seconds=0.1, seed=SEED % 1000)
    log = request_log(emu)
    async with emu:
        fleet = make_fleet(emu, size)
        waves = plan_waves(size, MARKS.split(","))
        plan: list[tuple[str, str, str]] = []
        for index, (dep, old, good) in enumerate(fleet):
            new = good
            if index in waves[1]:  # the second wave's models are bad
                new = emu.state.replacement_candidates(dep).passing[1].id
                emu.set_model_faults(new, error_rate=0.5)
            plan.append((dep, old, new))
        plan_path = tmp_path / "plan.csv"
        with plan_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["deployment_id", "model_id", "reason"])
            writer.writerows([dep, new, "SCHEDULED_REFRESH"] for dep, _, new in plan)
        journal = tmp_path / "rollout.jsonl"
        command = [
            sys.executable, "-m", "aiodeploy", "rollout", str(plan_path),
            "--endpoint", emu.endpoint, "--token", emu.token, "--journal", str(journal),
            "--concurrency", "4", "--json", "--waves", MARKS, "--bake", "3s",
            "--max-error-rate", "10%", "--min-predictions", "5",
        ]  # fmt: skip
        env = _env(tmp_path)

        def steps(wave: range) -> Callable[[int], Callable[[Records], bool]]:
            return lambda k: lambda records: _item_steps(records, wave) >= k

        def into_bake(number: int) -> Callable[[int], Callable[[Records], bool]]:
            def point(k: int) -> Callable[[Records], bool]:
                base: list[int] = []

                def reached(records: Records) -> bool:
                    reads = emu.state.stats.request_count(method="GET", route=STATS)
                    if not base:
                        base.append(reads)
                    return _wave(records, number, "since") and reads - base[0] >= k

                return reached

            return point

        def rolling(k: int) -> Callable[[Records], bool]:
            return lambda records: sum(r["type"] == "rollback" for r in records) >= k

        phases = [
            (steps(waves[0]), 3 * len(waves[0]) - 1),
            (into_bake(0), 4),
            (steps(waves[1]), 3 * len(waves[1]) - 1),
            (into_bake(1), 2),
            (rolling, 3 * len(waves[1]) - 1),
        ]
        landed: Counter[str] = Counter()
        torn = 0
        async with AsyncDeploymentClient(emu.endpoint, emu.token, max_retries=0) as api:
            traffic = Traffic(api, [dep for dep, _, _ in fleet], per_round=1)
            stop = anyio.Event()

            async def predict() -> None:
                while not stop.is_set():
                    await traffic.round()
                    await anyio.sleep(0.2)  # paces the load; nothing waits on it to settle

            async with anyio.create_task_group() as group:
                group.start_soon(predict)
                for make, top in phases:
                    for k in sorted(rng.sample(range(1, top + 1), min(per_phase, top))):
                        async with await anyio.open_process(
                            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env,
                        ) as process:  # fmt: skip
                            await _wait_for(journal, make(k), process)
                            process.kill()
                            assert await process.wait() == -signal.SIGKILL
                        landed[_phase(_records(journal)[0], waves)] += 1
                        if rng.random() < 0.5:
                            torn += _tear_last_line(journal)
                # the rerun that is not killed ends the run; one more changes nothing
                done = await anyio.run_process(command, env=env, check=False)
                again = await anyio.run_process(command, env=env, check=False)
                stop.set()
        assert done.returncode == 1, done.stderr.decode()  # stopped by the gate
        summary = json.loads(done.stdout)
        await wait_for(lambda: jobs_settled(emu), "every job to end")

        counts = {k: v for k, v in summary["counts"].items() if v}
        assert counts == {
            "replaced": len(waves[0]),
            "rolled_back": len(waves[1]),
            "not_started": len(waves[2]),
        }
        assert json.loads(again.stdout)["counts"] == summary["counts"]
        accepted = Counter(
            path for method, path, status in log if method == "PATCH" and status == 202
        )
        for index, (dep, old, new) in enumerate(plan):
            history = [entry.model_id for entry in emu.state.model_history(dep)]
            patches = accepted[f"/api/v2/deployments/{dep}/model/"]
            if index in waves[0]:  # passed: on its new model, replaced once
                assert (history, patches) == ([old, new], 1), dep
            elif index in waves[1]:  # failed: back on its old model, replaced and rolled back
                assert (history, patches) == ([old, new, old], 2), dep
                assert emu.state.model_history(dep)[-1].reason == "ERRORS"
            else:  # never started
                assert (history, patches) == ([old], 0), dep
            assert emu.state.current_model(dep).id == history[-1]
        assert landed["rolling back"] >= 1, landed
        assert sum(n for phase, n in landed.items() if phase.startswith("baking")) >= 1, landed
        assert sum(n for phase, n in landed.items() if phase.startswith("replacing")) >= 1, landed
        records = _records(journal)[0]

    figures.update(
        deployments=size,
        waves=[len(w) for w in waves],
        kills=sum(landed.values()),
        kills_by_phase=dict(landed),
        torn_lines=torn,
        patches_accepted=sum(accepted.values()),
        predictions_served=traffic.served,
        predictions_failed=traffic.failed,
        journal_records=len(records),
    )


async def _wait_for(
    journal: Path, reached: Callable[[Records], bool], process: anyio.abc.Process
) -> None:
    """Wait until the journal's records satisfy ``reached``, while the process runs."""

    def check() -> bool:
        if reached(_records(journal)[0]):
            return True
        assert process.returncode is None, "the rollout ended before its kill point"
        return False

    await wait_for(check, "the kill point", step=0.005)
