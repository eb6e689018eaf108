"""Retry policy: what is retried, how long to wait, and the tenacity wiring."""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
import tenacity
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodeploy._deadline import Deadline
from aiodeploy._retry import (
    GiveUp,
    RetryPolicy,
    compute_backoff,
    glitch,
    retry_delay,
    retry_wait,
    send_with_retries,
    server_hint,
    should_retry,
)
from aiodeploy._waits import parse_retry_after
from aiodeploy.errors import (
    APIError,
    APITimeoutError,
    AsyncTimeoutError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TransportError,
    error_class_for_status,
)
from tests.conftest import FakeClock

URL = "https://dr.test/api/v2/deployments/"


def http_error(status: int, *, retry_after: float | None = None, method: str = "GET") -> APIError:
    return error_class_for_status(status)(
        status, "x", method=method, url=URL, retry_after=retry_after
    )


def conn_error(*, sent: bool) -> TransportError:
    return TransportError("connection failed", method="GET", url=URL, request_sent=sent)


def timeout_error(*, sent: bool) -> APITimeoutError:
    return APITimeoutError("timed out", method="GET", url=URL, request_sent=sent)


# --- should_retry ------------------------------------------------------------------------

RETRY_CASES: list[tuple[str, BaseException, bool]] = [
    # idempotent methods
    ("GET", conn_error(sent=False), True),
    ("GET", conn_error(sent=True), True),
    ("GET", timeout_error(sent=True), True),
    ("GET", timeout_error(sent=False), True),
    ("GET", http_error(429), True),
    ("GET", http_error(429, retry_after=1.0), True),
    ("GET", http_error(502), True),
    ("GET", http_error(503), True),
    ("GET", http_error(504), True),
    ("GET", http_error(500), False),
    ("GET", http_error(501), False),
    ("GET", http_error(400), False),
    ("GET", http_error(401), False),
    ("GET", http_error(403), False),
    ("GET", http_error(404), False),
    ("GET", http_error(409), False),
    ("GET", http_error(413), False),
    ("GET", http_error(422), False),
    ("DELETE", conn_error(sent=True), True),
    ("DELETE", conn_error(sent=False), True),
    ("DELETE", timeout_error(sent=True), True),
    ("DELETE", http_error(429), True),
    ("DELETE", http_error(502), True),
    ("DELETE", http_error(503), True),
    ("DELETE", http_error(504), True),
    ("DELETE", http_error(500), False),
    ("DELETE", http_error(404), False),
    ("get", http_error(503), True),
    ("PUT", http_error(503), True),
    ("HEAD", timeout_error(sent=True), True),
    # POST / PATCH: only when the server cannot have acted
    ("POST", conn_error(sent=False), True),
    ("POST", timeout_error(sent=False), True),
    ("POST", conn_error(sent=True), False),
    ("POST", timeout_error(sent=True), False),
    ("POST", http_error(429), True),
    ("POST", http_error(429, retry_after=2.0), True),
    ("POST", http_error(503, retry_after=2.0), True),
    ("POST", http_error(503, retry_after=0.0), True),
    ("POST", http_error(503), False),
    ("POST", http_error(502), False),
    ("POST", http_error(502, retry_after=2.0), False),
    ("POST", http_error(504), False),
    ("POST", http_error(500), False),
    ("POST", http_error(404), False),
    ("PATCH", conn_error(sent=False), True),
    ("PATCH", conn_error(sent=True), False),
    ("PATCH", timeout_error(sent=True), False),
    ("PATCH", http_error(429), True),
    ("PATCH", http_error(503, retry_after=1.0), True),
    ("PATCH", http_error(503), False),
    ("PATCH", http_error(502), False),
    ("PATCH", http_error(504), False),
    ("patch", http_error(502), False),
    # never
    ("GET", asyncio.CancelledError(), False),
    ("POST", asyncio.CancelledError(), False),
    ("GET", KeyboardInterrupt(), False),
    ("GET", SystemExit(), False),
    ("GET", GeneratorExit(), False),
    # not transient
    ("GET", ValueError("bad"), False),
    ("GET", ResponseDecodeError("x", status_code=200, excerpt="", method="GET", url=URL), False),
    ("GET", AsyncTimeoutError(url=URL, max_wait=1, last_status=None), False),
    ("GET", TimeoutError(), False),
    ("GET", ConnectionResetError(), False),
]


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    RETRY_CASES,
    ids=[
        f"{m}-{type(e).__name__}-{getattr(e, 'status_code', '')}"
        f"{'-sent' if getattr(e, 'request_sent', False) else ''}"
        f"{'-ra' if getattr(e, 'retry_after', None) is not None else ''}-{x}"
        for m, e, x in RETRY_CASES
    ],
)
def test_should_retry(method: str, error: BaseException, expected: bool) -> None:
    assert should_retry(method, error) is expected


