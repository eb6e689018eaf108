"""One wave's bake: reading its deployments' stats on the gate's poll schedule until the
health gate decides.

Rules (each read is ``GET deployments/{id}/serviceStats/?modelId=&start=``, see
:mod:`aiodeploy._guard_setup`):

* During the bake every replaced deployment is read each poll interval. A read that fails
  leaves its deployment undecided: the next poll reads it again, and the others may still
  fail the wave early.
* At the end of the bake every deployment is read once more. One whose read fails then is
  read again, a poll interval apart, up to :data:`REREADS` times (never past the call's
  ``max_wait``): a transient error (a 500, a dropped connection) never fails a healthy
  model by itself. Only a deployment whose stats could not be read at all by then fails,
  its reason saying so.
* A 401, or a 403 that the endpoint confirms (:class:`~aiodeploy._api.access.AccessCheck`),
  is no news about a model: it stops the whole run at once
  (:class:`~aiodeploy._bulk.StopRun`), nothing judged.
* The wave's failed replacements count as failing deployments (see
  :func:`~aiodeploy._gate.judge_replacements`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone

from ._api.deployments import get_deployment
from ._bulk import StopRun, gather_in_order, relay_stop
from ._gate import (
    GateStats,
    HealthGate,
    Verdict,
    WaveVerdict,
    describe_wave,
    judge_deployment,
    judge_wave,
)
from ._rollout import Rollout
from .errors import AiodeployError

__all__ = ["REREADS", "Bake", "StatsReader"]

StatsReader = Callable[[str, str, datetime], Awaitable[GateStats]]
"""Reads a deployment's stats for one model since a time: ``(deployment, model, since)``."""

REREADS = 5
"""Reads, a poll interval apart, of a deployment whose stats could not be read at the end
of the bake, before it fails for that."""

Read = dict[str, GateStats | AiodeployError]

_SLACK = 1e-3
"""A bake within a millisecond of its end is over: Unix time is a large float whose sums
are not exact, and a sleep of a few hundred nanoseconds would only buy one more read."""


@dataclasses.dataclass(frozen=True)
class Bake:
    """How one wave bakes: the gate, the bake's length, and where stats come from.

    Attributes:
        gate: the thresholds.
        seconds: the bake's length.
        read_stats: reads one deployment's stats of its new model.
        wall: Unix time (the bake's start is journalled in it).
        poll_every: seconds between two reads.
        rollout: the run's session, limiter, access check and ``max_wait``.
        show: told the seconds of bake left and what the gate sees, at each poll.
    """

    gate: HealthGate
    seconds: float
    read_stats: StatsReader
    wall: Callable[[], float]
    poll_every: float
    rollout: Rollout
    show: Callable[[float, str], None]

    def rereads(self) -> int:
        """How many times an unread deployment is read again after the bake's end."""
        within = min(REREADS * self.poll_every, self.rollout.max_wait)
        return int(within // self.poll_every) if self.poll_every > 0 else REREADS

    async def judge(
        self, models: dict[str, str | None], failed: Mapping[str, str], since: float
    ) -> WaveVerdict:
        """Bake from ``since`` (Unix time) and judge: a ``PASS`` or ``FAIL`` verdict.

        Args:
            models: each replaced deployment and the model it now serves (``None``: read
                it from the deployment).
            failed: the wave's deployments whose replacement did not end well, with why.
            since: when the bake began (a resumed bake goes on for what is left of it).

        Raises:
            StopRun: a read met an error no deployment escapes (the token was refused).
        """
        start = datetime.fromtimestamp(since, timezone.utc)
        while True:
            left = since + self.seconds - self.wall()
            left = 0.0 if left < _SLACK else left
            read = await self._read(models, list(models), start)
            verdict = self._verdict(read, failed, final=left <= 0)
            if verdict.verdict is not Verdict.UNDECIDED:
                return verdict
            if left <= 0:
                break  # decided but for the deployments whose stats could not be read
            seen = [got for got in read.values() if isinstance(got, GateStats)]
            self.show(left, describe_wave(seen))
            await self.rollout.session.sleep(min(left, self.poll_every))
        tries = self.rereads()
        for _ in range(tries):
            unread = [dep for dep, got in read.items() if not _ok(got)]
            self.show(0.0, f"stats of {len(unread)} deployment(s) not read yet: reading again")
            await self.rollout.session.sleep(self.poll_every)
            read.update(await self._read(models, unread, start))
            verdict = self._verdict(read, failed, final=True)
            if verdict.verdict is not Verdict.UNDECIDED:
                return verdict
        return self._verdict(read, failed, final=True, reads=tries + 1)

    def _verdict(
        self, read: Read, failed: Mapping[str, str], *, final: bool, reads: int = 0
    ) -> WaveVerdict:
        verdicts = {dep: (Verdict.FAIL, why) for dep, why in failed.items()}
        for dep, got in read.items():
            if isinstance(got, GateStats):
                verdicts[dep] = judge_deployment(dep, got, self.gate, final=final)
            elif reads:  # read again after the bake, and never read: no news is no pass
                why = f"stats not read ({reads} tries after the bake's end; the last: {got})"
                verdicts[dep] = (Verdict.FAIL, why)
            else:
                verdicts[dep] = (Verdict.UNDECIDED, f"stats not read yet: {got}")
        return judge_wave(verdicts, self.gate)

    async def _read(self, models: dict[str, str | None], deps: list[str], since: datetime) -> Read:
        """Each deployment's stats, or the error that kept them from being read."""
        read: Read = {}
        rollout = self.rollout

        async def one(_: int, dep_id: str) -> None:
            try:
                async with rollout.limiter:
                    model = models[dep_id]
                    if model is None:
                        models[dep_id] = model = await self._model_of(dep_id)
                    read[dep_id] = await self.read_stats(dep_id, model, since)
            except AiodeployError as exc:  # the session already retried what is retryable
                if await rollout.access.stops_everything(exc):
                    raise StopRun(exc) from exc
                read[dep_id] = exc

        await gather_in_order(deps, one, on_stop=relay_stop)
        return {dep: read[dep] for dep in deps}

    async def _model_of(self, dep_id: str) -> str:
        after = await get_deployment(self.rollout.session, dep_id)
        if after.model is None:
            raise AiodeployError(f"deployment {dep_id} reports no model")
        return after.model.id


def _ok(got: GateStats | AiodeployError) -> bool:
    return isinstance(got, GateStats)
