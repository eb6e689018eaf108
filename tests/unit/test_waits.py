"""How long a server asks to wait: every form of Retry-After and the rate-limit headers."""

from __future__ import annotations

import email.utils
import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from multidict import CIMultiDict

import aiodeploy
from aiodeploy import _waits
from aiodeploy._retry import GiveUp, RetryPolicy, retry_wait
from aiodeploy._waits import rate_limit_reset, retry_after_values, server_wait
from aiodeploy._wire import Response, api_error
from tests.conftest import ENDPOINT, TOKEN, FakeClock

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
EPOCH = NOW.timestamp()
DEP_ID = "5c6f7a9e9ca9b20017ff95a2"
DEP_URL = f"{ENDPOINT}/deployments/{DEP_ID}/"


def lookup(*pairs: tuple[str, str]):
    headers = CIMultiDict(pairs)
    return lambda name: headers.getall(name, [])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["7"], 7.0),
        (["Mon, 30 Nov 2026 12:00:30 GMT"], 30.0),
        (["5", "9"], 9.0),  # the header sent twice: the longest wait wins
        (["5, 9"], 9.0),  # ... or folded into one line by a proxy
        (["Mon, 30 Nov 2026 12:00:10 GMT, Mon, 30 Nov 2026 12:01:00 GMT"], 60.0),
        (["3, Mon, 30 Nov 2026 12:00:20 GMT"], 20.0),
        (["soon", "4"], 4.0),
        (["soon"], None),
        ([], None),
        (["Mon Nov 30 12:00:45 2026"], 45.0),  # the asctime date form: no comma in it
        (["soon, 5"], 5.0),  # a piece that is no wait, then one that is
        (["5, soon, 7"], 7.0),
        (["1" + "0" * 400], None),  # too large to be a number of seconds
    ],
)
def test_retry_after_in_every_form(values: list[str], expected: float | None) -> None:
    assert retry_after_values(values, now=NOW) == expected


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ((("X-RateLimit-Reset", "5"),), 5.0),  # small: seconds from now
        ((("X-RateLimit-Reset", str(int(EPOCH) + 42)),), 42.0),  # large: a Unix time
        ((("X-RateLimit-Reset", str(int(EPOCH * 1000) + 1500)),), 1.5),  # milliseconds
        ((("X-RateLimit-Reset", str(int(EPOCH) - 10)),), 0.0),  # already past
        ((("X-Rate-Limit-Reset", "3"),), 3.0),
        ((("RateLimit-Reset", "8"),), 8.0),
        ((("RateLimit", '"default";r=0;t=12'),), 12.0),  # the IETF structured field
        ((("RateLimit", "limit=10, remaining=0, reset=6"),), 6.0),
        ((("X-RateLimit-Reset-After", "2.5"),), 2.5),
        ((("X-RateLimit-Reset", "Mon, 30 Nov 2026 12:00:42 GMT"),), 42.0),  # an HTTP date
        ((("X-RateLimit-Reset", "Mon, 30 Nov 2026 11:00:00 GMT"),), 0.0),  # a date past
        ((("RateLimit-Reset", "Mon, 30 Nov 2026 12:01:00 GMT"),), 60.0),
        ((("X-RateLimit-Reset", "tomorrow"),), None),
        ((("X-RateLimit-Remaining", "0"),), None),
    ],
)
def test_rate_limit_reset_headers(pairs: tuple[tuple[str, str], ...], expected) -> None:
    assert rate_limit_reset(lookup(*pairs), epoch=EPOCH) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        ("1000000000", 10.0),  # from 1e9 on, a Unix time in seconds
        ("999999999", 999999999.0),  # below it, seconds from now
        ("1000000000000", 10.0),  # from 1e12 on, a Unix time in milliseconds
        ("999999999999", 999999999999.0 - 999999990.0),  # below it, a Unix time in seconds
    ],
)
def test_a_reset_is_read_as_seconds_or_a_unix_time_by_its_size(reset: str, expected) -> None:
    values = lookup(("X-RateLimit-Reset", reset))
    assert rate_limit_reset(values, epoch=999999990.0) == pytest.approx(expected)


def test_a_unix_time_reset_counts_from_the_current_time(monkeypatch) -> None:
    monkeypatch.setattr(_waits, "time", SimpleNamespace(time=lambda: EPOCH))
    values = lookup(("X-RateLimit-Reset", str(int(EPOCH) + 42)))
    assert rate_limit_reset(values) == pytest.approx(42.0)
    assert server_wait(429, values) == pytest.approx(42.0)


def test_the_headers_are_asked_for_by_their_lower_case_names() -> None:
    # The lookup's contract (aiohttp's headers are case-insensitive; a plain dict is not).
    headers = {
        "ratelimit": ["limit=10, remaining=0, reset=6"],
        "x-ratelimit-reset-after": ["9"],
    }

    def values(name: str) -> list[str]:
        return headers.get(name, [])

    assert rate_limit_reset(values, epoch=EPOCH) == 9.0
    del headers["x-ratelimit-reset-after"]
    assert rate_limit_reset(values, epoch=EPOCH) == 6.0
    headers["retry-after-ms"] = ["1500"]
    assert server_wait(429, values, epoch=EPOCH) == 1.5


