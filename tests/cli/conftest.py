"""Fixtures of the CLI tests: an isolated environment and ``main()`` run in a worker thread.

``main()`` runs its own event loop (``asyncio.run``), so async tests call it in a worker
thread while the ``emulator`` fixture keeps serving on the test's loop.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path

import anyio
import pytest

from aiodeploy.cli import main

PATCH_MODEL = "/api/v2/deployments/{deployment_id}/model/"
STATUS_ROUTE = "/api/v2/status/{status_id}/"


@dataclasses.dataclass
class Run:
    """What one ``main()`` call returned and printed."""

    code: int
    out: str
    err: str


CliRunner = Callable[..., Awaitable[Run]]


@pytest.fixture(autouse=True)
def isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No endpoint or token from the developer's environment or drconfig.yaml."""
    for name in (
        "DATAROBOT_ENDPOINT",
        "DATAROBOT_API_TOKEN",
        "DATAROBOT_CONFIG_FILE",
        "DATAROBOT_SSL_VERIFY",
        "DATAROBOT_MAX_RETRIES",
        "COLUMNS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def cli(emulator, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """``await cli(*argv)`` runs ``main(argv + connection flags)`` and captures its output."""

    async def run(*argv: str, connect: bool = True) -> Run:
        args = [*argv, "--endpoint", emulator.endpoint, "--token", emulator.token]
        code = await anyio.to_thread.run_sync(main, args if connect else list(argv))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def plan_rows(emulator, pick: str = "passing", count: int | None = None) -> list[list[str]]:
    """``[deployment_id, model_id, reason]`` for the live deployments, with a model of
    the given validation group (``passing``, ``warning``, ``failing``)."""
    state = emulator.state
    rows = []
    for dep in state.live_deployments()[:count]:
        model = getattr(state.replacement_candidates(dep.id), pick)[0]
        rows.append([dep.id, model.id, "SCHEDULED_REFRESH"])
    return rows


def write_csv(path: Path, rows: Iterable[Sequence[str]], header: Sequence[str] | None = None):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or ["deployment_id", "model_id", "reason"])
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    keys = ("deployment_id", "model_id", "reason")
    lines = [json.dumps(dict(zip(keys, row, strict=True))) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


async def wait_until(condition: Callable[[], bool], polls: int = 2000) -> None:
    """Poll ``condition`` every 10 ms, at most ``polls`` times (state another process or
    another thread changes, with nothing to await)."""
    for _ in range(polls):
        if condition():
            return
        await anyio.sleep(0.01)
    raise AssertionError(f"still false after {polls} polls: {condition}")


def replacements(emulator, dep_id: str) -> int:
    """Completed replacements in a deployment's model history."""
    return len(emulator.state.model_history(dep_id)) - 1


def patch_count(emulator) -> int:
    count: int = emulator.state.stats.request_count(method="PATCH", route=PATCH_MODEL)
    return count


def status_polls(emulator) -> int:
    """Polls of job statuses: once there is one, the client holds the 202's status URL."""
    count: int = emulator.state.stats.request_count(method="GET", route=STATUS_ROUTE)
    return count


class ManualClock:
    """An emulator clock: its jobs finish only when a test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
