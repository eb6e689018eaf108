"""Learning how long jobs take, so that polls land near their end.

A bulk rollout submits many jobs of one kind to one server; they take about as long as
each other. Once a few have finished, the others can sleep until the shortest typical
duration and then poll in small steps, instead of backing off geometrically (which polls
often early and overshoots late). Until there is a consistent estimate, the plain
backoff schedule applies; when the estimate first appears or moves, waiting pollers are
woken to re-plan.
"""

from __future__ import annotations

import collections
import dataclasses
import statistics

import anyio

__all__ = ["DurationEstimate", "Expected"]


@dataclasses.dataclass(frozen=True)
class Expected:
    """What recent jobs of a kind took, in seconds since their submission.

    Attributes:
        low: a short duration (10th percentile of the times the jobs were last seen
            running): the first poll goes no earlier.
        typical: the median duration; steps after it scale with it.
    """

    low: float
    typical: float


class DurationEstimate:
    """A window of recent job durations of one kind.

    Each finished job gives a bracket: it was still running at one poll and done at the
    next. The lower ends make ``low`` (so polls start early rather than late), the
    midpoints make ``typical``.

    Args:
        window: how many recent jobs are kept.
        min_samples: fewer jobs than this give no estimate.
        max_spread: no estimate while the 90th percentile exceeds this many times the 10th
            (jobs too unlike each other to predict).
        moved: a change of ``low`` by more than this fraction wakes the waiting pollers.
        scouts: while there is no estimate and at least ``crowd`` jobs are being waited
            for, this many of them poll densely to get one quickly (the others back off as
            usual and are woken when it appears). A lone job never scouts.
        crowd: how many jobs waited for at once make scouting worth its polls.
    """

    def __init__(
        self,
        window: int = 64,
        min_samples: int = 4,
        max_spread: float = 3.0,
        moved: float = 0.1,
        scouts: int = 4,
        crowd: int = 16,
    ) -> None:
        self._running: collections.deque[float] = collections.deque(maxlen=window)
        self._done: collections.deque[float] = collections.deque(maxlen=window)
        self._min_samples = min_samples
        self._max_spread = max_spread
        self._moved = moved
        self._current: Expected | None = None
        self._announced: Expected | None = None
        self._changed: anyio.Event | None = None
        self._scouts = scouts
        self._crowd = crowd
        self._scouting = 0
        self._waiting = 0
        self._finished = 0
        self._rough: collections.deque[tuple[float, float]] = collections.deque(maxlen=window)

    def __len__(self) -> int:
        return len(self._done) + len(self._rough)

    def observe(self, last_running: float | None, seen_done: float) -> None:
        """Record one job: still running ``last_running`` s after submission (``None``: it
        was done at its first poll), done at ``seen_done`` s. Only a tight bracket (within
        a quarter of the duration) counts, unless there are too few of those yet."""
        self._finished += 1
        if self._finished == 1 and self._current is None:
            self._wake()  # jobs do finish: followers stop waiting for the scouts
        if last_running is None or not 0 <= last_running <= seen_done:
            return
        if seen_done - last_running <= 0.25 * seen_done:
            self._running.append(last_running)
            self._done.append((last_running + seen_done) / 2)
        else:
            self._rough.append((last_running, seen_done))
        self._current = self._compute()
        if self._current is not None and self._moved_enough(self._current):
            self._announced = self._current
            self._wake()

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def enter(self) -> None:
        """A poller starts waiting for a job of this kind."""
        self._waiting += 1

    def leave(self, scout: bool) -> None:
        """A poller stops waiting (its job ended, or it gave up)."""
        self._waiting -= 1
        if self._waiting == 0:
            # nobody waits on it: let the next wait make its own (an event is bound to the
            # event loop that first waited on it, and the next wait may run in another)
            self._changed = None
        if scout:
            self._scouting -= 1
            if self._current is None:
                self._wake()  # followers re-plan: another scout, or plain backoff

    @property
    def following(self) -> bool:
        """Whether pollers without an estimate should leave the polling to the scouts:
        scouts are out and no job of this kind has finished yet."""
        return self._scouting > 0 and self._finished == 0 and self._current is None

    def claim_scout(self) -> bool:
        """Whether the caller should from now on poll densely, as one of the scouts."""
        if (
            self._current is not None
            or self._scouting >= self._scouts
            or self._waiting < self._crowd
            or len(self._done) >= self._min_samples  # known, but too unlike to predict
        ):
            return False
        self._scouting += 1
        return True

    def expected(self) -> Expected | None:
        """The current estimate, or ``None`` without enough consistent samples."""
        return self._current

    async def wait_changed(self) -> None:
        """Return when the estimate first appears or moves noticeably, or a scout stops
        without one."""
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()

    def _moved_enough(self, new: Expected) -> bool:
        old = self._announced
        return old is None or abs(new.low - old.low) > self._moved * old.low

    def _compute(self) -> Expected | None:
        running, done = list(self._running), list(self._done)
        if len(done) < self._min_samples:  # fall back on the rough brackets
            running += [r for r, _ in self._rough]
            done += [(r + d) / 2 for r, d in self._rough]
        if len(done) < self._min_samples:
            return None
        low = statistics.quantiles(running, n=10, method="inclusive")[0]
        deciles = statistics.quantiles(done, n=10, method="inclusive")
        if low <= 0 or deciles[-1] > self._max_spread * deciles[0]:
            return None
        return Expected(low=low, typical=statistics.median(done))
