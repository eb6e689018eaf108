"""R2: the CLI rollout, SIGKILLed at random points and rerun with the same journal each
time, replaces every deployment exactly once.

Kill points are journal positions drawn from a seeded random source: the test waits until
the journal holds k ``submitting``/``submitted``/``finished`` records, then SIGKILLs the
process (so some kills land between sending a PATCH and journaling its answer: the test
asserts that some did). A kill rarely lands inside the write of a line, so after every
other kill the test tears the journal's last line itself, as such a kill would leave it.
After the last kill a final run must finish the plan.

Exactly once: each deployment's model history gained one entry, for its new model, and the
server accepted one PATCH for it (a PATCH whose answer was lost is never sent again once
the deployment serves the model).
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
from pathlib import Path

import anyio
import anyio.abc

import aiodeploy
from aiodeploy.emulator import Emulator

from .conftest import (
    SIZES,
    jobs_settled,
    model_of,
    new_entries,
    plan_for,
    request_log,
    wait_for,
)

_ROOT = Path(aiodeploy.__file__).resolve().parents[1]
SEED = int(os.environ.get("AIODEPLOY_CHAOS_SEED", "4242"))
_STEPS = ("submitting", "submitted", "finished")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")])
    env["HOME"] = str(tmp_path / "home")  # no drconfig.yaml of the developer
    return env


def _records(journal: Path) -> tuple[list[dict[str, object]], bytes]:
    """The complete records of the journal, and the torn tail (a line being written)."""
    if not journal.exists():
        return [], b""
    data = journal.read_bytes()
    complete, tail = data[: data.rfind(b"\n") + 1], data[data.rfind(b"\n") + 1 :]
    return [json.loads(line) for line in complete.splitlines()], tail


def _steps(journal: Path) -> int:
    return sum(r["type"] in _STEPS for r in _records(journal)[0])


def _in_doubt(records: list[dict[str, object]]) -> int:
    """Items whose PATCH may have been sent but whose answer is not in the journal."""
    state: dict[object, str] = {}
    for record in records:
        if record["type"] in _STEPS:
            state[record["index"]] = str(record["type"])
    return sum(step == "submitting" for step in state.values())


async def test_sigkill_at_random_points_replaces_each_deployment_once(tmp_path, figures) -> None:
    size, kills = SIZES.crash_deployments, SIZES.kills
    rng = random.Random(SEED)
    emu = Emulator(deployments=size, replacement_seconds=(0.3, 1.2), seed=SEED % 1000)
    log = request_log(emu)
    async with emu:
        plan = plan_for(emu, versions=True)  # half by model id, half by version
        plan_path = tmp_path / "plan.csv"
        with plan_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["deployment_id", "model_id", "registered_model_version_id", "reason"])
            writer.writerows(
                [
                    r.deployment_id,
                    r.model_id or "",
                    r.registered_model_version_id or "",
                    str(r.reason),
                ]
                for r in plan
            )
        journal = tmp_path / "rollout.jsonl"
        command = [
            sys.executable, "-m", "aiodeploy", "rollout", str(plan_path),
            "--endpoint", emu.endpoint, "--token", emu.token,
            "--journal", str(journal), "--concurrency", "4", "--json",
        ]  # fmt: skip
        env = _env(tmp_path)
        # A finished item has 3 step records (submitting, submitted, finished), or 2 when a
        # kill caught it between sending its PATCH and journaling the answer; at most
        # `--concurrency` (4) items are there at a time. So no run completes before the
        # journal holds 3 * size - 4 * kills step records: every kill point is reached.
        points = sorted(rng.sample(range(1, 3 * size - 4 * kills), kills))
        torn = in_doubt = 0
        for kill, point in enumerate(points):
            async with await anyio.open_process(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
            ) as process:
                await _wait_for_step(journal, point, process)
                process.kill()
                assert await process.wait() == -signal.SIGKILL
            if kill % 2 == 0:
                _tear_last_line(journal)
            records, tail = _records(journal)
            torn += bool(tail)
            in_doubt += _in_doubt(records)
        # the runs were cut where it matters: with PATCHes in doubt, and with torn lines
        assert in_doubt > 0, "no kill caught a PATCH whose answer was not journalled"
        assert torn > 0
        finished = {r["index"] for r in _records(journal)[0] if r["type"] == "finished"}
        assert len(finished) < size, "the runs were not stopped mid-way"

        done = await anyio.run_process(command, env=env, check=False)
        assert done.returncode == 0, done.stderr.decode()
        summary = json.loads(done.stdout)
        assert summary["ok"], summary["counts"]
        await wait_for(lambda: jobs_settled(emu), "every job to end")

        for request in plan:
            dep_id, model_id = request.deployment_id, model_of(emu, request)
            assert emu.state.current_model(dep_id).id == model_id
            assert new_entries(emu, dep_id) == 1, dep_id
            assert emu.state.model_history(dep_id)[-1].model_id == model_id
        accepted = Counter(
            path for method, path, status in log if method == "PATCH" and status == 202
        )
        assert set(accepted) == {f"/api/v2/deployments/{r.deployment_id}/model/" for r in plan}
        assert max(accepted.values()) == 1, accepted.most_common(3)
        assert not [entry for entry in log if entry[0] == "PATCH" and entry[2] != 202]
        records, tail = _records(journal)
        assert tail == b""

    figures.update(
        deployments=size,
        kills=kills,
        kill_points=points,
        torn_lines=torn,
        in_doubt_at_kills_summed=in_doubt,
        patches_accepted=sum(accepted.values()),
        journal_records=len(records),
    )


def _tear_last_line(journal: Path) -> None:
    """Cut the journal inside its last line, as a kill during that write would."""
    data = journal.read_bytes()
    if data.endswith(b"\n") and data.count(b"\n") > 1:
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        journal.write_bytes(data[: start + (len(data) - start) // 2])


async def _wait_for_step(journal: Path, count: int, process: anyio.abc.Process) -> None:
    """Wait until the journal holds ``count`` step records, while the process runs."""

    def reached() -> bool:
        if _steps(journal) >= count:
            return True
        assert process.returncode is None, "the rollout ended before its kill point"
        return False

    await wait_for(reached, f"{count} journal records", step=0.005)
