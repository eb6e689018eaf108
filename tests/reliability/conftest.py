"""Reliability and security suite: sizes, measured figures, and shared helpers.

One switch picks the sizes: ``AIODEPLOY_CHAOS=full`` runs the long version (``nox -s
chaos``); unset (or ``default``) runs the small one that CI runs with every test run.
Each test records what it measured in ``figures``; the figures are printed at the end of
the run under "aiodeploy reliability figures".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
import pytest
from aiohttp import web

from aiodeploy import ReplacementRequest
from aiodeploy.emulator import Emulator

T = TypeVar("T")

PATCH_MODEL = "/api/v2/deployments/{deployment_id}/model/"


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How big each reliability test is."""

    name: str
    rollout: int  # R1: deployments in the chaos rollout
    kills: int  # R2: SIGKILLs of the CLI rollout before the final run
    crash_deployments: int  # R2: deployments in the killed rollout
    examples: int  # R3: hypothesis examples per fuzz test
    cancel_points: int  # R5: cancellation points
    connections: int  # emulator: concurrent connections
    zero_deployments: int = 40  # zero interruption: deployments replaced under load
    zero_predictions: int = 1000  # zero interruption: predictions during the rollout
    guarded_deployments: int = 12  # guarded crash: deployments in the killed rollout
    guarded_kills: int = 1  # guarded crash: SIGKILLs in each phase of the run (5 phases)


DEFAULT = Sizes("default", 200, 5, 40, 200, 100, 2000)
FULL = Sizes(
    "full", 1000, 10, 120, 2000, 300, 2000, 400, 10_000, guarded_deployments=40, guarded_kills=3
)


def _sizes() -> Sizes:
    switch = os.environ.get("AIODEPLOY_CHAOS", "").strip().lower()
    if switch in ("", "default"):
        return DEFAULT
    if switch == "full":
        return FULL
    # a typo must not silently run the small suite in the long CI job
    raise pytest.UsageError(f"AIODEPLOY_CHAOS={switch!r}: use 'full' or leave it unset")


SIZES = _sizes()

_FIGURES: dict[str, dict[str, Any]] = {}


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A dict the test fills with what it measured, printed at the end of the run."""
    return _FIGURES.setdefault(request.node.name, {})


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.write_sep("=", f"aiodeploy reliability figures ({SIZES.name} sizes)")
    terminalreporter.write_line(f"hypothesis examples per fuzz test: {SIZES.examples}")
    for test, values in _FIGURES.items():
        if values:
            shown = ", ".join(f"{key}={value}" for key, value in values.items())
            terminalreporter.write_line(f"{test}: {shown}")


# -- emulator helpers ---------------------------------------------------------------------


def plan_for(
    emulator: Emulator, reason: str = "SCHEDULED_REFRESH", *, versions: bool | str = False
) -> list[ReplacementRequest]:
    """One passing replacement per live deployment; with ``versions``, every other one by
    its registered model version (DataRobot's current path), the others by model id; with
    ``versions="all"``, every one by its version."""
    state = emulator.state
    plan = []
    for index, deployment in enumerate(state.live_deployments()):
        model = state.replacement_candidates(deployment.id).passing[0]
        if versions == "all" or (versions and index % 2):
            plan.append(
                ReplacementRequest(
                    deployment.id, reason=reason, registered_model_version_id=model.package_id
                )
            )
        else:
            plan.append(ReplacementRequest(deployment.id, model.id, reason))
    return plan


def model_of(emulator: Emulator, request: ReplacementRequest) -> str:
    """The Leaderboard model a plan item puts on its deployment."""
    if request.model_id is not None:
        return request.model_id
    registry = emulator.state.registry
    version = registry.version(request.registered_model_version_id or "")
    assert version is not None, request
    return registry.model_of(version).id


def new_entries(emulator: Emulator, dep_id: str) -> int:
    """Completed replacements in a deployment's model history (the first entry is its start)."""
    return len(emulator.state.model_history(dep_id)) - 1


async def wait_for(
    condition: Callable[[], bool], what: str, *, limit: float = 60, step: float = 0.01
) -> None:
    """Wait until ``condition()`` holds: state that another process or thread changes, with
    nothing to await. ``limit`` seconds only bound a hang; nothing asserts on durations."""
    try:
        with anyio.fail_after(limit):
            while not condition():  # noqa: ASYNC110 (nothing to await: poll the condition)
                await anyio.sleep(step)
    except TimeoutError:
        raise AssertionError(f"still waiting for {what} after {limit} s") from None


def request_log(emulator: Emulator) -> list[tuple[str, str, int]]:
    """Record ``(method, path, status)`` of every request the emulator's handlers answer.

    Call before the emulator starts. The recorder sits inside the fault middleware, so a
    PATCH applied and then dropped (``reset_after``) is recorded with the status its
    handler gave, and a request dropped before handling is not recorded at all.
    """
    log: list[tuple[str, str, int]] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except Exception as exc:  # routes raise their 4xx replies (ApiError, HTTPException)
            log.append((request.method, request.path, getattr(exc, "status", 0)))
            raise
        log.append((request.method, request.path, response.status))
        return response

    emulator.app.middlewares.append(record)
    return log


def jobs_settled(emulator: Emulator) -> bool:
    """Whether every job the emulator started has ended (settling the due ones first)."""
    emulator.state.advance()
    return not emulator.state.jobs.pending()


# -- an emulator on its own thread --------------------------------------------------------


class ThreadedEmulator:
    """An :class:`Emulator` serving from a thread with its own event loop.

    The test's loop then holds only the client's tasks (so "no task left behind" can be
    checked exactly), and the server really runs beside the client.
    """

    def __init__(self, **options: Any) -> None:
        self.emulator = Emulator(**options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> ThreadedEmulator:
        self._thread.start()
        self.run(self.emulator.start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self.emulator.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()

    def run(self, coro: Awaitable[T]) -> T:
        """Run a coroutine on the emulator's loop and return its result (blocking)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)  # type: ignore[arg-type]

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Call ``fn(*args)`` on the emulator's loop (its state is not thread-safe)."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def invoke() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed back to the caller's thread
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(invoke)
        return future.result(timeout=60)


@pytest.fixture
def threaded_emulator() -> Iterator[Callable[..., ThreadedEmulator]]:
    """A factory of emulators on their own threads, stopped after the test."""
    started: list[ThreadedEmulator] = []

    def make(**options: Any) -> ThreadedEmulator:
        server = ThreadedEmulator(**options)
        server.__enter__()
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        server.__exit__(None, None, None)
