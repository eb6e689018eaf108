"""The deadline of one call: `max_wait` checked once, then a reading of the session's clock."""

from __future__ import annotations

import math

import pytest

from aiodeploy._deadline import Deadline, check_max_wait
from aiodeploy.errors import AsyncTimeoutError
from tests.conftest import FakeClock


@pytest.mark.parametrize(("given", "expected"), [(0, 0.0), (5, 5.0), (2.5, 2.5), (1e9, 1e9)])
def test_max_wait_is_a_number_of_seconds(given: float, expected: float) -> None:
    got = check_max_wait(given)
    assert got == expected
    assert type(got) is float


@pytest.mark.parametrize("given", [True, False, "5", None, [1]])
def test_a_max_wait_that_is_no_number_is_a_type_error(given: object) -> None:
    with pytest.raises(TypeError, match=r"^max_wait must be a number of seconds, got "):
        check_max_wait(given)


@pytest.mark.parametrize("given", [-1, -0.001, math.nan, -math.inf])
def test_a_negative_or_nan_max_wait_is_a_value_error(given: float) -> None:
    with pytest.raises(ValueError, match=r"^max_wait must be >= 0 seconds, got "):
        check_max_wait(given)


def test_a_deadline_is_a_reading_of_the_clock(clock: FakeClock) -> None:
    clock.now = 100.0
    deadline = Deadline.start(30, clock)
    assert (deadline.max_wait, deadline.at) == (30.0, 130.0)
    clock.now = 125.0
    assert deadline.remaining() == 5.0
    clock.now = 131.0
    assert deadline.remaining() == -1.0


def test_the_timeout_names_the_url_the_wait_and_the_servers_ask(clock: FakeClock) -> None:
    error = Deadline.after(2.0, clock).timeout("https://dr.test/x/", "RUNNING", retry_after=9.0)
    assert isinstance(error, AsyncTimeoutError)
    assert (error.url, error.max_wait, error.last_status, error.retry_after) == (
        "https://dr.test/x/",
        2.0,
        "RUNNING",
        9.0,
    )


def test_the_timeout_says_what_was_waited_for(clock: FakeClock) -> None:
    # `waiting_for` picks the message and is the field a caller branches on: a job by default
    deadline = Deadline.after(2.0, clock)
    job = deadline.timeout("https://dr.test/status/1/", "RUNNING")
    assert job.waiting_for == "job"
    assert str(job).startswith("job https://dr.test/status/1/ did not finish within 2 s")
    request = deadline.timeout("https://dr.test/x/", waiting_for="request")
    assert request.waiting_for == "request"
    assert str(request) == "request https://dr.test/x/ did not succeed within 2 s"
