"""The README's promises about concurrency and the journal, each guarded by a test that
fails when the promise breaks (issue 11):

* all requests of a client share one budget: the server never sees more requests in
  flight at once than ``max_in_flight``, across operations;
* waiting takes no concurrency place: a rollout with ``concurrency=2`` has every job
  running at once;
* the journal is fsynced before each step is acted on: every PATCH reaches the server
  after an fsync that made its ``submitting`` record durable.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import anyio
from aiohttp import web

import aiodeploy._journal
from aiodeploy import AsyncDeploymentClient
from aiodeploy.emulator import Emulator

from .conftest import plan_for


def _watch(emulator: Emulator, on_request: Any) -> None:
    """Run ``on_request(request)`` around each request the emulator's handlers serve."""

    @web.middleware
    async def watch(request: web.Request, handler: Any) -> web.StreamResponse:
        async with on_request(request):
            response: web.StreamResponse = await handler(request)
            return response

    emulator.app.middlewares.append(watch)


async def test_every_request_of_a_client_shares_one_budget() -> None:
    in_flight = peak = 0

    class Counting:
        def __init__(self, request: web.Request) -> None:
            pass

        async def __aenter__(self) -> None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)  # hold the request so that others can overlap it

        async def __aexit__(self, *exc: object) -> None:
            nonlocal in_flight
            in_flight -= 1

    emulator = Emulator(deployments=60, replacement_seconds=0.05, status_seconds=0.02)
    _watch(emulator, Counting)
    async with (
        emulator,
        AsyncDeploymentClient(emulator.endpoint, emulator.token, max_in_flight=3) as client,
    ):
        plan = plan_for(emulator)
        dep_ids = [request.deployment_id for request in plan]
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: client.replace_models(plan[:30], concurrency=16))
            tg.start_soon(client.list_deployments)
            for dep_id in dep_ids[30:]:
                tg.start_soon(client.get_deployment, dep_id)
    assert peak == 3  # reached, and never passed: one budget for every operation


async def test_waiting_for_jobs_takes_no_concurrency_place() -> None:
    emulator = Emulator(deployments=20, replacement_seconds=1.5)
    running: list[int] = []

    class Sampling:
        def __init__(self, request: web.Request) -> None:
            state = emulator.state
            state.advance()
            running.append(sum(job.kind == "replace" for job in state.jobs.pending()))

        async def __aenter__(self) -> None:
            pass

        async def __aexit__(self, *exc: object) -> None:
            pass

    _watch(emulator, Sampling)
    async with emulator, AsyncDeploymentClient(emulator.endpoint, emulator.token) as client:
        result = await client.replace_models(plan_for(emulator), concurrency=2, validate=False)
    assert result.counts["replaced"] == 20
    # two at a time prepare and submit; the twenty jobs then run side by side
    assert max(running) == 20


async def test_the_journal_is_fsynced_before_each_patch(tmp_path, monkeypatch) -> None:
    events: list[tuple[str, object]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        size = os.fstat(fd).st_size
        durable = os.pread(fd, size, 0).decode()
        records = [json.loads(line) for line in durable.splitlines()]
        events.append(("fsync", {r["index"] for r in records if r["type"] == "submitting"}))

    monkeypatch.setattr(aiodeploy._journal.os, "fsync", recording_fsync)
    emulator = Emulator(deployments=12, replacement_seconds=0.05)
    plan = plan_for(emulator)
    index_of = {f"/api/v2/deployments/{r.deployment_id}/model/": i for i, r in enumerate(plan)}

    class Recording:
        def __init__(self, request: web.Request) -> None:
            if request.method == "PATCH":
                events.append(("PATCH", index_of[request.path]))

        async def __aenter__(self) -> None:
            pass

        async def __aexit__(self, *exc: object) -> None:
            pass

    _watch(emulator, Recording)
    async with emulator, AsyncDeploymentClient(emulator.endpoint, emulator.token) as client:
        result = await client.replace_models(plan, journal=tmp_path / "j.jsonl", concurrency=4)
    assert result.counts["replaced"] == 12
    patches = [
        (position, index) for position, (kind, index) in enumerate(events) if kind == "PATCH"
    ]
    assert len(patches) == 12
    for at, index in patches:
        durable: list[Any] = [value for kind, value in events[:at] if kind == "fsync"]
        assert any(index in value for value in durable), (index, events[:at])