# --- parse_retry_after ---------------------------------------------------------------------

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("1", 1.0),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("1.5", 1.5),
        ("0.25", 0.25),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:30:00 GMT", 120.0),
        ("Wed, 21 Oct 2015 08:28:00 +0100", 0.0),  # same instant, other zone
        ("Wed, 21 Oct 2015 07:28:10 -0000", 10.0),  # "-0000": no zone given, UTC assumed
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # past date
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str, expected: float) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result == pytest.approx(expected)
    assert isinstance(result, float)


@pytest.mark.parametrize(
    "value",
    [
        "-1",
        "-0.5",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "",
        "   ",
        "soon",
        "5s",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT",
        "0x10",
        "1,5",
        "\x00",
    ],
)
def test_parse_retry_after_malformed(value: str) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_parse_retry_after_date_uses_the_wall_clock_by_default() -> None:
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    value = email.utils.format_datetime(future, usegmt=True)
    result = parse_retry_after(value)
    assert result is not None
    assert 3500 < result <= 3600


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or (math.isfinite(result) and result >= 0)


# --- compute_backoff ---------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6, 8, 10, 20, 63, 64, 100, 1000, 10**6, 10**18])
def test_compute_backoff_is_within_full_jitter_bounds(attempt: int) -> None:
    rng = random.Random(attempt)
    base, cap = 0.2, 10.0
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 1000))
    values = [compute_backoff(attempt, base=base, cap=cap, rng=rng) for _ in range(200)]
    assert all(0.0 <= v <= ceiling for v in values)
    # full jitter: the spread covers most of [0, ceiling]
    assert min(values) < 0.2 * ceiling
    assert max(values) > 0.8 * ceiling


def test_compute_backoff_first_retries() -> None:
    rng = random.Random(0)
    for attempt, ceiling in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (7, 10.0)]:
        values = [compute_backoff(attempt, base=0.2, cap=10.0, rng=rng) for _ in range(100)]
        assert max(values) <= ceiling
        assert max(values) > ceiling * 0.8


def test_compute_backoff_is_reproducible_with_a_seed() -> None:
    a = [compute_backoff(n, base=0.5, cap=30, rng=random.Random(7)) for n in range(1, 20)]
    b = [compute_backoff(n, base=0.5, cap=30, rng=random.Random(7)) for n in range(1, 20)]
    assert a == b


def test_compute_backoff_zero_base_or_cap() -> None:
    rng = random.Random(1)
    assert compute_backoff(5, base=0.0, cap=10.0, rng=rng) == 0.0
    assert compute_backoff(5, base=1.0, cap=0.0, rng=rng) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=10**30),
    base=st.floats(min_value=0, max_value=1e6),
    cap=st.floats(min_value=0, max_value=1e6),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_compute_backoff_bounds_property(attempt: int, base: float, cap: float, seed: int) -> None:
    delay = compute_backoff(attempt, base=base, cap=cap, rng=random.Random(seed))
    assert 0.0 <= delay <= cap
    assert math.isfinite(delay)
    if attempt <= 60:
        assert delay <= base * 2 ** (attempt - 1) * (1 + 1e-12)


