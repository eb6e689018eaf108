"""R5: cancellation at random points leaks nothing and leaves a consistent journal.

Each point cancels one of: a whole ``replace_model``, an ``op.wait()`` (the operation is
awaited again afterwards), a journaled ``replace_models`` run, or a deployment listing
(``list_deployments`` or ``iter_deployments``). The point is drawn from a seeded source:
just before the k-th request goes out (cancelling it in flight), just after the k-th reply
came back, or after a random delay. After each point:

* no task of the test's loop is left (the emulator serves from its own thread and loop);
* the client closed cleanly: no ResourceWarning (unclosed session, connector, transport)
  once garbage is collected;
* the journal re-opens for the same plan and each of its lines is JSON;
* a follow-up (the same journal, the same operation, or a plain rerun) finishes, and each
  deployment is replaced exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest

from aiodeploy import AsyncDeploymentClient, PollPolicy, ReplacementRequest
from aiodeploy._journal import Journal, plan_fingerprint
from aiodeploy._rollout import fingerprint_rows

from .conftest import SIZES, ThreadedEmulator, jobs_settled, wait_for

SEED = int(os.environ.get("AIODEPLOY_CHAOS_SEED", "5150"))
FAST_POLLS = PollPolicy(first_delay=0.02, factor=1.5, cap=0.2, learn=False)
KINDS = ("replace_model", "op_wait", "replace_models", "list")
# about how many requests each kind sends: the k-th request to cut is drawn up to this
_REQUESTS = {"replace_model": 5, "op_wait": 3, "replace_models": 14, "list": 4}


class _CancelAt:
    """Cancels ``scope`` around the k-th request the client sends.

    ``when="before"`` cancels as the request starts (it is cut off in flight);
    ``when="after"`` once its reply is in (the caller is cut off before using it).
    """

    def __init__(self, client: AsyncDeploymentClient, k: int, when: str) -> None:
        self.scope = anyio.CancelScope()
        self.sent = 0
        transport = client._session.transport
        send = transport.request

        async def request(*args: Any, **kwargs: Any) -> Any:
            self.sent += 1
            if self.sent == k and when == "before":
                self.scope.cancel()
            reply = await send(*args, **kwargs)
            if self.sent == k and when == "after":
                self.scope.cancel()
            return reply

        transport.request = request  # type: ignore[method-assign]


def _quiet(server: ThreadedEmulator) -> bool:
    """The emulator has no open connection left, so every request it got is handled."""

    def check() -> bool:
        runners = server.emulator._runners  # the API's, then the prediction server's
        assert runners
        assert all(runner.server is not None for runner in runners)
        return not any(runner.server.connections for runner in runners)  # type: ignore[union-attr]

    return server.call(check)


def _settled(server: ThreadedEmulator) -> bool:
    return server.call(jobs_settled, server.emulator)


def _history(server: ThreadedEmulator, dep_id: str) -> list[str]:
    state = server.emulator.state
    return server.call(lambda: [e.model_id for e in state.model_history(dep_id)])


@pytest.fixture
def server(threaded_emulator) -> ThreadedEmulator:
    # enough deployments for every point (a bulk point takes three)
    started: ThreadedEmulator = threaded_emulator(
        deployments=3 * SIZES.cancel_points + 10,
        replacement_seconds=(0.02, 0.1),
        status_seconds=0.02,
        seed=SEED % 1000,
    )
    return started


async def test_cancellation_at_random_points_leaks_nothing(server, tmp_path, figures) -> None:
    rng = random.Random(SEED)
    state = server.emulator.state
    unused = server.call(
        lambda: [
            ReplacementRequest(d.id, state.replacement_candidates(d.id).passing[0].id, "OTHER")
            for d in state.live_deployments()
        ]
    )
    total = len(unused)
    this_task = asyncio.current_task()
    seen: Counter[str] = Counter()
    cut: Counter[str] = Counter()
    for point in range(SIZES.cancel_points):
        kind = rng.choice(KINDS)
        trigger = rng.choice(["before", "after", "delay"])
        k = rng.randint(1, _REQUESTS[kind])
        delay = rng.uniform(0, 0.01 if kind == "list" else 0.2)  # listing is quick
        journal = tmp_path / f"point{point}.jsonl"
        plan = [unused.pop() for _ in range(3 if kind == "replace_models" else 1)]
        operation = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with AsyncDeploymentClient(
                server.emulator.endpoint, server.emulator.token, polling=FAST_POLLS
            ) as client:
                if kind == "op_wait":
                    operation = await client.start_model_replacement(*plan[0][:3])
                cancel = _CancelAt(client, k, trigger)
                scope = anyio.move_on_after(delay) if trigger == "delay" else cancel.scope
                with scope:
                    await _run(client, kind, plan, journal, operation, total, rng)
                cut[f"{kind}/{trigger}"] += scope.cancelled_caught
                seen[f"{kind}/{trigger}"] += 1
            gc.collect()
        resource_warnings = [w for w in caught if issubclass(w.category, ResourceWarning)]
        assert not resource_warnings, (point, kind, trigger, resource_warnings[0].message)
        left = [t for t in asyncio.all_tasks() if t is not this_task]
        assert not left, (point, kind, trigger, left)

        if journal.exists():
            await _check_journal(journal, plan)
        await wait_for(lambda: _quiet(server), "the emulator to finish the cut-off requests")
        if kind != "list":
            await _follow_up(server, kind, plan, journal, operation)
    # requests cut off mid-way are the client's doing, never an emulator error
    assert server.call(lambda: state.stats.unexpected_errors) == 0
    # most points must really cut something off (a point past the last request does not)
    assert sum(cut.values()) >= 0.5 * SIZES.cancel_points, cut
    figures.update(
        points=SIZES.cancel_points,
        cut_off=sum(cut.values()),
        points_by_kind_and_trigger=dict(sorted(seen.items())),
        cut_off_by_kind_and_trigger=dict(sorted(cut.items())),
    )


async def _run(
    client: AsyncDeploymentClient,
    kind: str,
    plan: list[ReplacementRequest],
    journal: Path,
    operation: Any,
    total: int,
    rng: random.Random,
) -> None:
    if kind == "replace_model":
        await client.replace_model(*plan[0][:3])
    elif kind == "op_wait":
        await operation.wait()
    elif kind == "replace_models":
        result = await client.replace_models(plan, journal=journal, concurrency=2)
        assert result.ok, result.failed()
    elif rng.random() < 0.5:
        assert len(await client.list_deployments()) == total
    else:
        listing = client.iter_deployments()
        async with contextlib.aclosing(listing):  # type: ignore[type-var]
            assert len([d async for d in listing]) == total


async def _check_journal(journal: Path, plan: list[ReplacementRequest]) -> None:
    data = await anyio.Path(journal).read_bytes()
    assert data.endswith(b"\n"), "a cancelled run left a torn line"
    for line in data.splitlines():
        json.loads(line)
    opened = await Journal.open(journal, plan_fingerprint(fingerprint_rows(plan)), len(plan))
    await opened.aclose()


async def _follow_up(
    server: ThreadedEmulator,
    kind: str,
    plan: list[ReplacementRequest],
    journal: Path,
    operation: Any,
) -> None:
    emu = server.emulator
    async with AsyncDeploymentClient(emu.endpoint, emu.token, polling=FAST_POLLS) as client:
        if operation is not None:
            # the same operation, awaited again after its wait was cancelled
            operation._session = client._session
            assert (await operation.wait()).model.id == plan[0].model_id
        elif kind == "replace_models":
            result = await client.replace_models(plan, journal=journal)
            assert result.ok, result.failed()
        else:
            result = await client.replace_models(plan)  # validates, skips if current
            assert result.ok, result.failed()
    await wait_for(lambda: _settled(server), "every job to end")
    for request in plan:
        history = _history(server, request.deployment_id)
        assert history[1:] == [request.model_id], (kind, request.deployment_id, history)
