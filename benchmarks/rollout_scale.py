"""One rollout at scale: wall time, requests per replacement, client CPU and peak RSS.

    python -m benchmarks.rollout_scale --deployments 1000 --job-seconds 2

The emulator runs in its own process (pinned to another core when there are two); the
client runs here, so ``ru_maxrss`` is the client's own peak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time

from aiodeploy import AsyncDeploymentClient, ReplacementRequest

from ._emulator import emulator_process


async def build_plan(client: AsyncDeploymentClient) -> list[ReplacementRequest]:
    """Move every deployment to another model of its project."""
    deployments = await client.list_deployments()
    models = {}
    plan = []
    for dep in deployments:
        assert dep.model is not None
        assert dep.model.project_id is not None
        project = dep.model.project_id
        if project not in models:
            models[project] = await client.list_models(project)
        # the seed's second model of each project validates as passing
        target = next(m for m in models[project] if m.id != dep.model.id)
        plan.append(ReplacementRequest(dep.id, target.id, "SCHEDULED_REFRESH"))
    return plan


async def rollout(endpoint: str, token: str, emu, concurrency: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    async with AsyncDeploymentClient(endpoint, token) as client:
        plan = await build_plan(client)
        before = emu.requests_total()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = await client.replace_models(plan, concurrency=concurrency)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        requests = emu.requests_total() - before
    return {
        "deployments": len(plan),
        "replaced": result.counts["replaced"],
        "wall_s": round(wall, 3),
        "client_cpu_s": round(cpu, 3),
        "requests_per_replacement": round(requests / len(plan), 2),
        "client_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--job-seconds", default="2")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with emulator_process(
        "--deployments", str(args.deployments), "--replacement-seconds", args.job_seconds
    ) as emu:
        figures = asyncio.run(rollout(emu.endpoint, emu.token, emu, args.concurrency))
    print(json.dumps({"job_seconds": args.job_seconds, **figures}))


if __name__ == "__main__":
    main()
