"""``read_timeout`` (README, Configuration: "60 s per socket read") against a real server
that accepts a request, starts its reply and then stalls. (A server that never answers at
all is bounded by ``timeout``: ``test_environment.py``.)"""

from __future__ import annotations

import anyio
import pytest
from aiohttp import web

import aiodeploy
from aiodeploy import AsyncDeploymentClient

DEP = "a" * 24


async def test_a_reply_that_stalls_midway_is_cut_by_the_read_timeout() -> None:
    stalled = anyio.Event()  # the server sent the start of its reply and waits
    release = anyio.Event()  # set at teardown: the stall ends by a condition, not a sleep

    async def stall(request: web.Request) -> web.StreamResponse:
        reply = web.StreamResponse(headers={"Content-Type": "application/json"})
        reply.content_length = 200
        await reply.prepare(request)
        await reply.write(b'{"id": "%s", ' % DEP.encode())  # part of the body, then nothing
        stalled.set()
        await release.wait()
        return reply

    app = web.Application()
    app.router.add_get("/api/v2/deployments/{id}/", stall)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v2"
    try:
        # no whole-request timeout: only the per-read one can end the request. fail_after
        # only keeps a broken read_timeout from hanging the suite (it raises TimeoutError,
        # which is not the APITimeoutError asserted)
        async with AsyncDeploymentClient(endpoint, "t", max_retries=0, read_timeout=0.2) as api:
            with anyio.fail_after(10), pytest.raises(aiodeploy.APITimeoutError) as info:
                await api.get_deployment(DEP)
        assert stalled.is_set()  # it was cut mid-reply ...
        assert not release.is_set()  # ... while the server still stalled
        assert info.value.url.endswith(f"/deployments/{DEP}/")
    finally:
        release.set()
        await runner.cleanup()