# --- RetryPolicy / retry_delay -----------------------------------------------------------


def test_retry_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts >= 1
    assert 0 < policy.backoff_base <= policy.backoff_cap <= policy.retry_after_cap


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_attempts": 0}, "^max_attempts must be >= 1, got 0$"),
        ({"max_attempts": -1}, "^max_attempts must be >= 1, got -1$"),
        ({"backoff_base": -0.1}, "^backoff_base, backoff_cap and retry_after_cap must be >= 0$"),
        ({"backoff_cap": -1.0}, "^backoff_base, backoff_cap and retry_after_cap must be >= 0$"),
        ({"retry_after_cap": -1.0}, "^backoff_base, backoff_cap and retry_after_cap must be >= 0$"),
    ],
)
def test_retry_policy_validation(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"backoff_base": 0.0},
        {"backoff_cap": 0.0},
        {"retry_after_cap": 0.0},
        {"retry_after_cap": 0.5},
    ],
)
def test_retry_policy_accepts_waits_of_zero(kwargs: dict[str, float]) -> None:
    # zero backoff retries at once; a zero cap honours no server wait at all
    policy = RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert all(getattr(policy, name) == value for name, value in kwargs.items())


def test_retry_policy_accepts_one_attempt() -> None:
    assert RetryPolicy(max_attempts=1).max_attempts == 1


@pytest.mark.parametrize("hint", [2.0, 0.0, 3600.0])
def test_retry_delay_is_the_server_wait_in_full(hint: float) -> None:
    policy = RetryPolicy(retry_after_cap=60.0, backoff_base=100.0, backoff_cap=100.0)
    error = http_error(429, retry_after=hint)
    assert retry_delay(error, 1, policy, random.Random(0)) == hint


@pytest.mark.parametrize(
    ("hint", "cap", "expected"),
    [(2.0, 60.0, 2.0), (60.0, 60.0, 60.0), (60.5, 60.0, GiveUp("server_wait"))],
)
def test_a_server_wait_beyond_the_cap_gives_up(hint: float, cap: float, expected: object) -> None:
    error = http_error(429, retry_after=hint)
    policy = RetryPolicy(retry_after_cap=cap)
    assert retry_wait("GET", error, 1, policy, random.Random(0)) == expected


def test_a_job_wait_read_honours_a_long_server_wait_within_its_deadline() -> None:
    error = http_error(503, retry_after=120.0)
    policy = RetryPolicy(retry_after_cap=60.0)
    assert retry_wait("GET", error, 9, policy, random.Random(0), persist=True, remaining=500) == 120
    assert retry_wait(
        "GET", error, 9, policy, random.Random(0), persist=True, remaining=100
    ) == GiveUp("deadline")


@pytest.mark.parametrize(
    ("attempt", "remaining", "expected"),
    [(1, None, 1.0), (5, None, GiveUp("attempts")), (1, 1.0, GiveUp("deadline")), (1, 1.5, 1.0)],
)
def test_retry_wait_attempts_and_deadline(attempt: int, remaining, expected) -> None:
    error = http_error(503, retry_after=1.0)
    got = retry_wait("GET", error, attempt, RetryPolicy(), random.Random(0), remaining=remaining)
    assert got == expected


def test_retry_wait_never_retries_what_cannot_heal() -> None:
    got = retry_wait("GET", http_error(404), 1, RetryPolicy(), random.Random(0))
    assert got == GiveUp("final")


@pytest.mark.parametrize(
    "error", [http_error(503), conn_error(sent=True), timeout_error(sent=True)]
)
def test_retry_delay_without_a_hint_is_the_backoff(error: BaseException) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0)
    for attempt in range(1, 10):
        expected = compute_backoff(attempt, base=0.5, cap=3.0, rng=random.Random(attempt))
        assert retry_delay(error, attempt, policy, random.Random(attempt)) == expected


