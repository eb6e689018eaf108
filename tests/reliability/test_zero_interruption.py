"""Zero interruption, shown: predictions keep flowing while every deployment is replaced.

Workers predict on every deployment without pause while ``replace_models`` replaces all
of them. The replacement jobs only end when the test moves the emulator's clock on, once
each deployment has served predictions both before and after its replacement was
accepted and enough predictions were made during the rollout. Then, per the emulator's
record of every prediction request:

* none failed (and the client saw no error);
* each deployment's predictions before its replacement was accepted were served by the
  old model, and every one after by the new model: the switch happened at acceptance,
  with no gap and no way back;
* ``get_service_stats`` counts exactly the predictions made, and with the new model's id
  exactly those after the switch.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from typing import Any

import anyio

from aiodeploy import AsyncDeploymentClient, ReplacementRequest
from aiodeploy.emulator import Emulator

from .conftest import SIZES, wait_for

JOB_SECONDS = 3600.0  # the emulator's clock, which the test moves on: jobs end on demand
WORKERS = 16


class _JumpClock:
    """The monotonic clock, plus the jumps the test makes."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def _request(emu: Emulator, index: int, dep: str, new: str) -> ReplacementRequest:
    """Every other deployment by the registered model version of its new model (DataRobot's
    current path), the others by model id."""
    if index % 2 == 0:
        return ReplacementRequest(dep, new, "SCHEDULED_REFRESH")
    candidate = emu.state.replacement_candidates(dep).passing[0]
    assert candidate.id == new
    return ReplacementRequest(
        dep, reason="SCHEDULED_REFRESH", registered_model_version_id=candidate.package_id
    )


def _fleet(emu: Emulator, count: int) -> list[tuple[str, str, str]]:
    """``count`` active deployments over the seed projects: (id, old model, new model)."""
    catalog = emu.state.catalog
    fleet = []
    for index in range(count):
        project = catalog.projects[index % len(catalog.projects)]
        record = emu.state.create_deployment(catalog.champion(project.id).id, f"live-{index}")
        target = emu.state.replacement_candidates(record.id).passing[0].id
        fleet.append((record.id, record.model_id, target))
    return fleet


async def test_predictions_are_never_interrupted_by_a_rollout(figures: dict[str, Any]) -> None:
    count, wanted = SIZES.zero_deployments, SIZES.zero_predictions
    clock = _JumpClock()
    async with Emulator(clock=clock, replacement_seconds=JOB_SECONDS) as emu:
        fleet = _fleet(emu, count)
        ids = [dep for dep, _, _ in fleet]
        log = emu.state.monitoring.data.requests
        made: Counter[str] = Counter()
        failures: list[BaseException] = []
        stop = anyio.Event()
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:

            async def predict(worker: int) -> None:
                for turn in itertools.count(worker):
                    if stop.is_set():
                        return
                    dep = ids[turn % count]
                    try:
                        await client.predict(dep, [{}])
                    except Exception as exc:  # counted, never allowed: asserted below
                        failures.append(exc)
                    else:
                        made[dep] += 1

            def served(condition: Any) -> bool:
                return all(condition(dep) for dep in ids)

            async with anyio.create_task_group() as load:
                for worker in range(WORKERS):
                    load.start_soon(predict, worker)
                await wait_for(lambda: served(lambda dep: made[dep] >= 2), "predictions before")
                started, began = len(log), time.perf_counter()
                plan = [_request(emu, index, dep, new) for index, (dep, _, new) in enumerate(fleet)]
                async with anyio.create_task_group() as rollout:
                    outcome: list[Any] = []

                    async def run() -> None:
                        outcome.append(await client.replace_models(plan))

                    rollout.start_soon(run)
                    switched = {dep: new for dep, _, new in fleet}
                    on_new: Counter[str] = Counter()
                    read = [started]

                    def after_switch() -> bool:
                        # only the records since the last look: the log grows all along
                        for entry in log[read[0] :]:
                            on_new[entry.deployment_id] += (
                                entry.model_id == switched[entry.deployment_id]
                            )
                        read[0] = len(log)
                        return served(lambda dep: on_new[dep] >= 2)

                    await wait_for(
                        lambda: after_switch() and len(log) - started >= wanted,
                        "predictions after every switch",
                        limit=300,
                    )
                    clock.offset += JOB_SECONDS + 1  # every replacement job ends now
                ended, elapsed = len(log), time.perf_counter() - began
                stop.set()
            result = outcome[0]
            assert result.ok, result.counts
            assert result.counts["replaced"] == count

            assert failures == []
            assert [r for r in log if r.status != 200 or r.error] == []
            for dep, old, new in fleet:
                record = emu.state.store.get(dep)
                assert record is not None
                accepted = record.deployed_epoch
                mine = [r for r in log if r.deployment_id == dep]
                assert [r.model_id for r in mine if r.epoch < accepted] == [old] * sum(
                    r.epoch < accepted for r in mine
                )
                assert {r.model_id for r in mine if r.epoch >= accepted} == {new}
                assert any(r.epoch < accepted for r in mine)
                stats = await client.get_service_stats(dep)
                assert stats.metrics.total_predictions == made[dep] == len(mine)
                after = await client.get_service_stats(dep, model_id=new)
                assert after.metrics.total_predictions == sum(r.epoch >= accepted for r in mine)
    during = ended - started
    assert during >= wanted
    figures.update(
        deployments=count,
        predictions_during_rollout=during,
        predictions_per_s=round(during / elapsed),
        failed=len(failures),
        rollout_s=round(elapsed, 2),
    )
