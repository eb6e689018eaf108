"""Once the server accepted a replacement, no glitch reports it failed while the server did
the work: the deployment, read through a flaky gateway, is the truth (issue 10, kind 1)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from aiohttp import web

from aiodeploy import AsyncDeploymentClient, ReplacementRequest
from aiodeploy.emulator import Emulator
from aiodeploy.errors import AiodeployError
from tests.gateway import Gateway, Rule, Upstream, origin_of

GLITCHES = {
    "a 500": lambda request: web.json_response({"message": "Internal error"}, status=500),
    "a proxy's HTML page": lambda request: web.Response(
        text="<html>502 bad gateway</html>", content_type="text/html"
    ),
    "a status this client does not know": lambda request: web.json_response(
        {"status": "QUEUED", "statusId": "s"}
    ),
    "a 307 to itself": lambda request: web.Response(status=307, headers={"Location": request.path}),
}


def _target(emu: Emulator) -> tuple[str, str]:
    dep_id = emu.state.live_deployments()[0].id
    return dep_id, emu.state.replacement_candidates(dep_id).passing[0].id


def _first(route: str, glitch: str) -> Rule:
    """Answer the first request whose key starts with ``route`` with ``glitch``."""

    async def rule(request: web.Request, upstream: Upstream, n: int, key: str) -> web.Response:
        if key.startswith(route) and n == 1:
            return GLITCHES[glitch](request)
        return await upstream()

    return rule


async def _replace_through(rule: Rule) -> None:
    async with Emulator(deployments=1, replacement_seconds=0.3) as emu:
        dep_id, model_id = _target(emu)
        async with (
            Gateway(origin_of(emu), rule) as gateway,
            AsyncDeploymentClient(gateway.endpoint, emu.token) as client,
        ):
            dep = await client.replace_model(dep_id, model_id, "ACCURACY", max_wait=10)
        assert emu.state.current_model(dep_id).id == model_id  # the server's truth
        assert dep.model is not None
        assert dep.model.id == model_id


@pytest.mark.parametrize("glitch", sorted(GLITCHES))
async def test_one_glitch_on_a_status_poll_does_not_fail_the_replacement(glitch: str) -> None:
    await _replace_through(_first("GET /api/v2/status/", glitch))


@pytest.mark.parametrize("glitch", ["a 500", "a proxy's HTML page"])
async def test_one_glitch_on_the_read_after_the_job_does_not_fail_it(glitch: str) -> None:
    seen = {"status": False, "glitched": False}

    async def rule(request: web.Request, upstream: Upstream, n: int, key: str) -> web.Response:
        reply = await upstream()
        if key.startswith("GET /api/v2/status/") and reply.status == 303:
            seen["status"] = True  # the job is done: the next read of the deployment
        elif key == "GET /api/v2/deployments/ID/" and seen["status"] and not seen["glitched"]:
            seen["glitched"] = True
            return GLITCHES[glitch](request)
        return reply

    await _replace_through(rule)
    assert seen["glitched"]


async def test_a_patch_answered_503_retry_after_once_the_server_acted_is_not_a_refusal() -> None:
    # The PATCH is retried on "503 + Retry-After"; when a gateway said so after the server
    # acted, the retry meets 422 (the model is already the champion): the deployment
    # serves the new model, so the replacement is reported done, not refused.
    async def rule(request: web.Request, upstream: Upstream, n: int, key: str) -> web.Response:
        if key.startswith("PATCH ") and n == 1:
            await upstream()
            return web.json_response(
                {"message": "upstream timed out"}, status=503, headers={"Retry-After": "0"}
            )
        return await upstream()

    await _replace_through(rule)


async def test_a_rollout_item_failed_after_its_patch_is_not_failed_for_ever(
    tmp_path: Path,
) -> None:
    # The status of an accepted replacement is gone (404) and a stale replica still shows
    # the old model: the item is journalled "failed". A rerun with the same journal reads
    # the deployment instead of trusting that "failed", and never sends the PATCH again.
    stale = {"on": True}

    async def rule(request: web.Request, upstream: Upstream, n: int, key: str) -> web.Response:
        if key.startswith("GET /api/v2/status/"):
            return web.json_response({"message": "Not found"}, status=404)
        reply = await upstream()
        if stale["on"] and key == "GET /api/v2/deployments/ID/" and reply.body:
            body = bytes(reply.body).replace(model_id.encode(), old_id.encode())
            return web.Response(status=reply.status, body=body, content_type="application/json")
        return reply

    journal = tmp_path / "rollout.jsonl"
    async with Emulator(deployments=1, replacement_seconds=0) as emu:
        dep_id, model_id = _target(emu)
        old_id = emu.state.current_model(dep_id).id
        plan = [ReplacementRequest(dep_id, model_id, "ACCURACY")]
        async with (
            Gateway(origin_of(emu), rule) as gateway,
            AsyncDeploymentClient(gateway.endpoint, emu.token) as client,
        ):
            first = await client.replace_models(plan, journal=journal, max_wait=10)
            stale["on"] = False
            again = await client.replace_models(plan, journal=journal, max_wait=10)
        assert emu.state.current_model(dep_id).id == model_id
        assert first.items[0].outcome.value == "failed"
        assert again.items[0].outcome.value == "replaced"
        patches = emu.state.stats.request_count(
            "PATCH", "/api/v2/deployments/{deployment_id}/model/"
        )
        assert patches == 1


def test_a_wait_that_timed_out_in_one_loop_does_not_break_the_next_loop() -> None:
    # A timed-out wait left the learned-duration estimate's event bound to its loop; the
    # next asyncio.run then awaited it and got "... is bound to a different event loop".
    ready, stop = threading.Event(), threading.Event()
    holder: list[Emulator] = []

    async def serve() -> None:
        async with Emulator(deployments=2, replacement_seconds=3) as emu:
            holder.append(emu)
            ready.set()
            await asyncio.to_thread(stop.wait)

    server = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    server.start()
    try:
        assert ready.wait(10)
        emu = holder[0]
        first, second = (d.id for d in emu.state.live_deployments()[:2])
        client = AsyncDeploymentClient(emu.endpoint, emu.token)
        model = emu.state.replacement_candidates(first).passing[0].id
        with pytest.raises(AiodeployError):  # AsyncTimeoutError: the job takes 3 s
            asyncio.run(client.replace_model(first, model, "ACCURACY", max_wait=0.5))
        model = emu.state.replacement_candidates(second).passing[0].id
        dep = asyncio.run(client.replace_model(second, model, "ACCURACY", max_wait=10))
        assert dep.model is not None
        assert dep.model.id == model
        asyncio.run(client.aclose())
    finally:
        stop.set()
        server.join(10)
