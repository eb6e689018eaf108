"""Helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import aiohttp

TOKEN = "test-token"
READ_ONLY = "ro-token"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def call(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    """Send a request without following redirects; return status, headers and JSON (or None)."""
    async with session.request(method, url, allow_redirects=False, **kwargs) as resp:
        raw = await resp.read()
        assert resp.headers.get("Content-Type") == "application/json", (method, url, resp.status)
        body = await resp.json() if raw else None
        return resp.status, dict(resp.headers), body
