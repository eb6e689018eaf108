"""Guarded rollouts: waves, a bake, a health gate, and rollback of a wave that fails.

The plan is replaced wave by wave (:func:`~aiodeploy._gate.plan_waves`). After each wave
the run bakes: it reads the service stats of each replaced deployment's *new* model while
traffic reaches it, and the gate (:class:`~aiodeploy._gate.HealthGate`) judges them. A wave
that fails, early or at the end of the bake, is rolled back: each of its replaced
deployments goes back to what it served before (recorded in the journal before its PATCH,
else read from its model history) with reason ``ERRORS``; later waves are not touched.

With a journal, a killed run resumes where it was: a passed wave is not judged again, a
bake goes on for what is left of it (wall-clock time), and a rollback in progress is
finished (a rollback that failed is not tried again blindly).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone

from ._api.deployments import get_deployment, get_model_history
from ._api.operation import ReplacementOperation, follow
from ._api.replacement import submit_replacement
from ._bulk import (
    BulkEvent,
    BulkResult,
    ItemResult,
    Outcome,
    ReplacementRequest,
    WaveProgress,
    gather_in_order,
)
from ._deadline import Deadline
from ._gate import GateStats, HealthGate, Verdict, judge_deployment, judge_wave, plan_waves
from ._journal import ItemState, Journal
from ._rollout import Rollout
from ._session import Session
from ._target import Target
from .enums import ModelReplacementReason
from .errors import AiodeployError

__all__ = ["Guard", "StatsReader", "guarded_run"]

StatsReader = Callable[[str, str, datetime], Awaitable[GateStats]]
"""Reads a deployment's stats for one model since a time: ``(deployment, model, since)``."""


@dataclasses.dataclass(frozen=True)
class Guard:
    """The guard of a rollout: its waves, bake (seconds) and gate."""

    marks: Sequence[int | str]
    bake: float
    gate: HealthGate
    read_stats: StatsReader
    poll_every: float = 10.0  # seconds between gate reads during a bake
    # wall-clock seconds: a bake started before a crash goes on for what is left of it
    wall: Callable[[], float] = time.time


