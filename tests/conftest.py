"""Shared fixtures: the emulator plugin, a mocked API (aioresponses) and a fake clock."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import aiohttp
import aioresponses.core
import pytest
from aioresponses import aioresponses as _aioresponses

pytest_plugins = ["aiodeploy.testing"]

ENDPOINT = "https://dr.test/api/v2"
TOKEN = "s3cr3t-token-value"


class _NoStreamWriter:
    output_size = 0


if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
    # aioresponses 0.7.9 builds ClientResponse without the `stream_writer` argument that
    # aiohttp 3.14 made mandatory; give its fake responses a finished writer.
    class _CompatClientResponse(aiohttp.ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _NoStreamWriter())
            super().__init__(method, url, **kwargs)

    aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mock_api() -> Iterator[_aioresponses]:
    with _aioresponses() as mocked:
        yield mocked
