"""Learned job durations: the estimate, scouting, and the schedule they produce."""

from __future__ import annotations

import random

import anyio
import pytest

from aiodeploy._deadline import Deadline
from aiodeploy._estimate import DurationEstimate, Expected
from aiodeploy._polling import JobDone, PollPolicy, next_poll_delay, poll_job
from aiodeploy._wire import Response

POLICY = PollPolicy(jitter=0.0)
URL = "https://dr.test/api/v2/status/1/"


def feed(estimate: DurationEstimate, brackets) -> None:
    for running, done in brackets:
        estimate.observe(running, done)


def test_no_estimate_until_enough_tight_brackets() -> None:
    estimate = DurationEstimate(min_samples=4)
    feed(estimate, [(1.9, 2.0)] * 3)
    assert estimate.expected() is None
    feed(estimate, [(1.95, 2.05)])
    expected = estimate.expected()
    assert expected is not None
    assert expected.low == pytest.approx(1.9)
    assert 1.95 <= expected.typical <= 2.0


def test_rough_brackets_count_only_while_tight_ones_are_too_few() -> None:
    estimate = DurationEstimate(min_samples=2)
    feed(estimate, [(1.0, 3.0), (1.1, 3.1)])  # wide: from geometric backoff
    rough = estimate.expected()
    assert rough is not None
    assert rough.low < 1.2
    feed(estimate, [(1.9, 2.0), (1.92, 2.02)])
    assert estimate.expected().low == pytest.approx(1.9, abs=0.01)


def test_jobs_too_unlike_each_other_give_no_estimate() -> None:
    estimate = DurationEstimate(min_samples=4, max_spread=3.0)
    feed(estimate, [(0.45, 0.5), (0.9, 1.0), (9.0, 10.0), (18, 20)])
    assert estimate.expected() is None


def test_scouts_only_in_a_crowd_and_released_on_leave() -> None:
    estimate = DurationEstimate(scouts=2, crowd=3)
    estimate.enter()
    assert not estimate.claim_scout()  # a lone job never scouts
    estimate.enter()
    estimate.enter()
    assert estimate.claim_scout()
    assert estimate.claim_scout()
    assert not estimate.claim_scout()
    estimate.leave(scout=True)
    assert not estimate.claim_scout()  # two waiting: no longer a crowd
    estimate.enter()
    assert estimate.claim_scout()
    feed(estimate, [(1.9, 2.0)] * 4)
    estimate.enter()
    assert not estimate.claim_scout()  # an estimate exists: no more scouting


async def test_waiters_are_woken_by_the_first_finish_and_by_the_estimate() -> None:
    estimate = DurationEstimate(min_samples=3)
    wakes: list[int] = []

    async def waiter() -> None:
        await estimate.wait_changed()
        wakes.append(len(estimate))

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        estimate.observe(1.9, 2.0)  # the first job of this kind finished
        await anyio.wait_all_tasks_blocked()
        assert wakes == [1]
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        estimate.observe(1.95, 2.0)  # no estimate yet: nobody woken
        await anyio.wait_all_tasks_blocked()
        assert wakes == [1]
        estimate.observe(1.9, 2.05)  # the estimate appears
        await anyio.wait_all_tasks_blocked()
        assert wakes == [1, 3]


def test_schedule_with_an_estimate() -> None:
    rng = random.Random(1)
    expected = Expected(low=1.8, typical=2.0)

    def delay(elapsed, last_poll=None):
        return next_poll_delay(
            3, POLICY, rng, elapsed=elapsed, last_poll=last_poll, expected=expected
        )

    assert delay(0.3) == pytest.approx(1.5)  # sleep until the shortest typical duration
    assert delay(1.9) == 0.0  # past it and not polled since: poll now (e.g. just woken)
    assert delay(1.9, last_poll=1.85) == pytest.approx(0.15)  # a tenth of 2 s after the poll
    assert delay(6.0, last_poll=6.0) == pytest.approx(0.2 + 0.5 * 4.0)  # late: steps grow
    assert delay(600, last_poll=600) == POLICY.cap


def test_roles_without_an_estimate() -> None:
    rng = random.Random(1)
    assert next_poll_delay(0, POLICY, rng, elapsed=0.0, role="scout") == POLICY.min_step
    assert next_poll_delay(7, POLICY, rng, elapsed=1.5, role="scout") == pytest.approx(0.15)
    # followers wait for the scouts' estimate, with one safety poll per cap
    assert next_poll_delay(0, POLICY, rng, elapsed=0.0, role="follower") == POLICY.cap
    assert next_poll_delay(0, POLICY, rng, elapsed=0.0) == POLICY.first_delay


def test_followers_wait_for_scouts_only_until_a_job_finishes() -> None:
    estimate = DurationEstimate(scouts=1, crowd=2)
    estimate.enter()
    estimate.enter()
    assert not estimate.following
    assert estimate.claim_scout()
    assert estimate.following
    estimate.observe(None, 2.0)  # a job done at its first poll: no sample, but jobs finish
    assert len(estimate) == 0
    assert not estimate.following
    estimate.leave(scout=True)
    assert not estimate.following


async def test_poll_job_sleeps_until_the_expected_end(clock) -> None:
    estimate = DurationEstimate(min_samples=4)
    feed(estimate, [(1.85, 2.0), (1.9, 2.05), (1.95, 2.1), (1.9, 2.0)])
    done_at = 2.0

    async def get(url: str) -> Response:
        if clock.now >= done_at:
            return Response(
                303, {"location": "https://dr.test/api/v2/deployments/d/"}, b"", "GET", url
            )
        body = b'{"status": "RUNNING", "statusId": "1"}'
        return Response(200, {}, body, "GET", url)

    outcomes = [
        o
        async for o in poll_job(
            get, URL, deadline=Deadline.start(60, clock), policy=POLICY, rng=random.Random(0),
            sleep=clock.sleep, estimate=estimate,
        )
    ]  # fmt: skip
    assert isinstance(outcomes[-1], JobDone)
    assert clock.sleeps[0] == pytest.approx(estimate.expected().low, abs=0.01)
    assert len(outcomes) <= 3
    assert clock.now - done_at <= 0.25  # seen within one step of its end


async def test_frequent_wakes_never_starve_a_poller_of_its_polls() -> None:
    """Re-planning on a wake may bring a poll forward, never push it back."""
    estimate = DurationEstimate(scouts=1, crowd=1)
    polls = 0

    async def get(url: str) -> Response:
        nonlocal polls
        polls += 1
        if polls < 3:
            return Response(200, {}, b'{"status": "RUNNING"}', "GET", url)
        return Response(303, {"location": "https://dr.test/api/v2/deployments/d/"}, b"", "GET", url)

    async def waker() -> None:
        while True:  # e.g. other jobs' scouts leaving, again and again
            estimate._wake()
            await anyio.sleep(0.002)

    async with anyio.create_task_group() as tg:
        tg.start_soon(waker)
        polling = poll_job(
            get, URL, deadline=Deadline.start(5, anyio.current_time), policy=POLICY,
            rng=random.Random(0), sleep=anyio.sleep, estimate=estimate,
        )  # fmt: skip
        outcomes = [outcome async for outcome in polling]
        tg.cancel_scope.cancel()
    assert isinstance(outcomes[-1], JobDone)
    assert polls == 3
