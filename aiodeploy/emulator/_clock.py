"""The emulator's time: an injectable monotonic clock, anchored to the wall clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._records import format_timestamp

__all__ = ["Timeline"]


class Timeline:
    """Reads the monotonic clock and turns its readings into dates.

    Jobs are due at clock readings (so an injected clock drives them by hand), while
    timestamps in replies are dates: a reading maps to the wall-clock time at the last
    :meth:`restart` plus the clock time elapsed since.

    Args:
        clock: Monotonic seconds (``time.monotonic`` by default).
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic
        self._clock0 = self._epoch0 = 0.0
        self.restart()

    def restart(self) -> None:
        """Anchor clock readings to the wall clock now (at start and on reset)."""
        self._clock0, self._epoch0 = self.clock(), time.time()

    def now(self) -> float:
        """Return the clock's reading."""
        return self.clock()

    def epoch(self, reading: float) -> float:
        """Return the seconds since the epoch at which the clock read ``reading``."""
        return self._epoch0 + (reading - self._clock0)

    def now_epoch(self) -> float:
        """Return the current time in seconds since the epoch (follows the clock)."""
        return self.epoch(self.clock())

    def now_iso(self) -> str:
        """Return the current time as a DataRobot timestamp (follows the clock)."""
        return format_timestamp(self.now_epoch())
