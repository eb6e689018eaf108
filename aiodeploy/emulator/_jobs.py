"""Asynchronous jobs whose progress is computed from the clock.

No task sleeps per job: a job stores when it is due, a heap orders the due times, and the
state settles every due job before it serves a request. Thousands of concurrent jobs cost
a heap entry each. What a job does is not known here: each state part registers, per job
kind, the effect that applies (or undoes) its change when the job settles.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping
from typing import Any

from aiodeploy.enums import AsyncStatus

from ._clock import Timeline
from ._faults import FaultInjector
from ._records import Job, JobKind, format_timestamp, object_id

__all__ = ["Duration", "Effect", "JobBook", "Settlement", "ends", "parse_duration"]

Duration = tuple[float, float]
"""A job duration range in seconds; each job draws uniformly from it."""

Settlement = tuple[AsyncStatus, str, int]
"""How a job ends: its final state, its status message and its code (0 when completed)."""

Effect = Callable[[Job, AsyncStatus, str], Settlement]
"""Applies (``COMPLETED``) or undoes (``ERROR``, ``ABORTED``) a job's change, given the
outcome and message asked for, and returns how the job really ends."""


def ends(outcome: AsyncStatus, message: str = "") -> Settlement:
    """Return the settlement of a job that ends as asked (code 1 unless it completed)."""
    return outcome, message, 0 if outcome is AsyncStatus.COMPLETED else 1


def parse_duration(value: float | tuple[float, float] | str, name: str = "duration") -> Duration:
    """Turn ``2``, ``(1.5, 3)`` or ``"1.5:3"`` into a ``(low, high)`` range.

    Raises:
        ValueError: If the range is negative, reversed, not finite or not numbers.
    """
    try:
        if isinstance(value, str):
            low_text, _, high_text = value.partition(":")
            low = float(low_text)
            high = float(high_text) if high_text else low
        elif isinstance(value, tuple):
            low, high = (float(v) for v in value)
        else:
            low = high = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be seconds or a (min, max) range, not {value!r}") from None
    if not (0 <= low <= high < float("inf")):
        raise ValueError(f"{name} must satisfy 0 <= min <= max, got {value!r}")
    return low, high


class JobBook:
    """Creates jobs, tells their status, and settles them when they are due.

    Args:
        seed: Seeds job ids and drawn durations.
        time: The clock jobs are due by, and their timestamps.
        durations: Duration range per job kind.
        faults: Decides which jobs fail or hang.

    Attributes:
        started: Jobs started per kind (``{"replace": 3}``).
        finished: Jobs settled per ``kind:state`` (``{"replace:COMPLETED": 2}``).
    """

    def __init__(
        self,
        seed: int,
        time: Timeline,
        durations: Mapping[JobKind, Duration],
        faults: FaultInjector,
    ) -> None:
        self._seed = seed
        self._clock = time.clock
        self._epoch = time.epoch
        self._durations = dict(durations)
        self._effects: dict[JobKind, Effect] = {}
        self._faults = faults
        self._rng = random.Random(f"durations:{seed}")
        self._jobs: dict[str, Job] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._count = 0
        self.started: dict[str, int] = {}
        self.finished: dict[str, int] = {}

    def on_settle(self, kind: JobKind, effect: Effect) -> None:
        """Register what settling a job of ``kind`` does (one effect per kind)."""
        if kind in self._effects:
            raise ValueError(f"{kind} jobs already have an effect")
        self._effects[kind] = effect

    def submit(
        self, kind: JobKind, deployment_id: str, payload: Mapping[str, Any], description: str
    ) -> Job:
        """Start a job now; it becomes due after a duration drawn for its kind."""
        low, high = self._durations[kind]
        duration = self._rng.uniform(low, high) if high > low else low
        fails, hangs = self._faults.job_outcome()
        now = self._clock()
        job = Job(
            id=object_id(self._seed, "job", self._count),
            kind=kind,
            deployment_id=deployment_id,
            started=now,
            created=format_timestamp(self._epoch(now)),
            due=None if hangs else now + duration,
            fails=fails,
            description=description,
            payload=payload,
        )
        self._count += 1
        self._jobs[job.id] = job
        if job.due is not None:
            heapq.heappush(self._heap, (job.due, self._count, job.id))
        self.started[str(kind)] = self.started.get(str(kind), 0) + 1
        return job

    def pop_due(self) -> list[Job]:
        """Return unsettled jobs whose time has come, earliest first."""
        heap = self._heap
        if not heap or heap[0][0] > self._clock():
            return []
        now = self._clock()
        due: list[Job] = []
        while heap and heap[0][0] <= now:
            _, _, job_id = heapq.heappop(heap)
            job = self._jobs.get(job_id)
            if job is not None and not job.settled:
                due.append(job)
        return due

    def advance(self) -> None:
        """Settle every job whose time has come, earliest first (a ``job_error`` job fails)."""
        for job in self.pop_due():
            if job.fails:
                self.finish(job, AsyncStatus.ERROR, "The job failed (injected job_error fault).")
            else:
                self.finish(job, AsyncStatus.COMPLETED)

    def finish(self, job: Job, outcome: AsyncStatus, message: str = "") -> None:
        """Settle a pending job now: run its kind's effect, then record how it ended."""
        self.settle(job, *self._effects[job.kind](job, outcome, message))

    def cancel(self, job_id: str) -> bool:
        """Abort a job if it is still pending (undoing its change) and forget it.

        Returns:
            False if there is no such job.
        """
        job = self._jobs.get(job_id)
        if job is None:
            return False
        if not job.settled:
            self.finish(job, AsyncStatus.ABORTED, "The job was cancelled.")
        self.forget(job_id)
        return True

    def settle(self, job: Job, state: AsyncStatus, message: str = "", code: int = 0) -> None:
        """Record a job's final state (its effect already applied or undone)."""
        job.settled = True
        job.state = state.value
        job.message = message
        job.code = code
        key = f"{job.kind}:{state.value}"
        self.finished[key] = self.finished.get(key, 0) + 1

    def get(self, job_id: str) -> Job | None:
        """Return a job by its status id, or None."""
        return self._jobs.get(job_id)

    def forget(self, job_id: str) -> Job | None:
        """Drop a job's record; its heap entry is skipped when it comes up."""
        return self._jobs.pop(job_id, None)

    def status(self, job: Job) -> str:
        """Return ``INITIALIZED``/``RUNNING`` for a pending job, else its final state.

        A job is ``INITIALIZED`` during the first tenth of its duration, and forever if it
        hangs (DataRobot jobs have been seen stuck there).
        """
        if job.settled:
            return job.state
        if job.due is None:
            return AsyncStatus.INITIALIZED.value
        elapsed = self._clock() - job.started
        if elapsed < 0.1 * (job.due - job.started):
            return AsyncStatus.INITIALIZED.value
        return AsyncStatus.RUNNING.value

    def pending(self) -> list[Job]:
        """Return jobs that have not settled (due later, or hanging)."""
        return [job for job in self._jobs.values() if not job.settled]
