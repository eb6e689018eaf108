"""Keep a fleet's settings as a policy file says: plan, apply, and apply again.

Starts the embedded emulator with 200 deployments, loads ``fleet_policy.yaml`` (next to
this script), prints what would change, applies it, and applies it once more to show that
nothing is sent when nothing differs:

    python examples/fleet_policy.py
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from aiodeploy import AsyncDeploymentClient, Policy
from aiodeploy.emulator import Emulator

DEPLOYMENTS = 200
POLICY = Path(__file__).with_name("fleet_policy.yaml")


def mutations(emu: Emulator) -> Counter[str]:
    """Requests that change something, by route, as the emulator counted them."""
    sent: Counter[str] = Counter()
    for (method, route, _), count in emu.state.stats.requests.items():
        if method in ("PATCH", "PUT", "POST", "DELETE"):
            sent[f"{method} {route.removeprefix('/api/v2/deployments/{deployment_id}/')}"] += count
    return sent


async def main() -> None:
    policy = Policy.from_file(POLICY)
    async with Emulator(deployments=DEPLOYMENTS, settings_seconds=(0.2, 0.5), seed=3) as emu:
        print(f"emulator at {emu.endpoint} with {DEPLOYMENTS} deployments")
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
            plan = await client.plan_policy(policy)
            changing = plan.changing()
            print(f"{POLICY.name} selects {len(plan.items)}; {len(changing)} to change")
            for item in changing[:2]:
                print(f"  ~ {item.deployment.label}")
                for change in item.changes:
                    fields = ", ".join(
                        f"{f.name}: {f.current} -> {f.desired}" for f in change.fields
                    )
                    print(f"      {change.family}: {fields}")

            emu.state.stats.clear()
            result = await client.apply_policy(policy, plan=plan, concurrency=32)
            print(
                f"applied in {result.elapsed:.1f} s: {result.counts['updated']} updated, "
                f"{result.counts['failed']} failed"
            )
            for route, count in sorted(mutations(emu).items()):
                print(f"  {count:4d} x {route}")

            emu.state.stats.clear()
            again = await client.apply_policy(policy)
            print(
                f"applied again: {again.counts['skipped_current']} already match, "
                f"{sum(mutations(emu).values())} change request(s) sent"
            )


if __name__ == "__main__":
    asyncio.run(main())
