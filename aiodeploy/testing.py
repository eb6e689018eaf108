"""pytest fixtures that run your tests against the embedded DataRobot emulator.

Enable the plugin in your ``conftest.py`` (it needs pytest-asyncio)::

    pytest_plugins = ["aiodeploy.testing"]

Then ask for the fixtures::

    async def test_rollout(client, emulator):
        dep_id = emulator.state.live_deployments()[0].id
        model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
        dep = await client.replace_model(dep_id, model_id, "ACCURACY")
        assert dep.model.id == model_id

- ``emulator``: an :class:`~aiodeploy.emulator.Emulator` on 127.0.0.1 (a free port), with
  fast jobs (0.1 s) and 5 seed deployments, new for each test: :data:`EMULATOR_DEFAULTS`
  over the defaults of :class:`~aiodeploy.emulator.EmulatorOptions`. Change its arguments
  with the ``emulator`` marker: ``@pytest.mark.emulator(deployments=300, faults="503=0.1")``
  (any option of ``EmulatorOptions``; an unknown one is a ``TypeError``).
- ``client``: an :class:`~aiodeploy.AsyncDeploymentClient` connected to it, closed after
  the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from ._client import AsyncDeploymentClient
from .emulator import Emulator

__all__ = ["EMULATOR_DEFAULTS", "client", "emulator"]

EMULATOR_DEFAULTS: dict[str, Any] = {
    "replacement_seconds": 0.1,
    "settings_seconds": 0.05,
    "creation_seconds": 0.05,
    "status_seconds": 0.05,
    "monitoring_seconds": 0.05,
    "challenger_seconds": 0.05,
    "intervals_seconds": 0.05,
    "deployments": 5,
}
"""What the ``emulator`` fixture changes from :class:`~aiodeploy.emulator.EmulatorOptions`'
defaults (fast jobs, a few deployments); the ``emulator`` marker overrides them in turn."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator(**kwargs): arguments for the aiodeploy `emulator` fixture"
    )


@pytest_asyncio.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """An embedded DataRobot emulator for one test."""
    marker = request.node.get_closest_marker("emulator")
    options = {**EMULATOR_DEFAULTS, **(marker.kwargs if marker else {})}
    async with Emulator(**options) as emu:
        yield emu


@pytest_asyncio.fixture
async def client(emulator: Emulator) -> AsyncIterator[AsyncDeploymentClient]:
    """An :class:`AsyncDeploymentClient` connected to the ``emulator`` fixture."""
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token) as api:
        yield api
