"""The ``client`` of these tests talks to a mocked endpoint and waits on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import aiodeploy
from tests.conftest import ENDPOINT, TOKEN, FakeClock


@pytest.fixture
async def client(clock: FakeClock) -> AsyncIterator[aiodeploy.AsyncDeploymentClient]:
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as api:
        yield api
