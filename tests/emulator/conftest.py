"""Fixtures for the emulator tests: a running emulator, an HTTP session, a hand-driven clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from aiodeploy.emulator import Emulator

from .helpers import READ_ONLY, TOKEN, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulators() -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    """A factory of started emulators (read-only token ``ro-token`` included)."""
    started: list[Emulator] = []

    async def make(**options: Any) -> Emulator:
        options.setdefault("tokens", {READ_ONLY: "read-only"})
        emu = Emulator(**options)
        await emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        await emu.aclose()


@pytest.fixture
async def emu(emulators: Callable[..., Awaitable[Emulator]], clock: FakeClock) -> Emulator:
    """An emulator with 30 deployments and jobs driven by the fake clock (1 s each)."""
    return await emulators(
        deployments=30,
        clock=clock,
        replacement_seconds=1.0,
        settings_seconds=1.0,
        creation_seconds=1.0,
        status_seconds=1.0,
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session sending the owner token."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as s:
        yield s


@pytest.fixture
async def ro_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session sending the read-only token."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {READ_ONLY}"}) as s:
        yield s
