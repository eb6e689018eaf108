"""Guarded rollouts: waves, a bake, a health gate, and rollback of a wave that fails.

The plan is replaced wave by wave (:func:`~aiodeploy._gate.plan_waves`). After each wave
the run bakes: it reads the service stats of each replaced deployment's *new* model while
traffic reaches it, and the gate (:class:`~aiodeploy._gate.HealthGate`) judges them. A wave
that fails, early or at the end of the bake, is rolled back (:mod:`aiodeploy._rollback`);
later waves are not touched and end ``not_started``.

With a journal, a killed run resumes where it was: a passed wave is not judged again, a
bake goes on for what is left of it (wall-clock time: the journal holds when it began),
and a rollback in progress is finished (a rollback that ended is not sent again).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone

from ._api.deployments import get_deployment
from ._bulk import (
    BulkEvent,
    BulkResult,
    ItemFinished,
    ItemResult,
    Outcome,
    ReplacementRequest,
    WaveProgress,
    gather_in_order,
)
from ._gate import (
    GateStats,
    HealthGate,
    Verdict,
    describe_wave,
    judge_deployment,
    judge_wave,
    plan_waves,
)
from ._journal import Journal
from ._rollback import FAILED_BY_GATE, RollBack
from ._rollout import Rollout
from .errors import AiodeployError

__all__ = ["Guard", "StatsReader", "guarded_run", "poll_interval", "wall_clock"]

StatsReader = Callable[[str, str, datetime], Awaitable[GateStats]]
"""Reads a deployment's stats for one model since a time: ``(deployment, model, since)``."""

Results = dict[int, ItemResult[ReplacementRequest]]


def poll_interval(bake: float) -> float:
    """Seconds between two gate reads of a bake: a tenth of it, from 0.5 s to 30 s
    (DataRobot aggregates service stats; reading more often shows nothing new)."""
    return min(30.0, max(bake / 10, 0.5))


def wall_clock(clock: Callable[[], float]) -> Callable[[], float]:
    """Unix time that moves with ``clock`` (a monotonic clock, injectable): anchored to
    ``time.time()`` now. A bake is timed on it, so a test's clock drives it, and a run
    resumed after a crash, anchored anew, bakes for the wall-clock time left."""
    offset = time.time() - clock()
    return lambda: clock() + offset


@dataclasses.dataclass(frozen=True)
class Guard:
    """The guard of a rollout: its waves, bake (seconds) and gate.

    ``read_stats`` reads one deployment's stats of its new model; ``wall`` gives Unix time
    (a bake started before a crash goes on for what is left of it).
    """

    marks: Sequence[int | str]
    bake: float
    gate: HealthGate
    read_stats: StatsReader
    wall: Callable[[], float] = time.time
    poll_every: float | None = None  # seconds between gate reads (None: poll_interval)


