"""``aiodeploy apply``, SIGKILLed at random points and run again with the same journal,
finishes the policy with nothing applied twice.

Kill points are counts of ``finished`` journal records, drawn from a seeded random source:
the test waits until the journal holds k of them, then SIGKILLs the process, wherever it
is (between a PATCH and its answer, waiting for a settings job, writing the journal).
After the last kill a final run must end with every deployment matching the policy.

Nothing applied twice: every selected setting's value changed exactly once on the server
(counted where the emulator applies changes), and no deployment the journal recorded as
done was sent anything by a later run. A change whose answer the killed run never got is
sent again when the next run finds the setting still unapplied (its job was still running):
the same values, idempotent, so the value changes once; the figures count such resends.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

from aiodeploy.emulator import Emulator
from aiodeploy.emulator._records import JobKind

from .conftest import SIZES, jobs_settled, request_log, wait_for
from .test_crash_safety import SEED, _env

POLICY = """\
select: all
settings:
  drift_tracking: {target_drift_enabled: false}
  predictions_data_collection: {enabled: true}
  health:
    service: {batch_count: 7}
"""
_FIELDS = {("targetDrift", "enabled"), ("predictionsDataCollection", "enabled")}


def _finished(journal: Path) -> list[int]:
    if not journal.exists():
        return []
    data = journal.read_bytes()
    lines = data[: data.rfind(b"\n") + 1].splitlines()
    return [r["index"] for r in map(json.loads, lines[1:]) if r["type"] == "finished"]


def _count_value_changes(emu: Emulator) -> Counter[tuple[str, str]]:
    """Count, per deployment and setting, the changes of value the emulator makes."""
    changes: Counter[tuple[str, str]] = Counter()
    state = emu.state
    effects = state.jobs._effects  # the settings jobs' effect, wrapped to watch values
    settle = effects[JobKind.SETTINGS]

    def watched(job: Any, outcome: Any, message: str) -> Any:
        record = state.store.get(job.deployment_id)
        before = json.dumps(record.settings, sort_keys=True) if record else None
        result = settle(job, outcome, message)
        if record is not None and before is not None:
            old = json.loads(before)
            for section, name in _FIELDS:
                if old[section][name] != record.settings[section][name]:
                    changes[record.id, f"{section}.{name}"] += 1
        return result

    effects[JobKind.SETTINGS] = watched
    update_health = state.config.update_health

    def health(record: Any, body: Any) -> Any:
        old = state.config.health(record)["service"]["batchCount"]
        found = update_health(record, body)
        if found["service"]["batchCount"] != old:
            changes[record.id, "service.batchCount"] += 1
        return found

    state.config.update_health = health  # type: ignore[method-assign]
    return changes


async def test_sigkill_mid_apply_then_rerun_applies_each_change_once(
    tmp_path: Path, figures: dict[str, Any]
) -> None:
    size, kills = SIZES.crash_deployments, SIZES.kills
    rng = random.Random(SEED + 1)
    emu = Emulator(deployments=size, settings_seconds=(0.2, 0.8), seed=SEED % 1000)
    log = request_log(emu)
    changes = _count_value_changes(emu)
    async with emu:
        policy = tmp_path / "fleet.yaml"
        policy.write_text(POLICY)
        journal = tmp_path / "apply.jsonl"
        command = [
            sys.executable, "-m", "aiodeploy", "apply", str(policy),
            "--endpoint", emu.endpoint, "--token", emu.token,
            "--journal", str(journal), "--concurrency", "4", "--json",
        ]  # fmt: skip
        env = _env(tmp_path)
        points = sorted(rng.sample(range(1, size - 4), kills))
        marks: list[tuple[int, set[str]]] = []  # after each kill: where the log was, done
        unfinished: list[int] = []
        for point in points:
            async with await anyio.open_process(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
            ) as process:
                await _wait_for_finished(journal, point, process)
                process.kill()
                assert await process.wait() == -signal.SIGKILL
            marks.append((len(log), _done_ids(emu, journal)))
            unfinished.append(size - len(set(_finished(journal))))
        # A run that starts plans again from the server, so deployments whose changes a
        # killed run made end at once (skipped_current): later kill points come fast. The
        # first kill, at least, leaves deployments in doubt.
        assert unfinished[0] > 0, "the first run was not stopped mid-way"

        final = await anyio.run_process(command, env=env, check=False)
        assert final.returncode == 0, final.stderr.decode()
        summary = json.loads(final.stdout)
        assert summary["result"]["ok"], summary["result"]["counts"]
        await wait_for(lambda: jobs_settled(emu), "every job to end")

        for record in emu.state.live_deployments():
            assert record.settings["targetDrift"]["enabled"] is False
            assert record.settings["predictionsDataCollection"]["enabled"] is True
            assert emu.state.config.health(record)["service"]["batchCount"] == 7
        expected = {
            (d.id, field)
            for d in emu.state.live_deployments()
            for field in ("targetDrift.enabled", "predictionsDataCollection.enabled",
                          "service.batchCount")
        }  # fmt: skip
        assert set(changes) == expected
        assert max(changes.values()) == 1, changes.most_common(3)  # nothing applied twice
        for mark, done in marks:  # what a run recorded as done, no later run touched
            later = {path.split("/")[4] for method, path, _ in log[mark:] if method == "PATCH"}
            assert not later & done
        accepted = Counter(
            path for method, path, status in log if method == "PATCH" and status in (200, 202)
        )
        assert emu.state.stats.unexpected_errors == 0

    figures.update(
        deployments=size,
        kills=kills,
        kill_points=points,
        unfinished_at_kills=unfinished,
        patches_accepted=sum(accepted.values()),
        patches_needed=2 * size,
        resent_in_doubt=sum(accepted.values()) - 2 * size,
        final_run_resumed=sum(i["resumed"] for i in summary["result"]["items"]),
    )


def _done_ids(emu: Emulator, journal: Path) -> set[str]:
    """The deployments the journal records as finished (indices in the list's order)."""
    ordered = sorted(emu.state.live_deployments(), key=lambda d: d.label.casefold())
    return {ordered[i].id for i in _finished(journal)}


async def _wait_for_finished(journal: Path, count: int, process: anyio.abc.Process) -> None:
    def reached() -> bool:
        if len(_finished(journal)) >= count:
            return True
        assert process.returncode is None, "the run ended before its kill point"
        return False

    await wait_for(reached, f"{count} finished records", step=0.005)
