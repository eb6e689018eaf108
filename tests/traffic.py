"""Prediction traffic for guarded rollout tests: a fleet of active deployments, and rounds
of predictions on every one of them through the emulator's prediction server."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import anyio

from aiodeploy import AsyncDeploymentClient, BulkEvent, ServerError, WaveProgress
from aiodeploy.emulator import Emulator

ROWS = [{}] * 5  # a feature missing from a row is a missing value: still predicted


def make_fleet(emu: Emulator, count: int, *, projects: int = 4) -> list[tuple[str, str, str]]:
    """``count`` active deployments over the first ``projects`` seed projects:
    ``(deployment, its model, a model that replaces it)``."""
    catalog = emu.state.catalog
    fleet = []
    for index in range(count):
        project = catalog.projects[index % projects]
        record = emu.state.create_deployment(catalog.champion(project.id).id, f"guarded-{index}")
        target = emu.state.replacement_candidates(record.id).passing[0].id
        fleet.append((record.id, record.model_id, target))
    return fleet


@dataclasses.dataclass
class Traffic:
    """Rounds of predictions on every deployment (``per_round`` requests of 5 rows each).

    Used as a client's ``sleep`` (:meth:`sleep`) with its ``on_event`` (:meth:`on_event`),
    a round is made each time a baking guarded rollout waits between two gate reads, so
    the gate sees traffic that a fake clock cannot bring.
    """

    client: AsyncDeploymentClient
    deployments: list[str]
    advance: Callable[[float], Awaitable[None]] | None = None
    per_round: int = 2
    served: int = 0
    failed: int = 0
    rounds: int = 0
    baking: bool = False

    async def round(self) -> None:
        async def one(dep_id: str) -> None:
            try:
                await self.client.predict(dep_id, ROWS)
            except ServerError:
                self.failed += 1
            else:
                self.served += 1

        async with anyio.create_task_group() as group:
            for dep_id in self.deployments:
                for _ in range(self.per_round):
                    group.start_soon(one, dep_id)
        self.rounds += 1

    def on_event(self, event: BulkEvent) -> None:
        if isinstance(event, WaveProgress):
            self.baking = event.stage == "baking"

    async def sleep(self, seconds: float) -> None:
        if self.baking:
            await self.round()
        assert self.advance is not None
        await self.advance(seconds)