class Hinted(Exception):
    def __init__(self, retry_after: object) -> None:
        super().__init__("hinted")
        self.retry_after = retry_after


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(0, 0.0), (2, 2.0), (1.5, 1.5), (math.inf, None), (math.nan, None), (-1.0, None),
     (True, None), ("5", None), (None, None)],
)  # fmt: skip
def test_only_a_finite_non_negative_number_is_a_server_wait(retry_after, expected) -> None:
    assert server_hint(Hinted(retry_after)) == expected


def test_retry_delay_honours_an_int_retry_after() -> None:
    policy = RetryPolicy(backoff_base=0.01, backoff_cap=0.01)
    error = RateLimitError(429, "slow", retry_after=2)
    assert retry_delay(error, 1, policy, random.Random(0)) == 2.0


# --- send_with_retries -------------------------------------------------------------------


class Script:
    """An async ``send`` that raises the scripted errors in turn, then returns ``result``."""

    def __init__(self, *outcomes: BaseException | str) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


async def test_success_on_the_first_attempt(clock: FakeClock) -> None:
    send = Script("ok")
    result = await send_with_retries(
        send, "GET", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0)
    )
    assert result == "ok"
    assert send.calls == 1
    assert clock.sleeps == []


async def test_retries_until_success_with_backoff_sleeps(clock: FakeClock) -> None:
    send = Script(http_error(503), conn_error(sent=True), http_error(502), "ok")
    policy = RetryPolicy(max_attempts=5, backoff_base=0.2, backoff_cap=10.0)
    result = await send_with_retries(send, "GET", policy, sleep=clock.sleep, rng=random.Random(42))
    assert result == "ok"
    assert send.calls == 4
    rng = random.Random(42)
    expected = [compute_backoff(n, base=0.2, cap=10.0, rng=rng) for n in (1, 2, 3)]
    assert clock.sleeps == expected


async def test_retry_after_is_slept_and_a_longer_one_fails_at_once(clock: FakeClock) -> None:
    too_long = http_error(429, retry_after=500.0)
    send = Script(http_error(429, retry_after=2.5), too_long, "never")
    policy = RetryPolicy(retry_after_cap=30.0)
    with pytest.raises(RateLimitError) as info:
        await send_with_retries(send, "POST", policy, sleep=clock.sleep, rng=random.Random(0))
    assert info.value is too_long
    assert info.value.retry_after == 500.0
    assert clock.sleeps == [2.5]
    assert send.calls == 2


async def test_original_error_after_the_last_attempt(clock: FakeClock) -> None:
    errors = [http_error(503) for _ in range(3)]
    send = Script(*errors)
    with pytest.raises(ServerError) as info:
        await send_with_retries(
            send, "GET", RetryPolicy(max_attempts=3), sleep=clock.sleep, rng=random.Random(0)
        )
    assert info.value is errors[-1]
    assert not isinstance(info.value, tenacity.RetryError)
    assert send.calls == 3
    assert len(clock.sleeps) == 2


async def test_max_attempts_one_disables_retries(clock: FakeClock) -> None:
    send = Script(http_error(503), "ok")
    with pytest.raises(ServerError):
        await send_with_retries(
            send, "GET", RetryPolicy(max_attempts=1), sleep=clock.sleep, rng=random.Random(0)
        )
    assert send.calls == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("GET", http_error(404)),
        ("GET", http_error(500)),
        ("GET", http_error(400)),
        ("POST", http_error(502)),
        ("POST", http_error(503)),
        ("PATCH", http_error(504)),
        ("PATCH", conn_error(sent=True)),
        ("POST", timeout_error(sent=True)),
        ("GET", ValueError("not transient")),
    ],
)
async def test_stops_at_once_on_a_non_retryable_error(
    clock: FakeClock, method: str, error: BaseException
) -> None:
    send = Script(error, "never")
    with pytest.raises(type(error)) as info:
        await send_with_retries(
            send, method, RetryPolicy(), sleep=clock.sleep, rng=random.Random(0)
        )
    assert info.value is error
    assert send.calls == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("POST", conn_error(sent=False)),
        ("POST", http_error(429)),
        ("PATCH", http_error(503, retry_after=1.0)),
        ("DELETE", timeout_error(sent=True)),
    ],
)
async def test_retries_what_is_safe(clock: FakeClock, method: str, error: BaseException) -> None:
    send = Script(error, "ok")
    assert (
        await send_with_retries(
            send, method, RetryPolicy(), sleep=clock.sleep, rng=random.Random(0)
        )
        == "ok"
    )
    assert send.calls == 2


