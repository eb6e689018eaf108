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


async def predict_rows(
    session: aiohttp.ClientSession,
    emu: Any,
    deployment_id: str,
    rows: list[dict[str, Any]],
    *,
    token: str = TOKEN,
    **kwargs: Any,
) -> tuple[int, dict[str, str], Any]:
    """POST rows as JSON to the deployment on the prediction server, with its key."""
    record = emu.state.store.get(deployment_id)
    key = None if record is None else emu.state.predictions.server_key(record)
    headers = {"Authorization": f"Bearer {token}", **({"DataRobot-Key": key} if key else {})}
    headers.update(kwargs.pop("headers", {}))
    url = f"{emu.prediction_url}/predApi/v1.0/deployments/{deployment_id}/predictions"
    async with session.post(url, json=rows, headers=headers, **kwargs) as resp:
        body = await resp.json() if "json" in resp.content_type else await resp.text()
        return resp.status, dict(resp.headers), body


def active_deployment(emu: Any, project: str = "Loan defaults") -> Any:
    """The first active live deployment of a seed project (by name)."""
    for record in emu.state.live_deployments():
        model = emu.state.catalog.model(record.model_id)
        if (
            record.status == "active"
            and emu.state.catalog.project(model.project_id).name == project
        ):
            return record
    raise AssertionError(f"no active deployment of {project}")
