"""Guarded rollouts: waves, a bake, a health gate, and rollback of a wave that fails.

The plan is replaced wave by wave (:func:`~aiodeploy._gate.plan_waves`). After each wave
the run bakes (:mod:`aiodeploy._bake`): it reads the service stats of each replaced
deployment's *new* model while traffic reaches it, and the gate
(:class:`~aiodeploy._gate.HealthGate`) judges them. A wave fails once more than
``max_failing`` of its deployments failed, those whose replacement did not end well (failed,
timed out, refused) included; a wave where nothing was replaced and something failed fails
without a bake (:func:`~aiodeploy._gate.judge_replacements`). A failing wave's replaced
deployments are rolled back (:mod:`aiodeploy._rollback`); later waves are not touched and
end ``not_started``.

A 401, or a 403 that the endpoint confirms, during a replacement, a gate read or a
rollback ends the run at once with that error, as in an unguarded rollout: nothing is
judged or rolled back with a refused token, and nothing the stop interrupted is journalled
as ended. The error's ``bulk_result`` holds the results so far: items that ended keep their
outcome (a replaced item of a wave still baking stays ``replaced``), an item whose
replacement or rollback had not ended is ``cancelled`` (with the error), later waves are
``not_started``. A rerun with a valid token and the same journal goes on where it stopped.

With a journal, a killed run resumes where it was: a passed wave is not judged again, a
bake goes on for what is left of it (wall-clock time: the journal holds when it began),
and a rollback in progress is finished (a rollback that ended is not sent again).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from ._bake import Bake, StatsReader
from ._bulk import (
    BulkEvent,
    BulkResult,
    ItemFinished,
    ItemResult,
    Outcome,
    ReplacementRequest,
    StopRun,
    WaveProgress,
    gather_in_order,
    relay_stop,
)
from ._gate import HealthGate, Verdict, judge_replacements, plan_waves
from ._journal import Journal
from ._rollback import FAILED_BY_GATE, RollBack
from ._rollout import Rollout
from .errors import AiodeployError

__all__ = ["Guard", "StatsReader", "guarded_run", "poll_interval", "wall_clock"]

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
        AuthenticationError, PermissionDeniedError: the token was refused (a 401, or a 403
            for the whole endpoint) during a replacement, a gate read or a rollback; the
            error's ``bulk_result`` holds the results so far (see the module docstring).
    """
    started = clock()
    waves = plan_waves(len(plan), guard.marks)
    run = _GuardedRun(rollout, plan, guard, len(waves))
    stopped: BaseException | None = None
    try:
        for number, wave in enumerate(waves):
            if run.failed:
                for index in wave:
                    run.finish(index, ItemResult(plan[index], Outcome.NOT_STARTED))
                continue
            await run.wave(number, list(wave))
    except StopRun as stop:
        stopped = stop.error
    if stopped is not None:
        if isinstance(stopped, AiodeployError):
            stopped.bulk_result = BulkResult(run.so_far(stopped), clock() - started)
        raise stopped
    return BulkResult(run.so_far(None), clock() - started)


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
        self.results: Results = {}  # the latest result of each item that ended
        self.started: set[int] = set()  # the items of the waves begun
        self.rolling: set[int] = set()  # the items whose rollback has not ended

    def _emit(self, event: BulkEvent) -> None:
        if self.rollout.on_event is not None:
            self.rollout.on_event(event)

    def finish(
        self, index: int, result: ItemResult[ReplacementRequest]
    ) -> ItemResult[ReplacementRequest]:
        """Tell ``on_event`` an item ended (a replaced item rolled back ends twice)."""
        self.results[index] = result
        self._emit(ItemFinished(index, result))
        return result

    def so_far(self, error: BaseException | None) -> list[ItemResult[ReplacementRequest]]:
        """Every item's result, in plan order; after a stop (``error``), an item of a wave
        begun that had not ended (its replacement or its rollback) is ``cancelled`` with
        that error, and one of a later wave ``not_started``."""
        final = []
        for index, request in enumerate(self.plan):
            result = self.results.get(index)
            if error is not None and (result is None or index in self.rolling):
                result = (
                    ItemResult(request, Outcome.CANCELLED, error=error)
                    if index in self.started
                    else ItemResult(request, Outcome.NOT_STARTED)
                )
            assert result is not None
            final.append(result)
        return final

    def _progress(
        self, number: int, stage: str, items: int, *, left: float | None = None, detail: str = ""
    ) -> None:
        self._emit(WaveProgress(number + 1, self.waves, stage, items, left, detail))

    async def _record(self, **fields: object) -> None:
        if self.journal is not None:
            at = datetime.now(timezone.utc).isoformat()
            await self.journal.append({"type": "wave", "at": at, **fields})

    async def wave(self, number: int, indexes: list[int]) -> None:
        """Replace one wave, bake and judge it; roll it back if it fails."""
        known = self.journal.waves.get(number) if self.journal else None
        wave_failed = known is not None and known.verdict == "fail"
        self.started.update(indexes)
        self._progress(number, "replacing", len(indexes))

        async def one(_: int, index: int) -> ItemResult[ReplacementRequest]:
            return self.finish(index, await self._replace(index, wave_failed=wave_failed))

        done = await gather_in_order(indexes, one, on_stop=relay_stop)
        results = {index: result for index, result in zip(indexes, done, strict=True) if result}
        replaced = [i for i, r in results.items() if r.outcome is Outcome.REPLACED]
        if known is not None and known.verdict is not None:
            failing = known.failing  # decided before a crash: never judged again
        else:
            since = known.baking_since if known is not None else None
            failing = await self._judge(number, results, replaced, since)
        if not failing:
            self._progress(number, "passed", len(indexes))
            return
        self.failed = True
        summary = "; ".join(f"{dep}: {why}" for dep, why in failing.items())
        self._progress(number, "failed", len(indexes), detail=summary)
        if not replaced:
            return  # nothing to put back: every item of the wave failed
        self._progress(number, "rolling back", len(replaced), detail=summary)
        roll_back = RollBack(self.rollout, self.plan)
        self.rolling.update(replaced)

        async def back(_: int, index: int) -> ItemResult[ReplacementRequest]:
            why = _why(self.plan[index].deployment_id, failing, len(indexes))
            result = await roll_back.item(index, why)
            self.rolling.discard(index)
            return self.finish(index, result)

        await gather_in_order(replaced, back, on_stop=relay_stop)
        self._progress(number, "rolled back", len(replaced), detail=summary)

    async def _replace(self, index: int, *, wave_failed: bool) -> ItemResult[ReplacementRequest]:
        """One item's replacement (resumed from the journal). In a wave that failed before
        a crash, an item that failed before its PATCH is not tried again: its wave is over."""
        request = self.plan[index]
        state = self.journal.items.get(index) if self.journal else None
        failed = (Outcome.FAILED.value, Outcome.TIMED_OUT.value)
        if wave_failed and state is not None and not state.submitting and state.outcome in failed:
            assert state.outcome is not None
            error = AiodeployError(state.error) if state.error else None
            return ItemResult(request, Outcome(state.outcome), error=error, resumed=True)
        return await self.rollout.run_item(index, request)

    async def _judge(
        self, number: int, results: Results, replaced: list[int], since: float | None
    ) -> dict[str, str]:
        """Judge the wave (baking it if its replacements leave that to the gate); the
        failing deployments, with why (empty: passed). The verdict is journalled."""
        guard = self.guard
        failed = {
            self.plan[index].deployment_id: _failure(result)
            for index, result in results.items()
            if not result.outcome.ok
        }
        verdict = judge_replacements(failed, len(replaced), guard.gate)
        if verdict is None:
            if since is None:
                since = guard.wall()
                await self._record(wave=number, since=since)

            def show(left: float, detail: str) -> None:
                self._progress(number, "baking", len(replaced), left=max(0.0, left), detail=detail)

            bake = Bake(
                guard.gate, guard.bake, guard.read_stats, guard.wall, self.poll_every,
                self.rollout, show,
            )  # fmt: skip
            models = {self.plan[i].deployment_id: self._model(i, results[i]) for i in replaced}
            verdict = await bake.judge(models, failed, since)
        failing = dict(verdict.failing) if verdict.verdict is Verdict.FAIL else {}
        await self._record(wave=number, verdict="fail" if failing else "pass", failing=failing)
        return failing

    def _model(self, index: int, result: ItemResult[ReplacementRequest]) -> str | None:
        """The model a replaced deployment now serves, when known without a read (a
        version names its model: the deployment read after the job tells it)."""
        request, after = self.plan[index], result.deployment
        if request.model_id is not None:
            return request.model_id
        return after.model.id if after is not None and after.model is not None else None


def _failure(result: ItemResult[ReplacementRequest]) -> str:
    """Why an item whose replacement did not end well counts as failing its wave."""
    what = {
        Outcome.REFUSED_VALIDATION: "was refused by validation",
        Outcome.TIMED_OUT: "timed out",
    }.get(result.outcome, str(result.outcome))
    return f"its replacement {what}" + (f": {result.error}" if result.error else "")


def _why(dep_id: str, failing: dict[str, str], size: int) -> str:
    """Why one deployment was rolled back: its own failure, or its wave's."""
    if dep_id in failing:
        return f"{FAILED_BY_GATE}{failing[dep_id]}"
    first, reason = next(iter(failing.items()))
    return (
        f"its wave failed the health gate ({len(failing)} of {size} deployment(s); "
        f"{first}: {reason})"
    )