async def guarded_run(
    rollout: Rollout,
    plan: list[ReplacementRequest],
    guard: Guard,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> BulkResult[ReplacementRequest]:
    """Replace ``plan`` wave by wave under ``guard`` (see the module docstring).

    Raises:
        ValueError: the marks do not cut the plan into waves.
    """
    started = clock()
    waves = plan_waves(len(plan), guard.marks)
    results: list[ItemResult[ReplacementRequest] | None] = [None] * len(plan)
    run = _GuardedRun(rollout, plan, guard, len(waves))
    for number, wave in enumerate(waves):
        if run.failed:
            for index in wave:
                results[index] = run.finish(index, ItemResult(plan[index], Outcome.NOT_STARTED))
            continue
        for index, result in (await run.wave(number, list(wave))).items():
            results[index] = result
    final = [result for result in results if result is not None]
    assert len(final) == len(plan)
    return BulkResult(final, clock() - started)


class _GuardedRun:
    def __init__(
        self, rollout: Rollout, plan: list[ReplacementRequest], guard: Guard, waves: int
    ) -> None:
        self.rollout = rollout
        self.plan = plan
        self.guard = guard
        self.waves = waves
        self.failed = False
        self.journal: Journal | None = rollout.journal
        self.poll_every = guard.poll_every or poll_interval(guard.bake)

    def _emit(self, event: BulkEvent) -> None:
        if self.rollout.on_event is not None:
            self.rollout.on_event(event)

    def finish(
        self, index: int, result: ItemResult[ReplacementRequest]
    ) -> ItemResult[ReplacementRequest]:
        """Tell ``on_event`` an item ended (a replaced item rolled back ends twice)."""
        self._emit(ItemFinished(index, result))
        return result

    def _progress(
        self, number: int, stage: str, items: int, *, left: float | None = None, detail: str = ""
    ) -> None:
        self._emit(WaveProgress(number + 1, self.waves, stage, items, left, detail))

    async def _record(self, **fields: object) -> None:
        if self.journal is not None:
            at = datetime.now(timezone.utc).isoformat()
            await self.journal.append({"type": "wave", "at": at, **fields})

    async def wave(self, number: int, indexes: list[int]) -> Results:
        """Replace one wave, bake and judge it; roll it back if it fails."""
        known = self.journal.waves.get(number) if self.journal else None
        self._progress(number, "replacing", len(indexes))

        async def one(_: int, index: int) -> ItemResult[ReplacementRequest]:
            return self.finish(index, await self.rollout.run_item(index, self.plan[index]))

        done = await gather_in_order(indexes, one)
        results = {index: result for index, result in zip(indexes, done, strict=True) if result}
        replaced = [i for i, r in results.items() if r.outcome is Outcome.REPLACED]
        if known is not None and known.verdict is not None:
            failing = known.failing  # decided before a crash: never judged again
        else:
            since = known.baking_since if known is not None else None
            failing = await self._bake(number, replaced, results, since)
        if not failing:
            self._progress(number, "passed", len(indexes))
            return results
        self.failed = True
        summary = "; ".join(f"{dep}: {why}" for dep, why in failing.items())
        self._progress(number, "failed", len(indexes), detail=summary)
        self._progress(number, "rolling back", len(replaced), detail=summary)
        roll_back = RollBack(self.rollout, self.plan)

        async def back(_: int, index: int) -> ItemResult[ReplacementRequest]:
            why = _why(self.plan[index].deployment_id, failing, len(replaced))
            return self.finish(index, await roll_back.item(index, why))

        undone = await gather_in_order(replaced, back)
        results.update({i: r for i, r in zip(replaced, undone, strict=True) if r is not None})
        self._progress(number, "rolled back", len(replaced), detail=summary)
        return results

    async def _bake(
        self, number: int, replaced: list[int], results: Results, since: float | None
    ) -> dict[str, str]:
        """Bake the wave and judge it; the failing deployments, with why (empty: passed).

        Nothing replaced (every item skipped, refused or failed) is nothing to judge.
        """
        guard = self.guard
        if since is None:
            since = guard.wall()
            await self._record(wave=number, since=since)
        models = await self._new_models(replaced, results)
        start = datetime.fromtimestamp(since, timezone.utc)
        while replaced:
            left = since + guard.bake - guard.wall()
            stats = await self._read(replaced, models, start)
            verdicts = {
                dep: _judge(dep, got, guard.gate, final=left <= 0) for dep, got in stats.items()
            }
            verdict = judge_wave(verdicts, guard.gate)
            if verdict.verdict is not Verdict.UNDECIDED:
                failing = dict(verdict.failing) if verdict.verdict is Verdict.FAIL else {}
                await self._record(
                    wave=number, verdict="fail" if failing else "pass", failing=failing
                )
                return failing
            read = [got for got in stats.values() if isinstance(got, GateStats)]
            detail = describe_wave(read)
            self._progress(number, "baking", len(replaced), left=max(0.0, left), detail=detail)
            await self.rollout.session.sleep(max(0.0, min(left, self.poll_every)))
        await self._record(wave=number, verdict="pass", failing={})
        return {}

    async def _new_models(self, replaced: list[int], results: Results) -> dict[int, str]:
        """The model id each replaced deployment now serves (a version names its model)."""
        models: dict[int, str] = {}

        async def one(_: int, index: int) -> None:
            request, after = self.plan[index], results[index].deployment
            if request.model_id is not None:
                models[index] = request.model_id
                return
            if after is None or after.model is None:
                async with self.rollout.limiter:
                    after = await get_deployment(self.rollout.session, request.deployment_id)
            models[index] = after.model.id if after.model else ""

        await gather_in_order(replaced, one)
        return models

    async def _read(
        self, replaced: list[int], models: dict[int, str], since: datetime
    ) -> dict[str, GateStats | AiodeployError]:
        """Each replaced deployment's stats, or the error that kept them from being read."""
        read: dict[str, GateStats | AiodeployError] = {}

        async def one(_: int, index: int) -> None:
            dep_id = self.plan[index].deployment_id
            try:
                async with self.rollout.limiter:
                    read[dep_id] = await self.guard.read_stats(dep_id, models[index], since)
            except AiodeployError as exc:  # the session already retried what is retryable
                read[dep_id] = exc

        await gather_in_order(replaced, one)
        return {self.plan[i].deployment_id: read[self.plan[i].deployment_id] for i in replaced}


def _judge(
    dep_id: str, stats: GateStats | AiodeployError, gate: HealthGate, *, final: bool
) -> tuple[Verdict, str]:
    """A deployment whose stats cannot be read waits, and fails at the end of the bake:
    no news of a new model is no reason to keep it."""
    if isinstance(stats, AiodeployError):
        return (Verdict.FAIL if final else Verdict.UNDECIDED), f"stats not read: {stats}"
    return judge_deployment(dep_id, stats, gate, final=final)


def _why(dep_id: str, failing: dict[str, str], replaced: int) -> str:
    """Why one deployment was rolled back: its own failure, or its wave's."""
    if dep_id in failing:
        return f"{FAILED_BY_GATE}{failing[dep_id]}"
    first, reason = next(iter(failing.items()))
    return (
        f"its wave failed the health gate ({len(failing)} of {replaced} deployment(s); "
        f"{first}: {reason})"
    )
