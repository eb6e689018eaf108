"""When to retry a request and how long to wait first: pure policy, plus tenacity at the edge.

Rules (they beat the official client's blind POST/PATCH retries):

* GET, HEAD, OPTIONS, PUT, DELETE are idempotent: retried on connection errors, timeouts,
  429, 502, 503 and 504.
* POST and PATCH may have been acted on, so they are retried only when the server cannot
  have acted: the connection could not be opened, 429, or 503 with ``Retry-After``.
* A server's wait (``Retry-After`` in any form, or a rate-limit reset) is honoured in
  full, never cut short: a wait longer than ``retry_after_cap`` (or than what is left of
  the call's deadline) fails the request at once, the error carrying the wait in
  ``retry_after``. Without one, exponential backoff with full jitter.
* ``CancelledError`` is never retried, and after the last attempt the original typed error
  propagates, never tenacity's ``RetryError``.
* Under a :class:`~aiodeploy._deadline.Deadline` no wait reaches past it. A read inside a
  job wait *persists*: ``max_wait`` bounds its retries, not ``max_attempts`` (a job goes on
  whether or not its outcome could be read), and running out of time is an
  :class:`~aiodeploy.errors.AsyncTimeoutError`. Such a read is also retried on any 5xx
  but 501 and on a reply it cannot decode: one glitch of a gateway must not turn work the
  server did into a failure.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import tenacity

from ._deadline import Deadline
from .errors import APIError, ResponseDecodeError, ServerError, TransportError

__all__ = [
    "GiveUp",
    "RetryPolicy",
    "compute_backoff",
    "glitch",
    "retry_delay",
    "retry_wait",
    "send_with_retries",
    "server_hint",
    "should_retry",
]

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_IDEMPOTENT_RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried.

    Attributes:
        max_attempts: attempts in all, the first included (1 disables retries).
        backoff_base: first backoff ceiling, in seconds; doubled per attempt.
        backoff_cap: no backoff is longer than this.
        retry_after_cap: the longest server-asked wait (``Retry-After``, rate-limit reset)
            honoured; a longer one fails the request at once instead of retrying early.
    """

    max_attempts: int = 5
    backoff_base: float = 0.2
    backoff_cap: float = 10.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff_base, backoff_cap and retry_after_cap must be >= 0")


@dataclasses.dataclass(frozen=True)
class GiveUp:
    """Why no further attempt is made.

    Attributes:
        reason: ``final`` (the error cannot heal by retrying), ``attempts`` (``max_attempts``
            used up), ``server_wait`` (the server asked for a wait longer than
            ``retry_after_cap``) or ``deadline`` (the next attempt would start after it).
    """

    reason: str


def should_retry(method: str, error: BaseException, *, idempotent: bool | None = None) -> bool:
    """Whether ``error``, raised by a ``method`` request, is worth another attempt.

    Args:
        method: the request's method; decides idempotency unless ``idempotent`` is given.
        error: what the attempt raised.
        idempotent: the request changes nothing however often it is sent (e.g. a POST
            that only validates).
    """
    if not isinstance(error, Exception):  # CancelledError, KeyboardInterrupt, ...
        return False
    if idempotent is None:
        idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(error, TransportError):
        return idempotent or not error.request_sent
    if isinstance(error, APIError):
        if idempotent:
            return error.status_code in _IDEMPOTENT_RETRY_STATUSES
        return error.status_code == 429 or (
            error.status_code == 503 and error.retry_after is not None
        )
    return False


def glitch(error: BaseException) -> bool:
    """Whether ``error`` is a reply that says nothing about the server's state: a 5xx
    (but 501, which will not change) or a body that cannot be decoded, e.g. a gateway's
    HTML page. Reads that wait for a job's outcome try again after one."""
    if isinstance(error, ServerError):
        return error.status_code != 501
    return isinstance(error, ResponseDecodeError)


def _retryable(method: str, error: BaseException, idempotent: bool | None, persist: bool) -> bool:
    if should_retry(method, error, idempotent=idempotent):
        return True
    return persist and method.upper() in IDEMPOTENT_METHODS and glitch(error)


def compute_backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
    ceiling = min(cap, base * 2 ** min(attempt - 1, 62))
    return rng.uniform(0.0, ceiling)


def retry_delay(
    error: BaseException, attempt: int, policy: RetryPolicy, rng: random.Random
) -> float:
    """Seconds to wait before the next attempt: the server's wait if it asked, else backoff."""
    hint = server_hint(error)
    if hint is not None:
        return hint
    return compute_backoff(attempt, base=policy.backoff_base, cap=policy.backoff_cap, rng=rng)


