"""A guarded rollout catches a bad model on its first wave and rolls it back.

Starts the embedded emulator (no credentials) with 8 live deployments, keeps prediction
traffic flowing to all of them, and makes one model fail half of its predictions
(``set_model_faults``). Rolling every deployment to that model in waves ``[1, "50%",
"100%"]`` stops after the first wave: the health gate sees the errors in the new model's
service stats, the canary goes back to its previous model (reason ``ERRORS``), and the
other deployments are never touched. Then a healthy model goes through every wave:

    python examples/guarded_rollout.py
"""

from __future__ import annotations

import asyncio
import contextlib

import anyio

from aiodeploy import (
    AsyncDeploymentClient,
    BulkEvent,
    HealthGate,
    ReplacementRequest,
    ServerError,
    WaveProgress,
)
from aiodeploy.emulator import Emulator

DEPLOYMENTS = 8
GATE = HealthGate(max_error_rate=0.05, min_predictions=10)


def show(event: BulkEvent) -> None:
    """Print each wave's changes of stage (not every baking tick)."""
    if isinstance(event, WaveProgress) and event.stage != "baking":
        detail = f" ({event.detail})" if event.detail else ""
        print(f"  wave {event.wave}/{event.waves}: {event.stage}{detail}")


async def traffic(client: AsyncDeploymentClient, deployments: list[str]) -> None:
    """Predict on every deployment, a few rows at a time, until cancelled."""
    while True:
        for dep_id in deployments:
            with contextlib.suppress(ServerError):  # the bad model's failures: the gate sees them
                await client.predict(dep_id, [{"grade": "B"}] * 5)
        await anyio.sleep(0.05)


async def main() -> None:
    async with Emulator(replacement_seconds=0.3) as emu:
        state, catalog = emu.state, emu.state.catalog
        champion = catalog.champion(catalog.projects[0].id)
        fleet = [state.create_deployment(champion.id, f"loans-{n}").id for n in range(DEPLOYMENTS)]
        bad, good = state.replacement_candidates(fleet[0]).passing[:2]
        emu.set_model_faults(bad.id, error_rate=0.5)
        print(f"emulator at {emu.endpoint}: {DEPLOYMENTS} deployments on {champion.id}")

        async with (
            AsyncDeploymentClient(emu.endpoint, emu.token) as client,
            anyio.create_task_group() as load,
        ):
            load.start_soon(traffic, client, fleet)

            print(f"rolling out {bad.id} (fails half its predictions) in 3 waves:")
            result = await client.replace_models(
                [ReplacementRequest(dep, bad.id, "SCHEDULED_REFRESH") for dep in fleet],
                waves=[1, "50%", "100%"],
                bake="10s",  # the gate fails the wave as soon as it has seen enough
                gate=GATE,
                on_event=show,
            )
            print(f"  ok={result.ok} { ({k: v for k, v in result.counts.items() if v}) }")
            print(f"  canary: {result.items[0].error}")
            history = [entry.model_id for entry in state.model_history(fleet[0])]
            print(f"  canary's model history: {' -> '.join(history)}")
            assert not result.ok
            assert all(state.current_model(dep).id == champion.id for dep in fleet)

            print(f"rolling out {good.id} (healthy) in 2 waves:")
            result = await client.replace_models(
                [ReplacementRequest(dep, good.id, "SCHEDULED_REFRESH") for dep in fleet],
                waves=[1, "100%"],
                bake="2s",  # a healthy wave passes at the end of its bake
                gate=GATE,
                on_event=show,
            )
            print(f"  ok={result.ok} {result.counts['replaced']} replaced")
            assert result.ok
            load.cancel_scope.cancel()  # the traffic stops with the example


if __name__ == "__main__":
    asyncio.run(main())
