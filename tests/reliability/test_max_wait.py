"""``max_wait`` is one deadline for the whole call, whatever the server does.

A scripted server stalls one phase at a time (status polls answered 503 with a long
Retry-After, status polls that say RUNNING and ask for a long wait, the read of the
deployment after the job, the model history after a lost answer, the PATCH itself); every
call that takes ``max_wait`` must end within ``max_wait`` + 0.5 s on the injected clock.
Removing the deadline from any phase turns one of these red.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aiodeploy import (
    AsyncDeploymentClient,
    AsyncTimeoutError,
    Outcome,
    PollPolicy,
    RateLimitError,
)

from .fakeserver import Reply, fake_server
from .test_wait_regressions import DEP, NEW, FakeDataRobot

MAX_WAIT = 1.0
SLACK = 0.5
LONG = {"retry-after": "2"}  # longer than what is left of MAX_WAIT
STALLS = {
    "status polls busy": ("status", Reply(503, LONG, b'{"message": "busy"}')),
    "status running, long Retry-After": ("status", Reply(200, LONG, b'{"status": "RUNNING"}')),
    "after-job read busy": ("deployment", Reply(503, LONG, b'{"message": "busy"}')),
}


@pytest.fixture
async def datarobot() -> AsyncIterator[FakeDataRobot]:
    async with fake_server(limit=100_000) as server:
        yield FakeDataRobot(server)


def _client(datarobot: FakeDataRobot, clock) -> AsyncDeploymentClient:
    # polls learn nothing, so the schedule is the plain backoff whatever ran before
    return AsyncDeploymentClient(
        datarobot.server.endpoint,
        "t",
        sleep=clock.sleep,
        clock=clock,
        polling=PollPolicy(learn=False),
    )


async def _call(client: AsyncDeploymentClient, api: str) -> object:
    if api == "replace_model":
        return await client.replace_model(DEP, NEW, max_wait=MAX_WAIT)
    if api == "operation":
        operation = await client.start_model_replacement(DEP, NEW)
        return await operation.wait(max_wait=MAX_WAIT)
    result = await client.replace_models(
        [(DEP, NEW)], validate=False, skip_if_current=False, max_wait=MAX_WAIT
    )
    return result.items[0]


@pytest.mark.parametrize("stall", sorted(STALLS))
@pytest.mark.parametrize("api", ["replace_model", "operation", "replace_models"])
async def test_a_stalled_phase_times_out_within_max_wait(datarobot, clock, api, stall) -> None:
    key, reply = STALLS[stall]
    datarobot.fail(key, *[reply] * 10_000)
    async with _client(datarobot, clock) as client:
        started = clock.now
        if api == "replace_models":
            item = await _call(client, api)
            assert item.outcome is Outcome.TIMED_OUT, item.error
            assert isinstance(item.error, AsyncTimeoutError)
        else:
            with pytest.raises(AsyncTimeoutError):
                await _call(client, api)
    assert clock.now - started <= MAX_WAIT + SLACK, clock.sleeps
    assert datarobot.patches == 1


async def test_a_lost_answer_then_a_busy_history_times_out_within_max_wait(
    datarobot, clock
) -> None:
    datarobot.fail("PATCH#1", Reply(drop=True))
    datarobot.fail("history", *[Reply(503, LONG, b"{}")] * 10_000)
    async with _client(datarobot, clock) as client:
        item = await _call(client, "replace_models")
    assert item.outcome is Outcome.TIMED_OUT, item.error
    assert clock.now <= MAX_WAIT + SLACK, clock.sleeps
    assert datarobot.patches == 1


async def test_a_history_that_never_shows_the_change_times_out_within_max_wait(
    datarobot, clock
) -> None:
    # the deployment serves the new model, but its job never completes
    datarobot.fail("PATCH#1", Reply(drop=True))
    entries = b'{"count": 1, "next": null, "previous": null, "data": [{"modelId": "x"}]}'
    datarobot.fail("history", *[Reply(200, body=entries)] * 10_000)
    async with _client(datarobot, clock) as client:
        item = await _call(client, "replace_models")
    assert item.outcome is Outcome.TIMED_OUT, item.error
    assert clock.now <= MAX_WAIT + SLACK, clock.sleeps


@pytest.mark.parametrize("api", ["replace_model", "replace_models"])
async def test_a_rate_limited_patch_fails_at_once_when_the_wait_outlasts_max_wait(
    datarobot, clock, api
) -> None:
    datarobot.fail("PATCH#1", Reply(429, LONG, b'{"message": "slow down"}'))
    async with _client(datarobot, clock) as client:
        if api == "replace_models":
            item = await _call(client, api)
            assert item.outcome is Outcome.FAILED
            error = item.error
        else:
            with pytest.raises(RateLimitError) as info:
                await _call(client, api)
            error = info.value
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 2.0
    assert clock.now <= MAX_WAIT + SLACK
    assert clock.sleeps == []  # nothing was waited for that could not be waited for