async def test_cancelled_error_propagates_without_retry(clock: FakeClock) -> None:
    send = Script(asyncio.CancelledError(), "never")
    with pytest.raises(asyncio.CancelledError):
        await send_with_retries(send, "GET", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0))
    assert send.calls == 1
    assert clock.sleeps == []


async def test_cancellation_during_the_backoff_sleep_propagates() -> None:
    sleeps: list[float] = []

    async def cancelled_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise asyncio.CancelledError

    send = Script(http_error(503), "never")
    with pytest.raises(asyncio.CancelledError):
        await send_with_retries(
            send, "GET", RetryPolicy(), sleep=cancelled_sleep, rng=random.Random(0)
        )
    assert send.calls == 1
    assert len(sleeps) == 1


async def test_on_retry_is_told_the_error_attempt_and_delay(clock: FakeClock) -> None:
    first, second = http_error(503), http_error(429, retry_after=1.25)
    send = Script(first, second, "ok")
    seen: list[tuple[BaseException, int, float]] = []
    await send_with_retries(
        send,
        "GET",
        RetryPolicy(),
        sleep=clock.sleep,
        rng=random.Random(3),
        on_retry=lambda e, n, d: seen.append((e, n, d)),
    )
    assert [(e, n) for e, n, _ in seen] == [(first, 1), (second, 2)]
    assert [d for _, _, d in seen] == clock.sleeps
    assert seen[1][2] == 1.25


async def test_no_on_retry_call_when_giving_up(clock: FakeClock) -> None:
    seen: list[int] = []
    send = Script(http_error(503), http_error(503))
    with pytest.raises(ServerError):
        await send_with_retries(
            send,
            "GET",
            RetryPolicy(max_attempts=2),
            sleep=clock.sleep,
            rng=random.Random(0),
            on_retry=lambda _e, n, _d: seen.append(n),
        )
    assert seen == [1]


async def test_each_call_starts_a_fresh_attempt_count(clock: FakeClock) -> None:
    policy = RetryPolicy(max_attempts=2)
    for _ in range(3):
        send = Script(http_error(503), "ok")
        assert (
            await send_with_retries(send, "GET", policy, sleep=clock.sleep, rng=random.Random(0))
            == "ok"
        )
    assert len(clock.sleeps) == 3


async def test_not_found_after_a_retry_is_raised_as_is(clock: FakeClock) -> None:
    missing = http_error(404)
    send = Script(http_error(502), missing)
    with pytest.raises(NotFoundError) as info:
        await send_with_retries(send, "GET", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0))
    assert info.value is missing
    assert send.calls == 2


def test_bad_request_is_never_retried_for_any_method() -> None:
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        assert not should_retry(method, BadRequestError(400, "bad"))


async def test_an_idempotent_post_is_retried_like_a_read_on_every_attempt(clock: FakeClock) -> None:
    # a validation POST changes nothing: a 502 or 504 is retried on the later attempts too
    send = Script(http_error(502), http_error(504), http_error(502), "ok")
    got = await send_with_retries(
        send, "POST", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0), idempotent=True
    )
    assert got == "ok"
    assert send.calls == 4