def server_hint(error: BaseException) -> float | None:
    """The wait, in seconds, the server asked for with ``error``, if any."""
    hint = getattr(error, "retry_after", None)
    if isinstance(hint, (int, float)) and not isinstance(hint, bool) and 0 <= hint < math.inf:
        return float(hint)
    return None


def retry_wait(
    method: str,
    error: BaseException,
    attempt: int,
    policy: RetryPolicy,
    rng: random.Random,
    *,
    idempotent: bool | None = None,
    remaining: float | None = None,
    persist: bool = False,
) -> float | GiveUp:
    """Seconds to wait before retrying after attempt number ``attempt`` failed, or why not.

    Args:
        method: the request's method.
        error: what attempt ``attempt`` (1-based) raised.
        policy: the retry policy.
        rng: source of jitter.
        idempotent: see :func:`should_retry`.
        remaining: seconds left before the call's deadline (``None``: no deadline).
        persist: retry transient errors until the deadline, whatever ``max_attempts`` (and
            ``retry_after_cap``) say: a job wait's reads, bounded by ``max_wait``.
    """
    if not _retryable(method, error, idempotent, persist):
        return GiveUp("final")
    if not persist and attempt >= policy.max_attempts:
        return GiveUp("attempts")
    delay = retry_delay(error, attempt, policy, rng)
    if persist:
        delay = max(delay, policy.backoff_base)  # "Retry-After: 0" must not busy-loop
    if remaining is not None and delay >= remaining:
        return GiveUp("deadline")
    hint = server_hint(error)
    if not persist and hint is not None and hint > policy.retry_after_cap:
        return GiveUp("server_wait")  # never ask again before the server's time
    return delay


async def send_with_retries(
    send: Callable[[], Coroutine[Any, Any, T]],
    method: str,
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
    on_retry: Callable[[BaseException, int, float], None] | None = None,
    idempotent: bool | None = None,
    deadline: Deadline | None = None,
    persist: bool = False,
    url: str | Callable[[], str] = "",
) -> T:
    """Await ``send()`` until it succeeds or :func:`retry_wait` gives up.

    ``send`` must be an ``async def`` function: tenacity awaits only coroutine functions.

    Raises:
        The last error ``send`` raised, unchanged; or, when ``persist`` is set and the
        deadline ends the retries, :class:`~aiodeploy.errors.AsyncTimeoutError` (naming
        ``url``) from that error.
    """

    def decide(error: BaseException, attempt: int) -> float | GiveUp:
        remaining = None if deadline is None else deadline.remaining()
        return retry_wait(
            method, error, attempt, policy, rng,
            idempotent=idempotent, remaining=remaining, persist=persist,
        )  # fmt: skip

    def timed_out(error: BaseException, why: GiveUp) -> BaseException | None:
        if why.reason == "deadline" and persist and deadline is not None:
            where = url() if callable(url) else url  # made only when needed: it costs
            return deadline.timeout(where, retry_after=server_hint(error), waiting_for="request")
        return None  # the original error stands

    # The first attempt runs bare: nearly every request succeeds at once, and tenacity's
    # machinery costs more CPU than the request itself takes on the client side.
    try:
        return await send()
    except Exception as error:
        first = decide(error, 1)
        if isinstance(first, GiveUp):
            timeout = timed_out(error, first)
            if timeout is None:
                raise
            raise timeout from error
        if on_retry is not None:
            on_retry(error, 1, first)
    await sleep(first)

    decided: list[float | GiveUp] = []

    def wait(state: tenacity.RetryCallState) -> float:
        assert state.outcome is not None
        error = state.outcome.exception()
        assert error is not None
        decided.append(decide(error, state.attempt_number + 1))
        outcome = decided[-1]
        return 0.0 if isinstance(outcome, GiveUp) else outcome

    def stop(state: tenacity.RetryCallState) -> bool:
        return isinstance(decided[-1], GiveUp)

    def on_give_up(state: tenacity.RetryCallState) -> Any:
        assert state.outcome is not None
        error = state.outcome.exception()
        why = decided[-1]
        assert error is not None
        assert isinstance(why, GiveUp)
        timeout = timed_out(error, why)
        if timeout is None:
            raise error
        raise timeout from error

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            assert error is not None
            on_retry(error, state.attempt_number + 1, state.upcoming_sleep)

    retrying = tenacity.AsyncRetrying(
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_exception(lambda e: _retryable(method, e, idempotent, persist)),
        sleep=sleep,
        reraise=True,
        before_sleep=before_sleep,
        retry_error_callback=on_give_up,
    )
    return await retrying(send)
