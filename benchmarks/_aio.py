"""aiodeploy's side of every scenario (run inside ``benchmarks._run``).

Each function gets the run's arguments and the meter, opens one
:class:`~aiodeploy.AsyncDeploymentClient` with its defaults, and times only the work the
scenario judges.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from aiodeploy import AiodeployError, AsyncDeploymentClient, Policy, ReplacementRequest

from ._meter import Meter, current_rss_bytes

REASON = "SCHEDULED_REFRESH"


def _client(args: dict[str, Any]) -> AsyncDeploymentClient:
    return AsyncDeploymentClient(args["endpoint"], args["token"])


async def workers(calls: int, concurrency: int, call: Callable[[int], Awaitable[object]]) -> None:
    """Make ``calls`` calls, ``concurrency`` at a time (one after another when 1)."""
    if concurrency == 1:
        for index in range(calls):
            await call(index)
        return
    counter = iter(range(calls))

    async def worker() -> None:
        for index in counter:  # a shared iterator: each worker takes the next call
            await call(index)

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)


async def p1(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Rollout: ``replace_models`` over the whole plan (read, validate, PATCH, wait), with a
    journal in a temporary folder when ``args["journal"]`` (fsynced before each step)."""
    plan = [ReplacementRequest(dep, model, REASON) for dep, model in args["plan"]]
    with tempfile.TemporaryDirectory(prefix="aiodeploy-bench-") as folder:
        journal = Path(folder, "rollout.jsonl") if args.get("journal") else None
        async with _client(args) as client:
            meter.begin()
            result = await client.replace_models(
                plan, concurrency=args["concurrency"], journal=journal
            )
            meter.end()
        extra = {"journal_kib": journal.stat().st_size / 1024} if journal is not None else {}
    replaced = result.counts.get("replaced", 0)
    return {"ok": replaced, "failed": len(plan) - replaced, **extra}


p8 = p1  # P8 is P1's rollout at scale


async def p2(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Per-call cost: ``get_deployment`` over the seed's ids, round robin."""
    ids = args["ids"]
    async with _client(args) as client:
        await client.get_deployment(ids[0])  # connect outside the window, like dr.Client()

        async def call(index: int) -> None:
            await client.get_deployment(ids[index % len(ids)])

        meter.begin()
        await workers(args["calls"], args["concurrency"], call)
        meter.end()
    return {"ok": args["calls"], "failed": 0}


async def p3(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Listing: ``list_deployments()`` (pages of 100, fetched concurrently)."""
    async with _client(args) as client:
        meter.begin()
        deployments = await client.list_deployments()
        meter.end()
    return {"ok": len(deployments), "failed": args["expected"] - len(deployments)}


async def p4(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Memory: start every replacement, then wait on all of them while sampling RSS."""
    plan = args["plan"]
    ops: list[Any] = [None] * len(plan)
    failed = 0
    async with _client(args) as client:
        await client.get_deployment(plan[0][0])  # session, connection and decoders warm
        gc.collect()
        baseline = current_rss_bytes()

        # Submitting 32 at a time, as replace_models does: 10 000 submissions queued at once
        # would leave their transient memory in the RSS and inflate the per-operation figure.
        limiter = anyio.CapacityLimiter(32)

        async def start(index: int, dep: str, model: str) -> None:
            nonlocal failed
            try:
                async with limiter:
                    ops[index] = await client.start_model_replacement(dep, model, REASON)
            except AiodeployError:
                failed += 1

        meter.begin()
        begun = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for index, (dep, model) in enumerate(plan):
                tg.start_soon(start, index, dep, model)
        start_s = time.perf_counter() - begun
        after_start = current_rss_bytes()
        peak = after_start
        # The jobs last far longer than the window: every wait stays in flight until cancelled.
        with anyio.move_on_after(args["sample_s"]):
            async with anyio.create_task_group() as tg:
                for op in ops:
                    if op is not None:
                        tg.start_soon(op.wait)
                while True:
                    await anyio.sleep(0.05)
                    peak = max(peak, current_rss_bytes())
        meter.end()
    count = len(plan)
    return {
        "ok": count - failed,
        "failed": failed,
        "ops": count,
        "start_s": start_s,
        "rss_baseline_mib": baseline / 2**20,
        "rss_in_flight_mib": peak / 2**20,
        "kib_per_op_started": (after_start - baseline) / 1024 / count,
        "kib_per_op": (peak - baseline) / 1024 / count,
    }


async def p5(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Completion lag: start each replacement at its offset (all 0: at once) and note when
    each wait returns."""
    done_at: dict[str, float] = {}
    failed = 0
    async with _client(args) as client:

        async def one(dep: str, model: str, offset: float) -> None:
            nonlocal failed
            await anyio.sleep(offset)
            try:
                operation = await client.start_model_replacement(dep, model, REASON)
                await operation.wait()
            except AiodeployError:
                failed += 1
            else:
                done_at[dep] = time.time()  # wall clock: compared with the server's

        meter.begin()
        async with anyio.create_task_group() as tg:
            for offset, (dep, model) in zip(args["offsets"], args["plan"], strict=True):
                tg.start_soon(one, dep, model, offset)
        meter.end()
    return {"ok": len(done_at), "failed": failed, "done_at": done_at}


async def zi(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Zero interruption: prediction loops on every active deployment during a rollout."""
    plan = [ReplacementRequest(dep, model, REASON) for dep, model in args["plan"]]
    made = failed_predictions = 0
    stop = anyio.Event()
    async with _client(args) as client:
        active = [d.id for d in await client.list_deployments(status="active")]
        for dep in active:  # routes read and connections open before the window
            await client.predict(dep, [{}])

        async def predict(worker: int) -> None:
            nonlocal made, failed_predictions
            turn = worker
            while not stop.is_set():
                try:
                    await client.predict(active[turn % len(active)], [{}])
                except AiodeployError:
                    failed_predictions += 1
                else:
                    made += 1
                turn += 1

        async with anyio.create_task_group() as tg:
            for worker in range(args["workers"]):
                tg.start_soon(predict, worker)
            before = made
            meter.begin()
            result = await client.replace_models(plan)
            meter.end()
            during = made - before
            stop.set()
        counted = 0
        for dep in active:
            counted += (await client.get_service_stats(dep)).metrics.total_predictions
    replaced = result.counts.get("replaced", 0)
    return {
        "ok": replaced,
        "failed": len(plan) - replaced,
        "predictions_during": during,
        "predictions_per_s": during / meter.wall_s if meter.wall_s else 0.0,
        "failed_predictions": failed_predictions,
        "stats_match": counted == made + len(active),
    }


async def p6(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Fleet health: ``fleet_health(deployments=ids)``, the client's defaults (per
    deployment: GET the deployment, then its service stats, target and feature drift)."""
    ids = args["ids"]
    async with _client(args) as client:
        await client.get_deployment(ids[0])  # connect outside the window, like dr.Client()
        meter.begin()
        records = await client.fleet_health(deployments=ids)
        meter.end()
    failed = sum(1 for record in records if record.error is not None)
    return {"ok": len(records) - failed, "failed": len(ids) - len(records) + failed}


async def p7(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Policy: ``apply_policy`` (plan: list and read each deployment's settings; then send
    what differs), 32 deployments at a time (its default)."""
    policy = Policy.from_dict(args["policy"])
    async with _client(args) as client:
        await client.get_deployment(args["ids"][0])  # connect outside the window
        meter.begin()
        result = await client.apply_policy(policy)
        meter.end()
    updated = result.counts.get("updated", 0)
    return {"ok": updated, "failed": args["expected"] - updated}