@pytest.mark.parametrize("failures", [0, 2])
async def test_a_persistent_read_whose_server_wait_outlasts_the_deadline_times_out(
    clock: FakeClock, failures: int
) -> None:
    # at the first attempt, or at a later one: the timeout names the URL and the server's
    # wait, and carries the error it came from
    last = http_error(503, retry_after=30.0)
    send = Script(*[http_error(503)] * failures, last, "never")
    with pytest.raises(AsyncTimeoutError) as info:
        await send_with_retries(
            send, "GET", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0),
            deadline=Deadline.after(5.0, clock), persist=True, url=URL,
        )  # fmt: skip
    assert (info.value.url, info.value.retry_after, info.value.max_wait) == (URL, 30.0, 5.0)
    assert info.value.waiting_for == "request"  # a request's retries, not a job, ran out
    assert info.value.__cause__ is last
    assert send.calls == failures + 1
    assert clock.now < 5.0


async def test_a_persistent_read_retries_past_max_attempts_until_the_deadline(
    clock: FakeClock,
) -> None:
    send = Script(*[http_error(503)] * 200, "never")
    policy = RetryPolicy(max_attempts=2, backoff_base=0.2, backoff_cap=0.2)
    with pytest.raises(AsyncTimeoutError) as info:
        await send_with_retries(
            send, "GET", policy, sleep=clock.sleep, rng=random.Random(0),
            deadline=Deadline.after(3.0, clock), persist=True, url=URL,
        )  # fmt: skip
    assert send.calls > 2
    assert clock.now <= 3.0
    assert (info.value.url, info.value.waiting_for) == (URL, "request")
    assert info.value.retry_after is None  # the deadline ended it, not a server's wait


async def test_a_read_that_does_not_persist_gives_up_at_the_deadline_with_its_own_error(
    clock: FakeClock,
) -> None:
    last = http_error(503, retry_after=30.0)
    send = Script(http_error(503), last, "never")
    with pytest.raises(ServerError) as info:
        await send_with_retries(
            send, "GET", RetryPolicy(), sleep=clock.sleep, rng=random.Random(0),
            deadline=Deadline.after(5.0, clock), url=URL,
        )  # fmt: skip
    assert info.value is last
    assert send.calls == 2


@pytest.mark.parametrize("method", ["GET", "get", "DELETE"])
async def test_a_persistent_read_is_retried_after_a_glitch_on_every_attempt(
    clock: FakeClock, method: str
) -> None:
    # a 500 or an undecodable page says nothing of the server's state: a job wait's read
    # tries again (on the bare first attempt and under tenacity alike)
    page = ResponseDecodeError("not JSON", status_code=200, excerpt="<html>", method="GET", url=URL)
    send = Script(http_error(500), page, http_error(500), "ok")
    got = await send_with_retries(
        send, method, RetryPolicy(max_attempts=2), sleep=clock.sleep, rng=random.Random(0),
        deadline=Deadline.after(60.0, clock), persist=True, url=URL,
    )  # fmt: skip
    assert got == "ok"
    assert send.calls == 4


@pytest.mark.parametrize(
    ("method", "error", "persist"),
    [
        ("POST", http_error(500, method="POST"), True),  # may have been acted on
        ("GET", http_error(501), True),  # will not change
        ("GET", http_error(500), False),  # a read outside a job wait
    ],
)
async def test_a_glitch_is_final_for_a_write_for_501_and_without_persistence(
    clock: FakeClock, method: str, error: APIError, persist: bool
) -> None:
    send = Script(error, "never")
    with pytest.raises(APIError) as info:
        await send_with_retries(
            send, method, RetryPolicy(), sleep=clock.sleep, rng=random.Random(0),
            deadline=Deadline.after(60.0, clock), persist=persist, url=URL,
        )  # fmt: skip
    assert info.value is error
    assert send.calls == 1


def test_a_glitch_is_a_5xx_but_501_or_an_undecodable_reply() -> None:
    assert [glitch(http_error(status)) for status in (500, 501, 502, 503, 504)] == [
        True, False, True, True, True,
    ]  # fmt: skip
    assert glitch(
        ResponseDecodeError("not JSON", status_code=200, excerpt="<html>", method="GET", url=URL)
    )
    assert not glitch(http_error(404))
    assert not glitch(conn_error(sent=True))
