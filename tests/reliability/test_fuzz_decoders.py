"""R3 (sans I/O): every response decoder, the error mapper, Retry-After and the poller,
fed malformed bodies, headers and statuses: only typed aiodeploy errors escape.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import pickle
import pkgutil
import random

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aiodeploy._api
from aiodeploy import _polling, _wire
from aiodeploy._deadline import Deadline
from aiodeploy._polling import JobDone, JobPending, PollPolicy, poll_job, wait_for_job
from aiodeploy._retry import GiveUp, RetryPolicy, retry_wait
from aiodeploy._transport import Transport
from aiodeploy._waits import parse_retry_after
from aiodeploy.errors import (
    AiodeployError,
    APIError,
    CrossOriginError,
    ResponseDecodeError,
    TransportError,
)
from tests.conftest import FakeClock

from .strategies import FUZZ, ODD_URLS, bodies, response_headers, retry_after_values, statuses

URL = "http://127.0.0.1:8080/api/v2/deployments/x/"

# Every decoder the client builds at module level, found rather than listed, so that a
# new one is fuzzed too.
DECODERS = {
    f"{module.__name__}.{name}": value
    for module in (
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(aiodeploy._api.__path__, "aiodeploy._api.")
    )
    for name, value in vars(module).items()
    if isinstance(value, msgspec.json.Decoder)
}
DECODERS["_polling._status_decoder"] = _polling._status_decoder


def response(status: int, headers: dict[str, str], body: bytes, url: str = URL) -> _wire.Response:
    return _wire.Response(status, {k.lower(): v for k, v in headers.items()}, body, "GET", url)


def test_every_module_level_decoder_is_fuzzed() -> None:
    assert len(DECODERS) >= 13, sorted(DECODERS)


@FUZZ
@given(
    name=st.sampled_from(sorted(DECODERS)),
    status=st.one_of(st.just(200), statuses()),
    headers=response_headers(),
    body=bodies(),
)
def test_decoders_raise_only_typed_errors(name, status, headers, body) -> None:
    try:
        _wire.decode(response(status, headers, body), DECODERS[name])
    except AiodeployError as exc:
        message = str(exc)
    else:
        message = "decoded"
    assert message  # an error that says something in a log line


@FUZZ
@given(status=st.integers(400, 599), headers=response_headers(), body=bodies())
def test_error_replies_always_become_a_typed_error(status, headers, body) -> None:
    error = _wire.api_error(response(status, headers, body))
    assert isinstance(error, APIError)
    assert error.status_code == status
    assert str(error).startswith(str(status))
    assert repr(error)
    assert error.retry_after is None or (
        math.isfinite(error.retry_after) and error.retry_after >= 0
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy)) == (type(error), str(error))


@FUZZ
@given(status=statuses(), headers=response_headers(), body=bodies())
def test_status_replies_are_interpreted_or_refused_with_typed_errors(status, headers, body) -> None:
    try:
        outcome = _polling.interpret_status(response(status, headers, body))
    except AiodeployError:
        return
    assert isinstance(outcome, (JobPending, JobDone))
    if isinstance(outcome, JobPending):
        hint = outcome.retry_after
        assert hint is None or (math.isfinite(hint) and hint >= 0)


@FUZZ
@given(value=retry_after_values())
def test_retry_after_is_a_finite_delay_or_ignored(value) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
    policy = RetryPolicy()
    error = APIError(429, "slow down", retry_after=seconds)
    delay = retry_wait("GET", error, 1, policy, random.Random(0))
    assert delay == GiveUp("server_wait") or 0 <= delay <= policy.retry_after_cap


@pytest.mark.parametrize("hint", [-1.0, math.nan, math.inf, -math.inf, 1e300, True, "3"])
def test_retry_delay_survives_a_hint_no_parser_would_give(hint) -> None:
    error = APIError(503, "down")
    error.retry_after = hint
    policy = RetryPolicy()
    delay = retry_wait("GET", error, 3, policy, random.Random(0))
    assert delay == GiveUp("server_wait") or 0 <= delay <= policy.backoff_cap


_TRANSIENT = [
    TransportError("reset", method="GET", url=URL, request_sent=True),
    APIError(503, "busy", retry_after=0.0),
]


@FUZZ
@given(
    replies=st.lists(
        st.one_of(
            st.tuples(statuses(), response_headers(), bodies()),
            st.sampled_from(range(len(_TRANSIENT))),
        ),
        min_size=1,
        max_size=6,
    ),
    max_wait=st.one_of(st.just(0.0), st.floats(0, 120)),
)
async def test_the_poller_ends_with_a_result_or_a_typed_error(replies, max_wait) -> None:
    """Replies are served in a loop until the poller stops: it must stop by itself, at
    the latest at ``max_wait`` on the fake clock, with a result or a typed error."""
    clock = FakeClock()
    calls = 0

    async def get(url: str) -> _wire.Response:
        nonlocal calls
        calls += 1
        # every poll is a round trip: the (fake) clock moves a little even on a 0 s hint
        assert calls < 100_000, "the poller spins without letting time pass"
        reply = replies[(calls - 1) % len(replies)]
        if isinstance(reply, int):
            raise _TRANSIENT[reply]
        status, headers, body = reply
        return response(status, headers, body, url=url)

    polls = poll_job(
        get,
        "http://127.0.0.1:8080/api/v2/status/1/",
        deadline=Deadline.start(max_wait, clock),
        policy=PollPolicy(),
        rng=random.Random(0),
        sleep=clock.sleep,
    )
    try:
        done = await wait_for_job(polls)
    except AiodeployError:
        return
    assert isinstance(done, JobDone)
    assert clock.now <= max_wait


async def test_a_zero_retry_after_does_not_make_the_poller_spin() -> None:
    """A status reply that keeps saying ``Retry-After: 0`` must not be polled in a tight
    loop: a server asking for no delay still gets the poll policy's smallest step."""
    clock = FakeClock()
    polls = 0

    async def get(url: str) -> _wire.Response:
        nonlocal polls
        polls += 1
        assert polls < 10_000, "polling in a tight loop"
        return response(200, {"retry-after": "0"}, b'{"status": "RUNNING"}', url=url)

    with pytest.raises(AiodeployError, match="did not finish"):
        await wait_for_job(
            poll_job(
                get,
                "http://127.0.0.1:8080/api/v2/status/1/",
                deadline=Deadline.start(60, clock),
                policy=PollPolicy(),
                rng=random.Random(0),
                sleep=clock.sleep,
            )
        )
    assert polls <= 60 / PollPolicy().min_step + 2


@pytest.mark.parametrize("url", ODD_URLS)
@pytest.mark.parametrize("status", [202, 303])
def test_malformed_locations_are_typed_errors(status, url) -> None:
    """A Location the client cannot even parse is the server's fault: a typed error."""
    reply = response(status, {"location": url}, b"")
    try:
        target = _wire.location(reply)
    except ResponseDecodeError:
        return
    with contextlib.suppress(CrossOriginError):
        Transport("http://127.0.0.1:8080/api/v2", "Bearer t").url_for(target)
    if status == 303:
        with contextlib.suppress(AiodeployError):
            _polling.interpret_status(reply)
