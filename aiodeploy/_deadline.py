"""The deadline of one call: made once from ``max_wait``, passed down to whatever waits.

A call that takes ``max_wait`` checks it once, turns it into a :class:`Deadline` (a reading
of the session's clock), and hands that value to everything it waits for: each request and
its retries (no backoff or ``Retry-After`` wait reaches past it, no attempt runs past it),
each poll of a job, and each read after the job. Nothing recomputes its own deadline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from .errors import AsyncTimeoutError

__all__ = ["Deadline", "check_max_wait", "cut_at"]

T = TypeVar("T")


def check_max_wait(max_wait: object) -> float:
    """``max_wait`` as a float, checked.

    Raises:
        TypeError: not a number (a bool is not a number of seconds).
        ValueError: negative, or NaN.
    """
    if not isinstance(max_wait, (int, float)) or isinstance(max_wait, bool):
        raise TypeError(f"max_wait must be a number of seconds, got {max_wait!r}")
    if max_wait < 0 or math.isnan(max_wait):
        raise ValueError(f"max_wait must be >= 0 seconds, got {max_wait!r}")
    return float(max_wait)


@dataclasses.dataclass(frozen=True)
class Deadline:
    """When a call's waiting must end.

    Attributes:
        max_wait: the seconds the call was given (for messages).
        at: the ``clock()`` reading at which it ends.
        clock: the monotonic clock the reading belongs to.
    """

    max_wait: float
    at: float
    clock: Callable[[], float] = dataclasses.field(repr=False, compare=False)

    @classmethod
    def start(cls, max_wait: object, clock: Callable[[], float]) -> Deadline:
        """A deadline ``max_wait`` seconds from now.

        Raises:
            TypeError, ValueError: see :func:`check_max_wait`.
        """
        return cls.after(check_max_wait(max_wait), clock)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float]) -> Deadline:
        """A deadline ``seconds`` (already checked) from now."""
        return cls(seconds, clock() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    def timeout(
        self,
        url: str,
        last_status: str | None = None,
        *,
        retry_after: float | None = None,
        waiting_for: str = "job",
    ) -> AsyncTimeoutError:
        """The error a wait raises when this deadline passes first (``retry_after``: the
        server's wait that reached past it, when that is why; ``waiting_for``: see
        :class:`~aiodeploy.errors.AsyncTimeoutError`)."""
        return AsyncTimeoutError(
            url=url,
            max_wait=self.max_wait,
            last_status=last_status,
            retry_after=retry_after,
            waiting_for=waiting_for,
        )


if sys.version_info >= (3, 11):

    async def cut_at(
        deadline: Deadline, work: Callable[[], Awaitable[T]], url: Callable[[], str]
    ) -> T:
        """``await work()``, cut at ``deadline``: then an :class:`AsyncTimeoutError` naming
        ``url()`` (a request). aiohttp runs on asyncio only, so asyncio's own timeout
        serves: half the cost of a cancel scope, on every request."""
        timeout = asyncio.timeout(deadline.remaining())
        try:
            async with timeout:
                return await work()
        except TimeoutError:
            if timeout.expired():
                raise deadline.timeout(url(), waiting_for="request") from None
            raise

else:  # pragma: no cover (Python 3.10)

    async def cut_at(
        deadline: Deadline, work: Callable[[], Awaitable[T]], url: Callable[[], str]
    ) -> T:
        """``await work()``, cut at ``deadline``: then an :class:`AsyncTimeoutError`."""
        with anyio.move_on_after(deadline.remaining()):
            return await work()
        raise deadline.timeout(url(), waiting_for="request")
