"""Roll 200 deployments to a new model at once, with progress and a summary.

Starts the embedded emulator with 200 deployments (jobs of 1-3 s), picks for each one a
model that validates, and replaces them all with ``replace_models``:

    python examples/bulk_rollout.py
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiodeploy import (
    AsyncDeploymentClient,
    BulkEvent,
    ItemFinished,
    ItemSubmitted,
    Model,
    ReplacementRequest,
)
from aiodeploy.emulator import Emulator

DEPLOYMENTS = 200


class Progress:
    """Prints a line each time another tenth of the items has finished."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.submitted = 0
        self.outcomes: Counter[str] = Counter()
        self.started = time.monotonic()

    def __call__(self, event: BulkEvent) -> None:
        if isinstance(event, ItemSubmitted):
            self.submitted += 1
        elif isinstance(event, ItemFinished):
            self.outcomes[event.result.outcome.value] += 1
            done = sum(self.outcomes.values())
            if done % (self.total // 10) == 0 or done == self.total:
                counts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
                elapsed = time.monotonic() - self.started
                print(f"  {done:4d}/{self.total} finished after {elapsed:5.1f} s ({counts})")


async def main() -> None:
    async with Emulator(deployments=DEPLOYMENTS, replacement_seconds=(1.0, 3.0), seed=7) as emu:
        print(f"emulator at {emu.endpoint} with {DEPLOYMENTS} deployments")
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
            plan = []
            models: dict[str, list[Model]] = {}
            for dep in await client.list_deployments():
                assert dep.model is not None
                assert dep.model.project_id is not None
                project = dep.model.project_id
                if project not in models:
                    models[project] = await client.list_models(project)
                newer = next(m for m in models[project] if m.id != dep.model.id)
                plan.append(ReplacementRequest(dep.id, newer.id, "SCHEDULED_REFRESH"))
            print(f"rolling {len(plan)} deployments to a new model (jobs take 1-3 s each)")
            result = await client.replace_models(plan, concurrency=32, on_event=Progress(len(plan)))

        print(f"\ndone in {result.elapsed:.1f} s")
        for outcome, count in result.counts.items():
            if count:
                print(f"  {outcome:<20} {count}")
        for item in result.failed()[:5]:
            print(f"  {item.request.deployment_id}: {item.outcome} {item.error or ''}")
        total = emu.state.stats.request_count()
        print(f"requests sent: {total} ({total / len(plan):.1f} per deployment)")


if __name__ == "__main__":
    asyncio.run(main())
