"""Running the unchanged official ``datarobot`` client against the emulator.

The client is synchronous, so each scenario runs in a worker thread while the emulator
serves on the test's event loop. Jobs take 0 s so that the client's first (immediate)
status poll sees them done instead of sleeping its fixed 5 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import datarobot.client
import pytest
from datarobot.client import Client

from aiodeploy.emulator import Emulator, EmulatorState

from .helpers import TOKEN

__all__ = ["MARKS", "in_thread", "isolated_config", "server"]

MARKS = [
    # datarobot/rest.py builds urllib3.Retry(allowed_methods={}), which urllib3 2.x deprecates
    pytest.mark.filterwarnings(
        "ignore:Using an empty collection for 'allowed_methods':FutureWarning"
    ),
    # the emulator reports API 2.38.0 (DataRobot's public fixture); client 3.20 expects 2.49
    pytest.mark.filterwarnings("ignore:Client version is ahead of server version:UserWarning"),
]


@pytest.fixture(autouse=True)
def isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keep the developer's environment and drconfig.yaml out; drop the global client."""
    for name in (
        "DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE",
        "DATAROBOT_MAX_RETRIES", "DATAROBOT_DEFAULT_USE_CASE",
        "DATAROBOT_API_CONSUMER_TRACKING_ENABLED",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
    datarobot.client._global_client = None  # the client keeps its last instance module-wide


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    """An emulator with 12 deployments whose jobs and builds take no time."""
    async with Emulator(
        token=TOKEN,
        deployments=12,
        replacement_seconds=0,
        settings_seconds=0,
        creation_seconds=0,
        status_seconds=0,
    ) as emu:
        yield emu


async def in_thread(emu: Emulator, scenario: Callable[[EmulatorState], Any]) -> Any:
    """Run ``scenario(state)`` with a configured official client, in a worker thread."""

    def run() -> Any:
        client = Client(token=TOKEN, endpoint=emu.endpoint)
        try:
            return scenario(emu.state)
        finally:
            client.close()

    result = await asyncio.to_thread(run)
    assert emu.state.stats.unexpected_errors == 0
    return result