def test_server_wait_reads_a_retry_after_date_against_the_given_time() -> None:
    # against the reply's time, not the wall clock: a date in 2020 is still 30 s away
    then = datetime(2020, 1, 1, tzinfo=timezone.utc)
    date = email.utils.format_datetime(then + timedelta(seconds=30), usegmt=True)
    assert server_wait(503, lookup(("Retry-After", date)), epoch=then.timestamp()) == 30.0


def test_server_wait_reads_a_unix_time_reset_against_the_given_time() -> None:
    values = lookup(("X-RateLimit-Reset", str(int(EPOCH) + 42)))
    assert server_wait(429, values, epoch=EPOCH) == pytest.approx(42.0)


def test_retry_after_wins_over_a_reset_and_resets_count_only_on_429_or_503() -> None:
    both = lookup(("Retry-After", "3"), ("X-RateLimit-Reset", "50"))
    assert server_wait(429, both, epoch=EPOCH) == 3.0
    reset_only = lookup(("X-RateLimit-Reset", "50"))
    assert server_wait(429, reset_only, epoch=EPOCH) == 50.0
    assert server_wait(503, reset_only, epoch=EPOCH) == 50.0
    assert server_wait(200, reset_only, epoch=EPOCH) is None  # a quota report, not a refusal


def test_an_error_carries_the_wait_of_a_folded_header() -> None:
    headers = CIMultiDict([("Retry-After", "2"), ("Retry-After", "4")])
    reply = Response(429, headers, b'{"message": "slow"}', "GET", DEP_URL)
    error = api_error(reply)
    assert isinstance(error, aiodeploy.RateLimitError)
    assert error.retry_after == 4.0


def test_a_reset_longer_than_the_cap_gives_up_and_a_shorter_one_is_waited() -> None:
    policy = RetryPolicy(retry_after_cap=60.0)
    long = aiodeploy.RateLimitError(429, "slow", retry_after=61.0)
    short = aiodeploy.RateLimitError(429, "slow", retry_after=59.0)
    assert retry_wait("GET", long, 1, policy, random.Random(0)) == GiveUp("server_wait")
    assert retry_wait("GET", short, 1, policy, random.Random(0)) == 59.0


async def test_a_429_with_only_a_reset_header_waits_for_the_window(mock_api) -> None:
    clock = FakeClock()
    mock_api.get(DEP_URL, status=429, headers={"X-RateLimit-Reset": "6", "X-RateLimit-Limit": "60"})
    mock_api.get(DEP_URL, payload={"id": DEP_ID})
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    assert clock.sleeps == [6.0]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ((("Retry-After-Ms", "1500"),), 1.5),
        ((("retry-after-ms", "250.5"),), 0.2505),
        ((("Retry-After-Ms", "500"), ("Retry-After-Ms", "900")), 0.9),  # repeated
        ((("Retry-After-Ms", "500, 1200"),), 1.2),  # folded
        ((("Retry-After-Ms", "1200,500"),), 1.2),  # folded without a space
        ((("Retry-After", "1"), ("Retry-After-Ms", "2500")), 2.5),  # the longest wins
        ((("Retry-After", "3"), ("Retry-After-Ms", "2500")), 3.0),
        ((("Retry-After-Ms", "soon"), ("Retry-After", "2")), 2.0),
        ((("Retry-After-Ms", "700"), ("X-RateLimit-Reset", "50")), 0.7),  # as Retry-After
        ((("Retry-After-Ms", "soon"),), None),
    ],
)
def test_retry_after_ms_is_read_as_milliseconds(
    pairs: tuple[tuple[str, str], ...], expected: float | None
) -> None:
    # Azure and OpenAI-style gateways send it (beside Retry-After or alone); it was ignored.
    for status in (429, 503, 200):
        assert server_wait(status, lookup(*pairs), epoch=EPOCH) == pytest.approx(expected)


async def test_a_429_with_only_retry_after_ms_waits_that_long(mock_api) -> None:
    clock = FakeClock()
    mock_api.get(DEP_URL, status=429, headers={"Retry-After-Ms": "2500"})
    mock_api.get(DEP_URL, payload={"id": DEP_ID})
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    assert clock.sleeps == [2.5]


async def test_a_retry_after_ms_longer_than_the_cap_fails_at_once(mock_api) -> None:
    clock = FakeClock()
    mock_api.get(DEP_URL, status=429, headers={"Retry-After-Ms": "90000"}, repeat=True)
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        with pytest.raises(aiodeploy.RateLimitError) as info:
            await client.get_deployment(DEP_ID)
    assert info.value.retry_after == 90.0
    assert clock.sleeps == []
    assert sum(len(calls) for calls in mock_api.requests.values()) == 1


async def test_a_429_with_a_reset_date_waits_for_the_window(mock_api) -> None:
    clock = FakeClock()
    reset = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30))
    mock_api.get(DEP_URL, status=429, headers={"X-RateLimit-Reset": reset})
    mock_api.get(DEP_URL, payload={"id": DEP_ID})
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    # what is left of the 30 s (the date has whole seconds), not a backoff (at most 0.2 s)
    assert len(clock.sleeps) == 1
    assert 10.0 < clock.sleeps[0] <= 30.0