async def guarded_run(
    rollout: Rollout,
    plan: list[ReplacementRequest],
    guard: Guard,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> BulkResult[ReplacementRequest]:
    """Replace ``plan`` wave by wave under ``guard`` (see the module docstring)."""
    started = clock()
    waves = plan_waves(len(plan), guard.marks)
    results: list[ItemResult[ReplacementRequest] | None] = [None] * len(plan)
    run = _GuardedRun(rollout, plan, guard, len(waves))
    failed_wave: int | None = None
    for number, wave in enumerate(waves):
        if failed_wave is not None:
            for index in wave:
                results[index] = ItemResult(plan[index], Outcome.NOT_STARTED)
            continue
        outcome = await run.wave(number, list(wave))
        for index, result in outcome.items():
            results[index] = result
        if run.failed:
            failed_wave = number
    final = [result for result in results if result is not None]
    assert len(final) == len(plan)
    return BulkResult(final, clock() - started)


class _GuardedRun:
    def __init__(
        self, rollout: Rollout, plan: list[ReplacementRequest], guard: Guard, waves: int
    ) -> None:
        self.rollout = rollout
        self.session: Session = rollout.session
        self.plan = plan
        self.guard = guard
        self.waves = waves
        self.failed = False
        self.journal: Journal | None = rollout.journal

    def _emit(self, event: BulkEvent) -> None:
        if self.rollout.on_event is not None:
            self.rollout.on_event(event)

    def _progress(
        self,
        number: int,
        stage: str,
        items: int,
        *,
        remaining_s: float | None = None,
        detail: str = "",
    ) -> None:
        self._emit(WaveProgress(number + 1, self.waves, stage, items, remaining_s, detail))

    async def _record(self, **fields: object) -> None:
        if self.journal is not None:
            at = datetime.now(timezone.utc).isoformat()
            await self.journal.append({"type": "wave", "at": at, **fields})

    async def wave(
        self, number: int, indexes: list[int]
    ) -> dict[int, ItemResult[ReplacementRequest]]:
        """Replace one wave, bake and judge it; roll it back if it fails."""
        known = self.journal.waves.get(number) if self.journal else None
        self._progress(number, "replacing", len(indexes))

        async def one(_: int, index: int) -> ItemResult[ReplacementRequest]:
            return await self.rollout.run_item(index, self.plan[index])

        done = await gather_in_order(indexes, one)
        results = {index: result for index, result in zip(indexes, done, strict=True) if result}
        replaced = [i for i, r in results.items() if r.outcome is Outcome.REPLACED]
        if known is not None and known.verdict == "pass":
            self._progress(number, "passed", len(indexes))
            return results
        if known is not None and known.verdict == "fail":
            failing = known.failing
        else:
            failing = await self._bake(number, replaced, known.baking_since if known else None)
        if not failing:
            self._progress(number, "passed", len(indexes))
            return results
        self.failed = True
        reason = "; ".join(f"{dep}: {why}" for dep, why in failing.items())
        self._progress(number, "rolling back", len(indexes), detail=reason)
        results.update(await self._roll_back(replaced, reason))
        self._progress(number, "rolled back", len(indexes), detail=reason)
        return results

    async def _bake(self, number: int, replaced: list[int], since: float | None) -> dict[str, str]:
        """Bake the wave and judge it; the failing deployments, with why (empty: passed).

        Nothing replaced (every item skipped, refused or failed) is nothing to judge.
        """
        guard = self.guard
        if since is None:
            since = guard.wall()
            await self._record(wave=number, since=since)
        models = await self._new_models(replaced)
        start = datetime.fromtimestamp(since, timezone.utc)
        while replaced:
            left = since + guard.bake - guard.wall()
            verdicts = await self._judge(replaced, models, start, final=left <= 0)
            verdict = judge_wave(verdicts, guard.gate)
            if verdict.verdict is not Verdict.UNDECIDED:
                failing = dict(verdict.failing) if verdict.verdict is Verdict.FAIL else {}
                await self._record(
                    wave=number, verdict="fail" if failing else "pass", failing=failing
                )
                return failing
            detail = next(iter(verdicts.values()))[1]
            self._progress(number, "baking", len(replaced), remaining_s=left, detail=detail)
            await self.session.sleep(max(0.0, min(left, guard.poll_every)))
        await self._record(wave=number, verdict="pass", failing={})
        return {}

    async def _new_models(self, replaced: list[int]) -> dict[int, str]:
        """The model id each replaced deployment now serves (a version names its model)."""
        models: dict[int, str] = {}

        async def one(_: int, index: int) -> None:
            request = self.plan[index]
            if request.model_id is not None:
                models[index] = request.model_id
                return
            deployment = await get_deployment(self.session, request.deployment_id)
            models[index] = deployment.model.id if deployment.model else ""

        await gather_in_order(replaced, one)
        return models

    async def _judge(
        self, replaced: list[int], models: dict[int, str], since: datetime, *, final: bool
    ) -> dict[str, tuple[Verdict, str]]:
        verdicts: dict[str, tuple[Verdict, str]] = {}

        async def one(_: int, index: int) -> None:
            dep_id = self.plan[index].deployment_id
            stats = await self.guard.read_stats(dep_id, models[index], since)
            verdicts[dep_id] = judge_deployment(dep_id, stats, self.guard.gate, final=final)

        await gather_in_order(replaced, one)
        return verdicts

    async def _roll_back(
        self, replaced: list[int], reason: str
    ) -> dict[int, ItemResult[ReplacementRequest]]:
        async def one(_: int, index: int) -> ItemResult[ReplacementRequest]:
            return await self._roll_back_one(index, reason)

        done = await gather_in_order(replaced, one)
        return {index: result for index, result in zip(replaced, done, strict=True) if result}

    async def _roll_back_one(self, index: int, reason: str) -> ItemResult[ReplacementRequest]:
        request = self.plan[index]
        state = (self.journal.items.get(index) if self.journal else None) or ItemState()
        why = AiodeployError(f"rolled back: {reason}")
        if state.rollback == "finished":  # a rollback is never tried again blindly
            outcome = Outcome(state.rollback_outcome or Outcome.ROLLBACK_FAILED.value)
            return ItemResult(request, outcome, error=why, resumed=True)
        deadline = Deadline.after(self.rollout.max_wait, self.session.clock)
        try:
            if state.rollback_token is not None:
                operation = ReplacementOperation.from_token(self.session, state.rollback_token)
            else:
                target = await self._previous(index, state)
                operation = await self._submit_rollback(index, target, deadline, state)
            deployment = None
            async for event in follow(operation, deadline):
                deployment = event.deployment
        except AiodeployError as exc:
            await self._record_rollback(index, "finished", outcome=Outcome.ROLLBACK_FAILED)
            error = AiodeployError(f"the rollback failed ({exc}) after: {reason}")
            return ItemResult(request, Outcome.ROLLBACK_FAILED, error=error)
        await self._record_rollback(index, "finished", outcome=Outcome.ROLLED_BACK)
        return ItemResult(request, Outcome.ROLLED_BACK, deployment=deployment, error=why)

    async def _submit_rollback(
        self, index: int, target: Target, deadline: Deadline, state: ItemState
    ) -> ReplacementOperation:
        async def journal() -> None:
            await self._record_rollback(index, "submitting")

        operation = await submit_replacement(
            self.session,
            self.plan[index].deployment_id,
            target,
            ModelReplacementReason.ERRORS,
            deadline=deadline,
            before_send=journal,
            in_doubt=state.rollback == "submitting",
        )
        await self._record_rollback(index, "submitted", token=operation.token())
        return operation

    async def _record_rollback(
        self, index: int, step: str, *, token: str | None = None, outcome: Outcome | None = None
    ) -> None:
        if self.journal is not None:
            record: dict[str, object] = {"type": "rollback", "index": index, "step": step}
            if token is not None:
                record["token"] = token
            if outcome is not None:
                record["outcome"] = outcome.value
            await self.journal.append(record)

    async def _previous(self, index: int, state: ItemState) -> Target:
        """What the deployment served before its wave: from this run or the journal, else
        the model history's entry before the last."""
        request = self.plan[index]
        before = self.rollout.previous.get(index)
        model = before.model.id if before and before.model else state.previous_model_id
        package = before.model_package if before else None
        version = package.id if package else state.previous_version_id
        if request.registered_model_version_id is not None and version is not None:
            return Target(version_id=version)
        if model is not None:
            return Target(model_id=model)
        history = await get_model_history(self.session, request.deployment_id)
        if len(history) < 2:
            raise AiodeployError(f"{request.deployment_id} has no earlier model to go back to")
        earlier = history[-2]
        if request.registered_model_version_id is not None and earlier.model_package_id:
            return Target(version_id=earlier.model_package_id)
        return Target(model_id=earlier.model_id)
