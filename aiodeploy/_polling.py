"""Waiting for DataRobot's asynchronous jobs (202 → ``status/{id}/`` → 303).

:func:`next_poll_delay` and :func:`interpret_status` are pure; :func:`wait_for_job` is the
loop around them, with ``sleep`` and ``clock`` injected so that tests run on a fake clock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import random
from collections.abc import AsyncGenerator, Awaitable, Callable

import anyio
import msgspec

from ._deadline import Deadline
from ._estimate import DurationEstimate, Expected
from ._retry import glitch, should_retry
from ._wire import JobStatus, Response, decode, location, raise_for_status, retry_after
from .errors import AsyncFailureError, AsyncProcessUnsuccessfulError, AsyncTimeoutError

__all__ = [
    "JobDone",
    "JobPending",
    "PollPolicy",
    "interpret_status",
    "next_poll_delay",
    "poll_job",
    "wait_for_job",
]

logger = logging.getLogger("aiodeploy")

# QUEUE and INPROGRESS: a project job's (``projects/{pid}/jobs/{id}/``) while it waits or runs
_RUNNING = frozenset({"INITIALIZED", "RUNNING", "QUEUE", "INPROGRESS"})
_FAILED = frozenset({"ERROR", "ABORTED", "EXPIRED"})
_status_decoder = msgspec.json.Decoder(JobStatus)
_FINAL_POLL_MARGIN = 0.5  # seconds kept for the final poll's round trip


@dataclasses.dataclass(frozen=True)
class PollPolicy:
    """How often a job's status URL is polled.

    Attributes:
        first_delay: seconds before the first poll.
        factor: each delay is the previous one times this.
        cap: no delay is longer than this (a server's ``Retry-After`` may ask for more).
        jitter: relative spread of each delay (0.1 = ±10 %), so that many jobs started
            together do not poll in lockstep.
        retry_after_cap: the longest wait a status reply may ask for (``Retry-After``, or a
            rate-limit reset on a refused poll): it is honoured in full, and a longer one,
            or one past the deadline, ends the wait at once with ``AsyncTimeoutError``.
        settle: once jobs of a kind have a known duration, the step between polls after
            the shortest typical duration, as a fraction of the typical duration.
        min_step: no step is shorter than this.
        learn: learn job durations per kind (replacement, settings) to poll near their end.
    """

    first_delay: float = 0.2
    factor: float = 1.5
    cap: float = 5.0
    jitter: float = 0.1
    retry_after_cap: float = 60.0
    settle: float = 0.1
    min_step: float = 0.05
    learn: bool = True

    def __post_init__(self) -> None:
        if self.first_delay < 0 or self.cap < 0 or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError(
                "PollPolicy needs first_delay >= 0, cap >= 0, factor >= 1, 0 <= jitter < 1"
            )
        if not (self.settle > 0 and self.min_step > 0):
            raise ValueError("PollPolicy needs settle > 0 and min_step > 0")


def next_poll_delay(
    poll: int,
    policy: PollPolicy,
    rng: random.Random,
    *,
    retry_after: float | None = None,
    elapsed: float = 0.0,
    last_poll: float | None = None,
    expected: Expected | None = None,
    role: str = "alone",
) -> float:
    """Seconds to wait before poll number ``poll`` (0 is the first poll).

    - A server's ``Retry-After`` wins (the caller has checked it against the cap).
    - With an estimate (jobs of this kind took about ``expected``): the next poll is at
      ``expected.low`` at the earliest, and ``settle`` times the typical duration after
      the previous poll (more when the job runs past the typical duration).
    - ``role="scout"``, no estimate yet: every ``settle`` of the elapsed time, to learn the
      duration quickly for the others.
    - ``role="follower"`` (others are scouting): ``cap``; the estimate will wake it earlier.
    - Otherwise: ``first_delay``, then times ``factor`` with jitter, up to ``cap``.

    Args:
        poll: 0-based index of the coming poll.
        policy: the schedule.
        rng: source of jitter.
        retry_after: the server's hint from the previous status reply, if any.
        elapsed: seconds since the job was submitted.
        last_poll: ``elapsed`` at the previous poll (``None`` before the first).
        expected: what recent jobs of this kind took, if known.
        role: ``alone``, ``scout`` or ``follower``.
    """
    if retry_after is not None:
        return retry_after
    spread = 1.0 + rng.uniform(-policy.jitter, policy.jitter)
    if expected is not None:
        overrun = max(0.0, elapsed - expected.typical)
        step = (policy.settle * expected.typical + 0.5 * overrun) * spread
        earliest = expected.low if last_poll is None else max(expected.low, last_poll + step)
        return min(policy.cap, max(0.0, earliest - elapsed))
    if role == "scout":
        return min(policy.cap, max(policy.min_step, policy.settle * elapsed) * spread)
    if role == "follower":
        return policy.cap
    base = min(policy.cap, policy.first_delay * policy.factor ** min(poll, 200))
    return min(policy.cap, base * spread)


@dataclasses.dataclass(frozen=True)
class JobPending:
    """The job still runs."""

    status: str
    retry_after: float | None


@dataclasses.dataclass(frozen=True)
class JobDone:
    """The job finished. ``location`` is the resulting resource (``None`` on a 200 COMPLETED)."""

    location: str | None


async def _woken(
    estimate: DurationEstimate, sleep: Callable[[float], Awaitable[None]], seconds: float
) -> bool:
    """Sleep ``seconds``; return True early if the estimate changed meanwhile."""
    if sleep is anyio.sleep:  # the cheap way; an injected (test) sleep must be raced instead
        with anyio.move_on_after(seconds):
            await estimate.wait_changed()
            return True
        return False
    woken = False
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            nonlocal woken
            await estimate.wait_changed()
            woken = True
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        await sleep(seconds)
        tg.cancel_scope.cancel()
    return woken


def interpret_status(response: Response) -> JobPending | JobDone:
    """What one reply from a status URL means.

    Raises:
        APIError: the reply is an error status (400 and above).
        AsyncProcessUnsuccessfulError: the job ended in ``ERROR``, ``ABORTED`` or ``EXPIRED``.
        AsyncFailureError: a reply the protocol does not allow (another status, or value).
        ResponseDecodeError: a 200 whose body is not a job status.
    """
    if response.status == 303:
        return JobDone(location(response))
    raise_for_status(response)
    if response.status != 200:
        raise AsyncFailureError(
            f"unexpected HTTP {response.status} while polling {response.url}",
            url=response.url,
            status_code=response.status,
        )
    job = decode(response, _status_decoder)
    status = job.status.upper()
    if status in _RUNNING:
        return JobPending(status, retry_after(response))
    if status == "COMPLETED":
        return JobDone(None)
    if status in _FAILED:
        raise AsyncProcessUnsuccessfulError(
            url=response.url, status=status, job_message=job.message
        )
    raise AsyncFailureError(
        f"unknown job status {job.status!r} at {response.url}",
        url=response.url,
        status_code=response.status,
    )


async def poll_job(
    get: Callable[[str], Awaitable[Response]],
    status_url: str,
    *,
    deadline: Deadline,
    policy: PollPolicy,
    rng: random.Random,
    sleep: Callable[[float], Awaitable[None]],
    estimate: DurationEstimate | None = None,
    elapsed_at_start: float = 0.0,
) -> AsyncGenerator[JobPending | JobDone, None]:
    """Poll ``status_url`` on the policy's schedule, yielding what each poll found.

    The last item yielded is a :class:`JobDone`. ``deadline`` bounds the whole wait, sleeps,
    polls and their retries included: when the next delay would reach past it, one final
    poll is made just before it. ``get`` must itself end by the deadline (the session's
    requests under a deadline do). A poll that fails transiently (``get``'s retries ran
    out on a connection error, 429 or 502-504), meets a glitch (another 5xx, a body that
    is not a job status) or a reply the protocol does not allow (an unknown status, an
    unexpected status code) brings no news: the job goes on, so polling does.

    Args:
        get: sends one GET (with its retries) and returns the reply, redirects not followed.
        status_url: the job's status URL (the 202's ``Location``).
        deadline: when the wait ends.
        policy: poll schedule.
        rng: jitter source.
        sleep: the sleep to use (injected for tests).
        estimate: durations of jobs of this kind: read to schedule polls, and fed with
            this job's duration when it ends.
        elapsed_at_start: seconds between the job's submission and this call.

    Raises:
        AsyncTimeoutError: the deadline passed first (also when no poll brought news).
        AsyncProcessUnsuccessfulError: the job failed.
        APIError: a 4xx (e.g. 404: the status is gone; 401/403: access refused).
    """
    clock = deadline.clock
    start = clock()
    last_status: str | None = None
    hint: float | None = None
    poll = 0
    last_poll: float | None = None  # elapsed at the previous poll (the job still ran)
    planned = math.inf  # clock time of the next poll, as planned before being woken
    scout = False
    if estimate is not None:
        estimate.enter()
    try:
        while True:
            now = clock()
            remaining = deadline.at - now
            if remaining <= 0:
                raise deadline.timeout(status_url, last_status)
            if hint is not None and (hint > policy.retry_after_cap or hint >= remaining):
                # the server's own instruction reaches past what we may wait: polling
                # earlier would disobey it, waiting would overrun the deadline
                raise deadline.timeout(status_url, last_status, retry_after=hint)
            elapsed = elapsed_at_start + now - start
            expected, role = None, "alone"
            if estimate is not None:
                expected = estimate.expected()
                scout = scout or estimate.claim_scout()
                role = "scout" if scout else "follower" if estimate.following else "alone"
            delay = next_poll_delay(
                poll,
                policy,
                rng,
                retry_after=hint,
                elapsed=elapsed,
                last_poll=last_poll,
                expected=expected,
                role=role,
            )
            # Being woken to re-plan may bring the next poll forward, never push it back
            # (else frequent wakes would starve a poller of its polls).
            delay = min(delay, max(0.0, planned - now))
            final = delay >= remaining
            # The final poll goes out before the deadline, with time left for its reply.
            nap = remaining - min(_FINAL_POLL_MARGIN, remaining / 2) if final else delay
            planned = now + nap
            if estimate is None or hint is not None:
                await sleep(nap)
            elif await _woken(estimate, sleep, nap):
                continue  # jobs of this kind have a (new) duration estimate: re-plan
            planned = math.inf
            if deadline.remaining() <= 0:
                raise deadline.timeout(status_url, last_status)
            lost: Exception | None = None
            try:
                outcome = interpret_status(await get(status_url))
            except AsyncTimeoutError:
                raise deadline.timeout(status_url, last_status) from None
            except Exception as exc:
                if not _no_news(exc):
                    raise
                lost = exc  # the job goes on whether or not its status could be read
                logger.info("poll of %s brought no news, polling on: %s", status_url, exc)
            poll += 1
            if lost is not None:
                if final:
                    raise deadline.timeout(status_url, last_status) from lost
                hint = _hint(getattr(lost, "retry_after", None), policy)
                continue
            polled = elapsed_at_start + clock() - start
            if isinstance(outcome, JobDone) and estimate is not None:
                estimate.observe(last_poll, polled)  # it ended between the two polls
            yield outcome
            if isinstance(outcome, JobDone):
                return
            last_poll = polled
            last_status, hint = outcome.status, _hint(outcome.retry_after, policy)
            if final:
                raise deadline.timeout(status_url, last_status)
    finally:
        if estimate is not None:
            estimate.leave(scout)


def _no_news(error: Exception) -> bool:
    """Whether a failed poll leaves the job's fate open, so polling goes on: a transient
    failure, a glitch (a 5xx, a gateway's page), or a reply the protocol does not allow (an
    unexpected status code, a status this client does not know). A job that failed, a 4xx
    (a status gone, access refused) and a cross-origin redirect do end the wait."""
    if isinstance(error, AsyncFailureError):
        return True
    return should_retry("GET", error) or glitch(error)


def _hint(retry_after: float | None, policy: PollPolicy) -> float | None:
    # "Retry-After: 0" on every status reply must not turn the wait into a busy loop.
    return None if retry_after is None else max(retry_after, policy.min_step)


async def wait_for_job(
    polls: AsyncGenerator[JobPending | JobDone, None],
    *,
    on_status: Callable[[str], None] | None = None,
) -> JobDone:
    """Run a :func:`poll_job` generator to the end and return the :class:`JobDone`.

    Args:
        polls: the poller (closed here, whatever happens).
        on_status: called with each status seen (``RUNNING``, ...; ``COMPLETED`` last),
            repeats included.

    Raises:
        The errors of :func:`poll_job`.
    """
    async with contextlib.aclosing(polls):
        async for outcome in polls:
            if on_status is not None:
                on_status(outcome.status if isinstance(outcome, JobPending) else "COMPLETED")
            if isinstance(outcome, JobDone):
                return outcome
    raise AssertionError("poll_job ended without a result")  # pragma: no cover
