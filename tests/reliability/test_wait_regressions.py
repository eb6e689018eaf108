"""The chaos rollout's findings, pinned down with a scripted server and a fake clock.

Each reported a replacement as ``failed`` while the server had made it:

* the PATCH was resent after a lost answer, and that answer was lost too;
* a job's status could not be read for one poll's worth of retries;
* the deployment could not be read for a while after its job completed.

A job goes on whether or not the client can see it, so a wait goes on until ``max_wait``
through transient failures (connection errors, 429, 502-504), and the outcome is read
from the server, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from aiodeploy import AsyncDeploymentClient, Deployment, Outcome

from .fakeserver import FakeServer, Reply, fake_server

DEP = "5c6f7a9e9ca9b20017ff95a2"
OLD, NEW = "5cb9c8b979872d014a0bb080", "5cb9c8b979872d014a0bb081"
BUSY = Reply(503, body=b'{"message": "busy"}')


class FakeDataRobot:
    """Just enough of the replacement protocol, with faults injected per request."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.model = OLD
        self.done = False  # the replacement job completed
        self.faults: dict[str, list[Reply]] = {}  # key -> replies to give first, in order
        self.patches = 0
        server.route = self.answer

    def fail(self, key: str, *replies: Reply) -> None:
        self.faults.setdefault(key, []).extend(replies)

    def answer(self, request: web.Request) -> Reply:
        path = request.path
        if request.method == "PATCH":
            self.patches += 1
            key = f"PATCH#{self.patches}"
            self.model = NEW  # applied, whatever the client hears
            self.done = True
        elif path.endswith("/modelHistory/"):
            key = "history"
        elif "/status/" in path:
            key = "status"
        else:
            key = "deployment"
        queued = self.faults.get(key)
        if queued:
            fault = queued.pop(0)
            if key.startswith("PATCH") and fault.status >= 400 and not fault.drop:
                self.model, self.done = OLD, False  # refused, or a gateway error: not applied
            return fault
        if key.startswith("PATCH"):
            return Reply(202, {"location": f"{self.server.url}/api/v2/status/1/"}, b"{}")
        if key == "status":
            deployment = f"{self.server.url}/api/v2/deployments/{DEP}/"
            return (
                Reply(303, {"location": deployment})
                if self.done
                else Reply(200, body=b'{"status": "RUNNING"}')
            )
        if key == "history":
            entries = [{"modelId": OLD}] + ([{"modelId": NEW}] if self.done else [])
            page = {"count": len(entries), "next": None, "previous": None, "data": entries}
            return Reply(200, body=json.dumps(page).encode())
        return Reply(200, body=json.dumps({"id": DEP, "model": {"id": self.model}}).encode())


def serving(deployment: Deployment | None) -> str | None:
    return deployment.model.id if deployment and deployment.model else None


@pytest.fixture
async def datarobot() -> AsyncIterator[FakeDataRobot]:
    async with fake_server() as server:
        yield FakeDataRobot(server)


def _client(datarobot: FakeDataRobot, clock) -> AsyncDeploymentClient:
    server = datarobot.server
    return AsyncDeploymentClient(server.endpoint, "t", sleep=clock.sleep, clock=clock)


async def test_a_resent_patch_whose_answer_is_lost_too_is_decided_by_the_deployment(
    datarobot, clock
) -> None:
    # the first PATCH never arrives (a gateway error); the second is applied, unanswered
    datarobot.fail("PATCH#1", Reply(502, body=b"{}"))
    datarobot.fail("PATCH#2", Reply(drop=True))
    async with _client(datarobot, clock) as client:
        result = await client.replace_models([(DEP, NEW)], validate=False, skip_if_current=False)
    (item,) = result.items
    assert item.outcome is Outcome.REPLACED, item.error
    assert serving(item.deployment) == NEW
    assert datarobot.patches == 2


@pytest.mark.parametrize("api", ["replace_models", "replace_model"])
async def test_a_status_unreadable_for_a_while_does_not_fail_the_wait(
    datarobot, clock, api
) -> None:
    datarobot.fail("status", *[BUSY] * 12)  # more than one poll's retries
    async with _client(datarobot, clock) as client:
        if api == "replace_model":
            assert serving(await client.replace_model(DEP, NEW)) == NEW
        else:
            result = await client.replace_models([(DEP, NEW)], validate=False)
            assert result.items[0].outcome is Outcome.REPLACED, result.items[0].error
    assert datarobot.patches == 1


@pytest.mark.parametrize("api", ["replace_models", "replace_model"])
async def test_a_deployment_unreadable_after_its_job_does_not_fail_the_item(
    datarobot, clock, api
) -> None:
    datarobot.fail("deployment", *[BUSY] * 12)  # the only read is the one after the job
    async with _client(datarobot, clock) as client:
        if api == "replace_model":
            assert serving(await client.replace_model(DEP, NEW)) == NEW
        else:
            result = await client.replace_models(
                [(DEP, NEW)], validate=False, skip_if_current=False
            )
            assert result.items[0].outcome is Outcome.REPLACED, result.items[0].error
    assert datarobot.patches == 1


async def test_an_unanswered_patch_then_an_unreadable_history_is_still_replaced(
    datarobot, clock
) -> None:
    datarobot.fail("PATCH#1", Reply(drop=True))
    datarobot.fail("history", *[BUSY] * 12)
    async with _client(datarobot, clock) as client:
        result = await client.replace_models([(DEP, NEW)], validate=False, skip_if_current=False)
    assert result.items[0].outcome is Outcome.REPLACED, result.items[0].error
    assert datarobot.patches == 1


async def test_a_wait_still_ends_at_max_wait_when_nothing_can_be_read(datarobot, clock) -> None:
    datarobot.fail("status", *[BUSY] * 10_000)
    async with _client(datarobot, clock) as client:
        result = await client.replace_models([(DEP, NEW)], validate=False, max_wait=60)
    assert result.items[0].outcome is Outcome.TIMED_OUT
    assert clock.now <= 60 + 0.5
