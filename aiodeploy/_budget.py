"""The request budget every operation of a client shares.

Ten thousand replacements in flight must not mean ten thousand simultaneous polls: each
request waits for a slot (a cap on requests in flight) and, optionally, for its turn under
a requests-per-second pace. Each operation still follows its own backoff schedule; the
budget only decides when its request may go out.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

__all__ = ["RequestBudget"]


class RequestBudget:
    """Caps a client's requests in flight and, optionally, their rate.

    Args:
        max_in_flight: requests sent and not yet answered, at most.
        per_second: average requests per second, at most (``None``: no pace).
        burst: requests that may go out back to back after a quiet spell.
        clock: monotonic clock in seconds.
        sleep: the sleep to use.
    """

    def __init__(
        self,
        max_in_flight: int,
        per_second: float | None = None,
        *,
        burst: int = 10,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        if per_second is not None and not per_second > 0:
            raise ValueError(f"requests per second must be > 0, got {per_second}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst}")
        self.max_in_flight = max_in_flight
        self.per_second = per_second
        self._burst = burst
        # A semaphore, not a CapacityLimiter: no per-task borrower bookkeeping on the hot
        # path; fast_acquire skips the extra trip through the event loop when a slot is free
        # (the request itself is the checkpoint).
        self._limiter = anyio.Semaphore(max_in_flight, fast_acquire=True)
        self._clock = clock
        self._sleep = sleep
        self._next_start = float("-inf")

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self.max_in_flight - self._limiter.value

    async def _pace(self) -> None:
        assert self.per_second is not None
        interval = 1.0 / self.per_second
        now = self._clock()
        # A token bucket without a task: each request books the next start time; after a
        # quiet spell up to `burst` requests may start at once.
        start = max(self._next_start, now - (self._burst - 1) * interval)
        self._next_start = start + interval
        if start > now:
            await self._sleep(start - now)

    def slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """Hold one request's place in the budget while the request runs."""
        if self.per_second is None:
            return self._limiter  # the common case, without a generator's overhead
        return self._paced_slot()

    @contextlib.asynccontextmanager
    async def _paced_slot(self) -> AsyncIterator[None]:
        await self._pace()
        async with self._limiter:
            yield
