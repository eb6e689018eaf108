"""Job polling: the delay schedule, what a status reply means, and the wait loop."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodeploy._deadline import Deadline
from aiodeploy._estimate import DurationEstimate, Expected
from aiodeploy._polling import (
    JobDone,
    JobPending,
    PollPolicy,
    interpret_status,
    next_poll_delay,
    poll_job,
    wait_for_job,
)
from aiodeploy._wire import Response
from aiodeploy.errors import (
    AsyncFailureError,
    AsyncProcessUnsuccessfulError,
    AsyncTimeoutError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)
from tests.conftest import FakeClock

ENDPOINT = "https://dr.test/api/v2"
STATUS_URL = f"{ENDPOINT}/status/5d1b2f0a9ca9b20017ff95a2/"
DEP_URL = f"{ENDPOINT}/deployments/5c6f7a9e9ca9b20017ff95a2/"


def status_reply(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    url: str = STATUS_URL,
) -> Response:
    return Response(status=status, headers=headers or {}, body=body, method="GET", url=url)


def job(status: str, message: str | None = "", **headers: str) -> Response:
    body = (
        b'{"statusId": "5d1b2f0a9ca9b20017ff95a2", "status": "%s", "message": %s, "code": 0,'
        b' "created": "2019-08-24T14:15:22Z", "description": "replace model",'
        b' "statusType": "LongRunningServiceControllerOperation"}'
        % (status.encode(), b"null" if message is None else b'"%s"' % message.encode())
    )
    return status_reply(200, body, {k.replace("_", "-"): v for k, v in headers.items()})


def done(location: str = DEP_URL) -> Response:
    return status_reply(303, b"", {"location": location})


# --- PollPolicy / next_poll_delay --------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"first_delay": -0.1}, {"cap": -1.0}, {"factor": 0.5}, {"jitter": 1.0}, {"jitter": -0.1}],
)
def test_poll_policy_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="PollPolicy"):
        PollPolicy(**kwargs)


def test_poll_policy_defaults_beat_the_fixed_five_seconds() -> None:
    policy = PollPolicy()
    assert policy.first_delay == pytest.approx(0.2)
    assert policy.factor == pytest.approx(1.5)
    assert policy.cap <= 5.0


def test_schedule_without_jitter_is_exact() -> None:
    policy = PollPolicy(first_delay=0.2, factor=1.5, cap=5.0, jitter=0.0)
    rng = random.Random(0)
    delays = [next_poll_delay(n, policy, rng) for n in range(12)]
    expected = [min(5.0, 0.2 * 1.5**n) for n in range(12)]
    assert delays == pytest.approx(expected)
    assert delays[:3] == pytest.approx([0.2, 0.3, 0.45])
    assert delays[-1] == 5.0


def test_first_delay_is_about_two_tenths_within_jitter() -> None:
    policy = PollPolicy()
    rng = random.Random(1)
    values = [next_poll_delay(0, policy, rng) for _ in range(300)]
    low, high = 0.2 * (1 - policy.jitter), 0.2 * (1 + policy.jitter)
    assert all(low - 1e-12 <= v <= high + 1e-12 for v in values)
    assert len(set(values)) > 100  # it is jittered
    assert min(values) < 0.19
    assert max(values) > 0.21


def test_growth_is_one_and_a_half_per_poll_on_average() -> None:
    policy = PollPolicy(cap=1000.0)
    rng = random.Random(2)
    for n in range(1, 8):
        values = [next_poll_delay(n, policy, rng) for _ in range(200)]
        centre = 0.2 * 1.5**n
        assert all(centre * 0.9 - 1e-9 <= v <= centre * 1.1 + 1e-9 for v in values)
        assert sum(values) / len(values) == pytest.approx(centre, rel=0.02)


@pytest.mark.parametrize("poll", [10, 11, 50, 200, 201, 10**4, 10**9])
def test_delay_is_capped_even_with_jitter(poll: int) -> None:
    policy = PollPolicy(cap=5.0, jitter=0.5)
    rng = random.Random(poll)
    values = [next_poll_delay(poll, policy, rng) for _ in range(100)]
    assert all(v <= 5.0 for v in values)
    assert max(values) == 5.0  # the upper half of the jitter is clipped to the cap
    assert min(values) >= 2.5 - 1e-9


@pytest.mark.parametrize("hint", [0.0, 0.5, 2.0, 30.0, 3600.0])
def test_retry_after_hint_is_used_in_full(hint: float) -> None:
    # never cut short: the poller checks it against the cap and the deadline first
    policy = PollPolicy(cap=5.0, retry_after_cap=60.0)
    assert next_poll_delay(0, policy, random.Random(0), retry_after=hint) == hint
    assert next_poll_delay(7, policy, random.Random(0), retry_after=hint) == hint


def test_retry_after_hint_consumes_no_randomness() -> None:
    rng = random.Random(5)
    next_poll_delay(0, PollPolicy(), rng, retry_after=1.0)
    assert rng.random() == random.Random(5).random()


@settings(max_examples=200, deadline=None)
@given(
    poll=st.integers(min_value=0, max_value=10**6),
    first=st.floats(min_value=0, max_value=100),
    factor=st.floats(min_value=1, max_value=10),
    cap=st.floats(min_value=0, max_value=1000),
    jitter=st.floats(min_value=0, max_value=0.99),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_next_poll_delay_bounds_property(
    poll: int, first: float, factor: float, cap: float, jitter: float, seed: int
) -> None:
    policy = PollPolicy(first_delay=first, factor=factor, cap=cap, jitter=jitter)
    delay = next_poll_delay(poll, policy, random.Random(seed))
    assert math.isfinite(delay)
    assert 0.0 <= delay <= cap
    base = min(cap, first * factor ** min(poll, 200))
    assert delay >= base * (1 - jitter) - 1e-9


# --- interpret_status ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (DEP_URL, DEP_URL),
        ("/api/v2/deployments/5c6f7a9e9ca9b20017ff95a2/", DEP_URL),
        ("../../deployments/5c6f7a9e9ca9b20017ff95a2/", DEP_URL),
    ],
)
def test_303_is_done_at_the_resolved_location(location: str, expected: str) -> None:
    assert interpret_status(done(location)) == JobDone(expected)


def test_303_without_location_is_a_decode_error() -> None:
    with pytest.raises(ResponseDecodeError, match="Location"):
        interpret_status(status_reply(303))


@pytest.mark.parametrize("status", ["RUNNING", "INITIALIZED", "running", "Initialized"])
def test_running_statuses_are_pending(status: str) -> None:
    assert interpret_status(job(status)) == JobPending(status.upper(), None)


@pytest.mark.parametrize(("value", "expected"), [("3", 3.0), ("0.5", 0.5), ("junk", None)])
def test_pending_carries_retry_after(value: str, expected: float | None) -> None:
    assert interpret_status(job("RUNNING", retry_after=value)) == JobPending("RUNNING", expected)


@pytest.mark.parametrize("status", ["COMPLETED", "completed"])
def test_200_completed_is_done_without_location(status: str) -> None:
    assert interpret_status(job(status)) == JobDone(None)


@pytest.mark.parametrize("status", ["ERROR", "ABORTED", "EXPIRED", "error", "Aborted"])
def test_failed_statuses_raise_with_the_job_message(status: str) -> None:
    with pytest.raises(AsyncProcessUnsuccessfulError) as info:
        interpret_status(job(status, "Model package is not deployable"))
    err = info.value
    assert err.status == status.upper()
    assert err.job_message == "Model package is not deployable"
    assert err.url == STATUS_URL
    assert "Model package is not deployable" in str(err)
    assert status.upper() in str(err)


def test_failed_status_without_a_message() -> None:
    with pytest.raises(AsyncProcessUnsuccessfulError) as info:
        interpret_status(job("ERROR", None))
    assert info.value.job_message is None


@pytest.mark.parametrize("status", ["PAUSED", "QUEUED", "", "SUCCESS"])
def test_unknown_status_is_an_async_failure(status: str) -> None:
    with pytest.raises(AsyncFailureError) as info:
        interpret_status(job(status))
    assert info.value.url == STATUS_URL
    assert info.value.status_code == 200


@pytest.mark.parametrize("code", [201, 202, 204, 301, 302, 304, 307, 308])
def test_other_non_error_codes_are_async_failures(code: int) -> None:
    with pytest.raises(AsyncFailureError) as info:
        interpret_status(status_reply(code, b"", {"location": DEP_URL}))
    assert info.value.status_code == code
    assert info.value.url == STATUS_URL
    assert str(code) in str(info.value)


def test_404_is_not_found() -> None:
    with pytest.raises(NotFoundError) as info:
        interpret_status(status_reply(404, b'{"message": "Status not found"}'))
    assert info.value.url == STATUS_URL


def test_500_is_server_error() -> None:
    with pytest.raises(ServerError):
        interpret_status(status_reply(500, b'{"message": "boom"}'))


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"status": 3}', b'{"message": "no status"}', b"<html/>", b"[]"]
)
def test_malformed_200_body_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        interpret_status(status_reply(200, body))
    assert info.value.status_code == 200
    assert info.value.url == STATUS_URL


# --- wait_for_job on the fake clock -------------------------------------------------------


class ScriptedGet:
    """A fake ``get``: returns the scripted replies in turn (the last one forever)."""

    def __init__(self, clock: FakeClock, *replies: Response, limit: int = 1000) -> None:
        self.clock = clock
        self.replies = list(replies)
        self.urls: list[str] = []
        self.times: list[float] = []
        self.limit = limit

    async def __call__(self, url: str) -> Response:
        self.urls.append(url)
        self.times.append(self.clock.now)
        if len(self.urls) > self.limit:
            raise RuntimeError(f"polled more than {self.limit} times")
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @property
    def polls(self) -> int:
        return len(self.urls)


EXACT = PollPolicy(jitter=0.0)


async def wait(
    clock: FakeClock,
    get: ScriptedGet,
    *,
    max_wait: float = 600.0,
    policy: PollPolicy = EXACT,
    rng: random.Random | None = None,
    on_status: Callable[[str], None] | None = None,
) -> JobDone:
    polls = poll_job(
        get,
        STATUS_URL,
        deadline=Deadline.start(max_wait, clock),
        policy=policy,
        rng=rng or random.Random(0),
        sleep=clock.sleep,
    )
    return await wait_for_job(polls, on_status=on_status)


async def test_done_after_two_running_polls(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("INITIALIZED"), job("RUNNING"), done())
    seen: list[str] = []
    result = await wait(clock, get, on_status=seen.append)
    assert result == JobDone(DEP_URL)
    assert get.polls == 3
    assert get.urls == [STATUS_URL] * 3
    assert clock.sleeps == pytest.approx([0.2, 0.3, 0.45])
    assert get.times == pytest.approx([0.2, 0.5, 0.95])
    assert seen == ["INITIALIZED", "RUNNING", "COMPLETED"]


async def test_200_completed_finishes_the_wait(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"), job("COMPLETED"))
    seen: list[str] = []
    assert await wait(clock, get, on_status=seen.append) == JobDone(None)
    assert seen == ["RUNNING", "COMPLETED"]


async def test_sleeps_follow_the_jittered_schedule(clock: FakeClock) -> None:
    policy = PollPolicy()
    get = ScriptedGet(clock, *[job("RUNNING")] * 12, done())
    await wait(clock, get, policy=policy, rng=random.Random(11))
    rng = random.Random(11)
    assert clock.sleeps == [next_poll_delay(n, policy, rng) for n in range(13)]
    assert get.polls == 13
    assert max(clock.sleeps) <= policy.cap


async def test_status_retry_after_is_honoured_once(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING", retry_after="2"), job("RUNNING"), done())
    await wait(clock, get)
    assert clock.sleeps == pytest.approx([0.2, 2.0, 0.45])


async def test_status_retry_after_beyond_the_cap_ends_the_wait_at_once(clock: FakeClock) -> None:
    policy = PollPolicy(jitter=0.0, retry_after_cap=7.0)
    get = ScriptedGet(clock, job("RUNNING", retry_after="3600"), done())
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, policy=policy)
    assert info.value.retry_after == 3600.0
    assert info.value.last_status == "RUNNING"
    assert "asked to wait 3600 s" in str(info.value)
    assert get.polls == 1  # no poll before the server's time
    assert clock.sleeps == pytest.approx([0.2])


async def test_status_retry_after_past_the_deadline_ends_the_wait_at_once(
    clock: FakeClock,
) -> None:
    get = ScriptedGet(clock, job("RUNNING", retry_after="30"), done())
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=10.0)
    assert info.value.retry_after == 30.0
    assert get.polls == 1
    assert clock.now < 10.0


async def test_status_retry_after_within_cap_and_deadline_is_waited_in_full(
    clock: FakeClock,
) -> None:
    get = ScriptedGet(clock, job("RUNNING", retry_after="30"), done())
    assert await wait(clock, get, max_wait=60.0) == JobDone(DEP_URL)
    assert clock.sleeps == pytest.approx([0.2, 30.0])


async def test_on_status_sees_repeats(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("INITIALIZED"), job("INITIALIZED"), job("RUNNING"), done())
    seen: list[str] = []
    await wait(clock, get, on_status=seen.append)
    assert seen == ["INITIALIZED", "INITIALIZED", "RUNNING", "COMPLETED"]


@pytest.mark.parametrize("max_wait", [0.5, 1.0, 3.3, 10.0, 60.0])
async def test_timeout_never_oversleeps_the_deadline(clock: FakeClock, max_wait: float) -> None:
    get = ScriptedGet(clock, job("RUNNING"))
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=max_wait)
    err = info.value
    assert sum(clock.sleeps) <= max_wait + 1e-9
    assert clock.now <= max_wait + 1e-9
    assert all(t <= max_wait for t in get.times)
    assert err.url == STATUS_URL
    assert err.last_status == "RUNNING"
    assert err.max_wait == max_wait
    assert STATUS_URL in str(err)
    assert "RUNNING" in str(err)
    # the sleep that would have crossed the deadline was shortened
    full = [min(5.0, 0.2 * 1.5**n) for n in range(len(clock.sleeps))]
    assert any(s < f - 1e-9 for s, f in zip(clock.sleeps, full, strict=True))


@pytest.mark.parametrize(
    ("start", "max_wait"), [(0.0, 10.0), (0.0, 600.0), (1000.0, 0.1), (1000.0, 10.0), (0.0, 0.3)]
)
async def test_timeout_needs_at_most_one_poll_after_the_schedule(
    clock: FakeClock, start: float, max_wait: float
) -> None:
    # No ever-halving sleeps near the deadline: the schedule, then one final poll.
    clock.now = start
    get = ScriptedGet(clock, job("RUNNING"), limit=400)
    with pytest.raises(AsyncTimeoutError):
        await wait(clock, get, max_wait=max_wait)
    scheduled, elapsed = 0, 0.0
    while elapsed + min(5.0, 0.2 * 1.5**scheduled) < max_wait:
        elapsed += min(5.0, 0.2 * 1.5**scheduled)
        scheduled += 1
    assert get.polls == scheduled + 1
    assert min(clock.sleeps) > 1e-6
    assert clock.now - start <= max_wait


async def test_final_poll_leaves_time_for_its_reply(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"), limit=400)
    with pytest.raises(AsyncTimeoutError):
        await wait(clock, get, max_wait=600.0)
    assert 599.0 <= get.times[-1] < 600.0
    assert get.times[-2] < get.times[-1]


async def test_final_poll_can_still_succeed(clock: FakeClock) -> None:
    # schedule: polls at 0.2, 0.5, 0.95; the next delay (0.675) would pass 1.2 s
    get = ScriptedGet(clock, job("RUNNING"), job("RUNNING"), job("RUNNING"), done())
    assert await wait(clock, get, max_wait=1.2) == JobDone(DEP_URL)
    assert get.polls == 4
    assert get.times[:3] == pytest.approx([0.2, 0.5, 0.95])
    assert 0.95 < get.times[3] < 1.2


async def test_timeout_names_the_last_status_seen(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("INITIALIZED"), job("INITIALIZED"), job("RUNNING"), limit=400)
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=5.0)
    assert info.value.last_status == "RUNNING"


async def test_max_wait_zero_times_out_without_polling(clock: FakeClock) -> None:
    get = ScriptedGet(clock, done())
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=0)
    assert get.polls == 0
    assert clock.sleeps == []
    assert info.value.last_status is None
    assert "(last status: none read)" in str(info.value)


@pytest.mark.parametrize("max_wait", [-1.0, -0.001])
async def test_negative_max_wait_is_a_value_error(clock: FakeClock, max_wait: float) -> None:
    get = ScriptedGet(clock, done())
    with pytest.raises(ValueError, match="max_wait"):
        await wait(clock, get, max_wait=max_wait)
    assert get.polls == 0


async def test_short_max_wait_still_polls_before_the_deadline(clock: FakeClock) -> None:
    # the first scheduled delay (0.2) is longer than max_wait: sleep less and still poll
    get = ScriptedGet(clock, done())
    assert await wait(clock, get, max_wait=0.1) == JobDone(DEP_URL)
    assert get.polls == 1
    assert clock.now < 0.1


@pytest.mark.parametrize(
    ("final", "error"),
    [
        (job("ERROR", "boom"), AsyncProcessUnsuccessfulError),
        (job("EXPIRED"), AsyncProcessUnsuccessfulError),
        (job("ABORTED"), AsyncProcessUnsuccessfulError),
        (status_reply(404, b'{"message": "gone"}'), NotFoundError),
    ],
)
async def test_errors_end_the_wait(
    clock: FakeClock, final: Response, error: type[Exception]
) -> None:
    get = ScriptedGet(clock, job("RUNNING"), final)
    with pytest.raises(error):
        await wait(clock, get)
    assert get.polls == 2


@pytest.mark.parametrize(
    "glitch",
    [
        job("QUEUED"),  # a status this client does not know
        status_reply(204),
        status_reply(307),
        status_reply(500, b'{"message": "boom"}'),
        status_reply(502, b""),
        status_reply(200, b"{"),
        status_reply(200, b"<html>bad gateway</html>"),
    ],
)
async def test_a_glitch_brings_no_news_and_polling_goes_on(
    clock: FakeClock, glitch: Response
) -> None:
    # the job goes on whatever a gateway answered once: the next poll tells
    get = ScriptedGet(clock, job("RUNNING"), glitch, done())
    assert await wait(clock, get) == JobDone(DEP_URL)
    assert get.polls == 3


async def test_glitches_until_the_deadline_are_a_timeout(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"), status_reply(500, b"{}"))  # the last, forever
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=30)
    assert info.value.last_status == "RUNNING"
    assert clock.now <= 30


async def test_failed_job_error_carries_the_job_message(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"), job("ERROR", "Replacement validation failed"))
    with pytest.raises(AsyncProcessUnsuccessfulError) as info:
        await wait(clock, get)
    assert info.value.job_message == "Replacement validation failed"
    assert info.value.url == STATUS_URL


# --- poll_job (the generator under wait_for_job) ----------------------------------------


async def test_poll_job_yields_each_outcome(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("INITIALIZED"), job("RUNNING", retry_after="1"), done())
    polls = poll_job(
        get,
        STATUS_URL,
        deadline=Deadline.start(60, clock),
        policy=EXACT,
        rng=random.Random(0),
        sleep=clock.sleep,
    )
    outcomes = [outcome async for outcome in polls]
    assert outcomes == [
        JobPending("INITIALIZED", None),
        JobPending("RUNNING", 1.0),
        JobDone(DEP_URL),
    ]
    assert clock.sleeps == pytest.approx([0.2, 0.3, 1.0])


async def test_poll_job_stops_polling_when_closed_early(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"))
    polls = poll_job(
        get,
        STATUS_URL,
        deadline=Deadline.start(60, clock),
        policy=EXACT,
        rng=random.Random(0),
        sleep=clock.sleep,
    )
    assert await polls.__anext__() == JobPending("RUNNING", None)
    await polls.aclose()
    assert get.polls == 1
    assert clock.sleeps == pytest.approx([0.2])


async def test_poll_job_times_out_after_the_final_poll(clock: FakeClock) -> None:
    get = ScriptedGet(clock, job("RUNNING"))
    polls = poll_job(
        get,
        STATUS_URL,
        deadline=Deadline.start(0.6, clock),
        policy=EXACT,
        rng=random.Random(0),
        sleep=clock.sleep,
    )
    for _ in range(3):  # polls at 0.2 and 0.5, then the final one before 0.6
        assert await polls.__anext__() == JobPending("RUNNING", None)
    with pytest.raises(AsyncTimeoutError) as info:
        await polls.__anext__()
    assert get.polls == 3
    assert info.value.last_status == "RUNNING"


# --- what mutation testing found unguarded ----------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cap": -1.0}, "^PollPolicy needs first_delay >= 0, cap >= 0, factor >= 1, 0 <= jitter"),
        ({"settle": 0.0}, "^PollPolicy needs settle > 0 and min_step > 0$"),
        ({"min_step": 0.0}, "^PollPolicy needs settle > 0 and min_step > 0$"),
        ({"settle": -1.0, "min_step": 1.0}, "^PollPolicy needs settle > 0 and min_step > 0$"),
    ],
)  # fmt: skip
def test_poll_policy_validation_says_what_is_needed(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PollPolicy(**kwargs)  # type: ignore[arg-type]


def test_a_scout_without_elapsed_time_polls_after_the_minimum_step() -> None:
    assert next_poll_delay(0, EXACT, random.Random(0), role="scout") == EXACT.min_step


@settings(max_examples=200, deadline=None)
@given(
    elapsed=st.floats(min_value=0, max_value=100),
    seed=st.integers(min_value=0, max_value=2**32),
    typical=st.floats(min_value=0.5, max_value=50),
)
def test_jitter_stays_within_its_spread_in_every_role(
    elapsed: float, seed: int, typical: float
) -> None:
    policy = PollPolicy(jitter=0.5, cap=1000.0)
    scout = next_poll_delay(0, policy, random.Random(seed), elapsed=elapsed, role="scout")
    centre = max(policy.min_step, policy.settle * elapsed)
    assert centre * 0.5 - 1e-9 <= scout <= centre * 1.5 + 1e-9
    expected = Expected(low=typical * 0.9, typical=typical)
    last_poll = max(elapsed, expected.low)
    delay = next_poll_delay(
        0, policy, random.Random(seed), elapsed=last_poll, last_poll=last_poll, expected=expected
    )
    step = policy.settle * typical + 0.5 * max(0.0, last_poll - typical)
    assert step * 0.5 - 1e-9 <= delay <= step * 1.5 + 1e-9


def test_an_unknown_status_is_named_in_the_error() -> None:
    with pytest.raises(AsyncFailureError, match=f"^unknown job status 'PAUSED' at {STATUS_URL}$"):
        interpret_status(job("PAUSED"))


async def test_a_reply_that_comes_after_the_deadline_ends_the_wait(clock: FakeClock) -> None:
    async def slow_get(url: str) -> Response:
        clock.now += 100.0  # the reply took longer than the whole wait
        return job("RUNNING")

    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, slow_get, max_wait=10.0)  # type: ignore[arg-type]
    assert (info.value.url, info.value.last_status) == (STATUS_URL, "RUNNING")


async def test_a_server_wait_equal_to_the_cap_is_honoured(clock: FakeClock) -> None:
    policy = PollPolicy(jitter=0.0, retry_after_cap=7.0)
    get = ScriptedGet(clock, job("RUNNING", retry_after="7"), done())
    assert await wait(clock, get, policy=policy) == JobDone(DEP_URL)
    assert clock.sleeps == pytest.approx([0.2, 7.0])


async def test_a_server_wait_beyond_the_cap_names_the_status_url(clock: FakeClock) -> None:
    policy = PollPolicy(jitter=0.0, retry_after_cap=7.0)
    get = ScriptedGet(clock, job("RUNNING", retry_after="8"), done())
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, policy=policy)
    assert (info.value.url, info.value.retry_after) == (STATUS_URL, 8.0)


async def test_a_server_wait_ending_exactly_at_the_deadline_ends_the_wait_at_once(
    clock: FakeClock,
) -> None:
    # first poll at 0.5 s; then 10 s are left, and the server asks for exactly 10
    get = ScriptedGet(clock, job("RUNNING", retry_after="10"), done())
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=10.5, policy=PollPolicy(jitter=0.0, first_delay=0.5))
    assert info.value.retry_after == 10.0
    assert get.polls == 1


async def test_a_delay_ending_exactly_at_the_deadline_makes_the_final_poll(
    clock: FakeClock,
) -> None:
    # the first delay (0.2 s) is all the time there is: poll before the deadline, not at it
    get = ScriptedGet(clock, done())
    assert await wait(clock, get, max_wait=0.2) == JobDone(DEP_URL)
    assert get.times == pytest.approx([0.1])


async def test_the_final_poll_keeps_half_a_short_wait_for_its_reply(clock: FakeClock) -> None:
    get = ScriptedGet(clock, done())
    await wait(clock, get, max_wait=0.1)
    assert get.times == pytest.approx([0.05])


@pytest.mark.parametrize("overrun", [0.0, 3.0])
async def test_a_nap_that_overran_the_deadline_polls_no_more(
    clock: FakeClock, overrun: float
) -> None:
    # e.g. a machine suspended during the nap
    deadline = Deadline.start(10, clock)

    async def overrunning_sleep(seconds: float) -> None:
        clock.sleeps.append(seconds)
        clock.now = clock.now + seconds if len(clock.sleeps) == 1 else deadline.at + overrun

    get = ScriptedGet(clock, job("RUNNING"), done())
    polls = poll_job(
        get, STATUS_URL, deadline=deadline, policy=EXACT, rng=random.Random(0),
        sleep=overrunning_sleep,
    )  # fmt: skip
    with pytest.raises(AsyncTimeoutError) as info:
        await wait_for_job(polls)
    assert get.polls == 1
    assert (info.value.url, info.value.last_status) == (STATUS_URL, "RUNNING")


async def test_a_poll_whose_own_request_timed_out_ends_the_wait(clock: FakeClock) -> None:
    replies = iter([job("RUNNING")])

    async def get(url: str) -> Response:
        reply = next(replies, None)
        if reply is None:  # the session's request ran into the deadline
            raise AsyncTimeoutError(url=url, max_wait=1.0, last_status=None)
        return reply

    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=60.0)  # type: ignore[arg-type]
    assert (info.value.url, info.value.last_status, info.value.max_wait) == (
        STATUS_URL,
        "RUNNING",
        60.0,
    )


class LosingGet(ScriptedGet):
    """A ``get`` that raises the scripted errors, and replies with the scripted replies."""

    def __init__(self, clock: FakeClock, *outcomes: Response | Exception) -> None:
        super().__init__(clock, job("RUNNING"))
        self.outcomes = list(outcomes)

    async def __call__(self, url: str) -> Response:
        await super().__call__(url)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def test_a_lost_final_poll_ends_the_wait_with_its_error_as_cause(clock: FakeClock) -> None:
    lost = ServerError(503, "busy", url=STATUS_URL)
    get = LosingGet(clock, job("RUNNING"), lost)
    with pytest.raises(AsyncTimeoutError) as info:
        await wait(clock, get, max_wait=0.4)  # polls at 0.2 and (final) before 0.4
    assert (info.value.url, info.value.last_status) == (STATUS_URL, "RUNNING")
    assert info.value.__cause__ is lost
    assert get.polls == 2


async def test_a_poll_lost_to_a_broken_connection_brings_no_news(clock: FakeClock) -> None:
    broken = TransportError("connection reset", method="GET", url=STATUS_URL, request_sent=True)
    get = LosingGet(clock, broken, done())
    assert await wait(clock, get) == JobDone(DEP_URL)
    assert clock.sleeps == pytest.approx([0.2, 0.3])  # the schedule goes on


async def test_a_lost_poll_that_asked_for_a_wait_is_followed_by_that_wait(
    clock: FakeClock,
) -> None:
    slow_down = RateLimitError(429, "slow down", url=STATUS_URL, retry_after=3.0)
    get = LosingGet(clock, slow_down, done())
    assert await wait(clock, get) == JobDone(DEP_URL)
    assert clock.sleeps == pytest.approx([0.2, 3.0])


# --- poll_job with learned durations: scouts, followers, wakes ------------------------


def running_until(clock: Callable[[], float], done_at: float, polls: list[float]):
    async def get(url: str) -> Response:
        polls.append(clock())
        if len(polls) > 100:  # a poller that stopped advancing fails, and fails fast
            raise RuntimeError("polled more than 100 times")
        return done() if clock() >= done_at else job("RUNNING")

    return get


async def test_a_scout_polls_densely_and_frees_its_place_when_done(clock: FakeClock) -> None:
    estimate = DurationEstimate(scouts=1, crowd=1)
    polls: list[float] = []
    outcomes = poll_job(
        running_until(clock, 0.3, polls), STATUS_URL, deadline=Deadline.start(60, clock),
        policy=EXACT, rng=random.Random(0), sleep=clock.sleep, estimate=estimate,
    )  # fmt: skip
    await wait_for_job(outcomes)
    assert clock.sleeps[0] == EXACT.min_step  # not the lone poller's first_delay
    assert clock.sleeps[1:3] == pytest.approx([EXACT.min_step, EXACT.min_step])
    estimate.enter()
    assert estimate.claim_scout()  # the scout's place is free again


async def test_a_follower_leaves_the_polling_to_the_scouts(clock: FakeClock) -> None:
    estimate = DurationEstimate(scouts=1, crowd=1)
    estimate.enter()
    assert estimate.claim_scout()  # another job's poller is scouting
    polls: list[float] = []
    outcomes = poll_job(
        running_until(clock, 1.0, polls), STATUS_URL, deadline=Deadline.start(60, clock),
        policy=EXACT, rng=random.Random(0), sleep=clock.sleep, estimate=estimate,
    )  # fmt: skip
    await wait_for_job(outcomes)
    assert clock.sleeps[0] == EXACT.cap  # one safety poll per cap, no backoff schedule
    assert polls == [EXACT.cap]


@pytest.mark.parametrize("start", [0.0, 1000.0])
async def test_a_finished_job_teaches_the_estimate_its_duration(
    clock: FakeClock, start: float
) -> None:
    clock.now = start
    estimate = DurationEstimate(min_samples=2)
    estimate.observe(2.5, 2.95)  # one job of this kind seen before, just like this one
    polls: list[float] = []
    outcomes = poll_job(
        running_until(clock, start + 0.9, polls), STATUS_URL,
        deadline=Deadline.start(60, clock), policy=EXACT, rng=random.Random(0),
        sleep=clock.sleep, estimate=estimate, elapsed_at_start=2.0,
    )  # fmt: skip
    await wait_for_job(outcomes)
    # polled at 0.2, 0.5, 0.95 s after the call, 2 s after the submission: still running
    # at 2.5 s, done at 2.95 s
    learned = estimate.expected()
    assert learned is not None
    assert learned.low == pytest.approx(2.5)
    assert learned.typical == pytest.approx((2.5 + 2.95) / 2)


async def test_an_estimate_schedules_from_the_time_since_submission(clock: FakeClock) -> None:
    clock.now = 1000.0
    estimate = DurationEstimate(min_samples=2)
    estimate.observe(9.0, 10.0)  # jobs of this kind take 9 to 10 s
    estimate.observe(9.0, 10.0)
    polls: list[float] = []
    outcomes = poll_job(
        running_until(clock, 1005.0, polls), STATUS_URL,
        deadline=Deadline.start(60, clock), policy=EXACT, rng=random.Random(0),
        sleep=clock.sleep, estimate=estimate, elapsed_at_start=4.0,
    )  # fmt: skip
    await wait_for_job(outcomes)
    assert polls[0] == pytest.approx(1005.0)  # 9 s after submission, 5 s after the call


async def test_a_poller_woken_by_a_new_estimate_replans_but_never_later(
    clock: FakeClock,
) -> None:
    estimate = DurationEstimate(min_samples=2)
    released = anyio.Event()
    naps: list[float] = []

    async def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            await released.wait()  # the first nap ends only when woken (or released)
        clock.now += seconds

    polls: list[float] = []

    async def learn() -> None:
        await anyio.wait_all_tasks_blocked()
        estimate.observe(1.8, 2.0)  # other jobs of this kind ended: an estimate appears
        estimate.observe(1.8, 2.0)
        await anyio.wait_all_tasks_blocked()
        released.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(learn)
        await wait_for_job(
            poll_job(
                running_until(clock, 0.0, polls),
                STATUS_URL,
                deadline=Deadline.start(60, clock),
                policy=EXACT,
                rng=random.Random(0),
                sleep=sleep,
                estimate=estimate,
            )
        )
    # woken at 0 s into a 0.2 s nap: the estimate says 1.8 s, but a re-plan never pushes
    # a planned poll back, so the poll still goes out at 0.2 s, after a second nap
    assert naps == pytest.approx([0.2, 0.2])
    assert polls == pytest.approx([0.2])


async def test_a_poller_sleeping_on_the_event_loop_is_woken_by_a_new_estimate() -> None:
    estimate = DurationEstimate(min_samples=2)
    policy = PollPolicy(jitter=0.0, first_delay=0.2)
    polls: list[float] = []
    start = anyio.current_time()

    async def learn() -> None:
        await anyio.wait_all_tasks_blocked()
        estimate.observe(1.0, 1.1)  # an estimate appears at once: jobs take a second
        estimate.observe(1.0, 1.1)

    async with anyio.create_task_group() as tg:
        tg.start_soon(learn)
        await wait_for_job(
            poll_job(
                running_until(anyio.current_time, start + 0.1, polls),
                STATUS_URL,
                deadline=Deadline.start(60, anyio.current_time),
                policy=policy,
                rng=random.Random(0),
                sleep=anyio.sleep,
                estimate=estimate,
            )
        )
    # re-planned after the wake, the poll keeps its planned time and finds the job done
    assert len(polls) == 1


async def test_a_poll_without_news_is_logged_with_its_url_and_error(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # the one trace an operator gets of a gateway glitch the wait rode out
    get = ScriptedGet(clock, status_reply(500, b"{}"), done())
    with caplog.at_level(logging.INFO, logger="aiodeploy"):
        assert await wait(clock, get) == JobDone(DEP_URL)
    [record] = [r for r in caplog.records if "no news" in r.getMessage()]
    assert record.levelno == logging.INFO
    url, error = record.args
    assert (url, type(error)) == (STATUS_URL, ServerError)
    assert record.getMessage() == f"poll of {STATUS_URL} brought no news, polling on: {error}"
