"""The emulator in a separate process, so the server never shares the client's CPU.

Also what the suite needs to know about the emulator from the outside: its admin routes,
a replacement plan built from its seed data, and the model history that tells when each
replacement job was accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SERVER_CPU = 1  # with 2 cores: the emulator on core 1, the client under test on core 0
CLIENT_CPU = 0


def pin_to(cpu: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` pinning a child process to the ``cpu``-th allowed core, or None.

    Pinning happens before the child runs any Python, so even its start-up stays off the
    other core. With one core (or no affinity API) nothing is pinned.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    core = cores[cpu % len(cores)]
    return lambda: os.sched_setaffinity(0, {core})


@dataclass
class EmulatorProcess:
    """A running ``python -m aiodeploy.emulator`` and how to reach it."""

    process: subprocess.Popen[str]
    endpoint: str
    token: str
    args: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        return self.endpoint.removesuffix("/api/v2")

    def _call(self, method: str, url: str, headers: dict[str, str]) -> Any:
        # S310: the URL is always the loopback emulator this module started
        request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310
            text = reply.read()
        return json.loads(text) if text else None

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        result: dict[str, Any] = self._call("GET", self.root + "/_emulator/stats", {})
        return result

    def requests_total(self) -> int:
        return int(self.stats()["requestsTotal"])

    def reset(self) -> None:
        """Back to the seed state, counters zeroed."""
        self._call("POST", self.root + "/_emulator/reset", {})

    def api_get(self, path: str) -> Any:
        """``GET /api/v2/{path}`` with the token (for reading results after a run)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return self._call("GET", f"{self.endpoint}/{path}", headers)

    def accepted_at(self, deployment_ids: list[str]) -> dict[str, float]:
        """When the server accepted each deployment's latest replacement (epoch seconds).

        The model history's newest entry starts at the job's acceptance, in the server's
        clock; P5 adds the fixed job duration to it to get the job's end.
        """
        found = {}
        for dep_id in deployment_ids:
            page = self.api_get(f"deployments/{dep_id}/modelHistory/?limit=100")
            start = page["data"][-1]["startDate"]
            found[dep_id] = datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
        return found

    def job_spans(
        self, deployment_ids: list[str], low: float, high: float
    ) -> dict[str, tuple[float, float]]:
        """When each deployment's latest replacement job started and ended (epoch seconds).

        The job's start is its acceptance (:meth:`accepted_at`); its duration is the one the
        emulator drew for it. Jobs of a (min, max) range draw their durations in submission
        order from a generator seeded anew by every reset, so the k-th replacement accepted
        after the reset lasts the k-th draw: :func:`drawn_durations` repeats the draws with
        the emulator's own job book. This holds only when every replacement of the run was
        accepted (none failed) and the run started from a reset, as every run does.
        """
        accepted = self.accepted_at(deployment_ids)
        order = sorted(deployment_ids, key=accepted.__getitem__)
        durations = drawn_durations(len(order), low, high)
        return {
            dep: (accepted[dep], accepted[dep] + seconds)
            for dep, seconds in zip(order, durations, strict=True)
        }

    def deployment_ids(self, count: int) -> list[str]:
        """The ids of the first ``count`` deployments, in the list's order."""
        return asyncio.run(_ids(self.endpoint, self.token, count))

    def replacement_plan(self, count: int) -> list[list[str]]:
        """``[deployment id, model id]`` for the first ``count`` deployments.

        The target is another model of the deployment's project; the seed's models after the
        champion begin with a compatible one, so every item validates as passing.
        """
        return asyncio.run(_plan(self.endpoint, self.token, count))


def drawn_durations(count: int, low: float, high: float, seed: int = 0) -> list[float]:
    """The durations (seconds) of the first ``count`` replacement jobs of an emulator started
    with ``--replacement-seconds LOW:HIGH --seed SEED``, drawn by its own job book."""
    from aiodeploy.emulator._clock import Timeline
    from aiodeploy.emulator._faults import FaultInjector
    from aiodeploy.emulator._jobs import JobBook
    from aiodeploy.emulator._records import JobKind

    book = JobBook(seed, Timeline(lambda: 0.0), {JobKind.REPLACE: (low, high)}, FaultInjector(seed))
    jobs = [book.submit(JobKind.REPLACE, "-", {}, "") for _ in range(count)]
    return [(job.due or 0.0) - job.started for job in jobs]


async def _ids(endpoint: str, token: str, count: int) -> list[str]:
    from aiodeploy import AsyncDeploymentClient

    async with AsyncDeploymentClient(endpoint, token) as client:
        deployments = (await client.list_deployments())[:count]
    if len(deployments) < count:
        raise RuntimeError(f"the emulator has {len(deployments)} deployments, not {count}")
    return [dep.id for dep in deployments]


async def _plan(endpoint: str, token: str, count: int) -> list[list[str]]:
    from aiodeploy import AsyncDeploymentClient

    async with AsyncDeploymentClient(endpoint, token) as client:
        deployments = (await client.list_deployments())[:count]
        if len(deployments) < count:
            raise RuntimeError(f"the emulator has {len(deployments)} deployments, not {count}")
        models: dict[str, list[str]] = {}
        plan = []
        for dep in deployments:
            assert dep.model is not None
            assert dep.model.project_id is not None
            project = dep.model.project_id
            if project not in models:
                models[project] = [m.id for m in await client.list_models(project)]
            target = next(m for m in models[project] if m != dep.model.id)
            plan.append([dep.id, target])
    return plan


@contextlib.contextmanager
def emulator_process(*args: str, pin: bool = True) -> Iterator[EmulatorProcess]:
    """Start the emulator on 127.0.0.1 (a free port) with extra CLI ``args``.

    No generated prediction history unless ``args`` ask for it (``--traffic DAYS``): the
    command line's demo default would cost every scenario start-up time and memory.
    """
    command = [sys.executable, "-m", "aiodeploy.emulator", "--port", "0", "--traffic", "0", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=pin_to(SERVER_CPU) if pin else None,  # safe: this process runs no threads
    )
    try:
        assert process.stdout is not None
        endpoint = token = ""
        while not (endpoint and token):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the emulator exited early: {command}")
            if line.startswith("export DATAROBOT_ENDPOINT="):
                endpoint = line.split("=", 1)[1].strip()
            elif line.startswith("export DATAROBOT_API_TOKEN="):
                token = line.split("=", 1)[1].strip()
        yield EmulatorProcess(process, endpoint, token, tuple(args))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
