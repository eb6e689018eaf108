"""The emulator in a separate process, so the server never shares the client's CPU."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SERVER_CPU = 1  # with 2 cores: the emulator on core 1, the client under test on core 0
CLIENT_CPU = 0


@dataclass
class EmulatorProcess:
    """A running ``python -m aiodeploy.emulator`` and how to reach it."""

    process: subprocess.Popen[str]
    endpoint: str
    token: str

    @property
    def root(self) -> str:
        return self.endpoint.removesuffix("/api/v2")

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback URL we started)
            self.root + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
            text = reply.read()
        return json.loads(text) if text else None

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        result: dict[str, Any] = self._admin("GET", "/_emulator/stats")
        return result

    def requests_total(self) -> int:
        return int(self.stats()["requestsTotal"])

    def reset(self) -> None:
        """Back to the seed state, counters zeroed."""
        self._admin("POST", "/_emulator/reset")


@contextlib.contextmanager
def emulator_process(*args: str, pin: bool = True) -> Iterator[EmulatorProcess]:
    """Start the emulator on 127.0.0.1 (a free port) with extra CLI ``args``."""
    command = [sys.executable, "-m", "aiodeploy.emulator", "--port", "0", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
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
        if pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(process.pid, {SERVER_CPU})
            os.sched_setaffinity(0, {CLIENT_CPU})
        yield EmulatorProcess(process, endpoint, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
