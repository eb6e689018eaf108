"""What the figures were measured on: CPU, cores, pinning, Python and library versions."""

from __future__ import annotations

import datetime as dt
import os
import platform
import timeit
from importlib import metadata
from typing import Any

from ._emulator import CLIENT_CPU, SERVER_CPU, pin_to


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def speed_ms() -> float:
    """A fixed pure-Python workload (``sum(range(10**6))``), best of 5, in ms: how fast this
    machine runs Python, so that figures from two machines (or two days of a shared one)
    can be compared. Measured on the client's core."""
    return round(min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000, 1)


def machine_info() -> dict[str, Any]:
    pinned = pin_to(CLIENT_CPU) is not None
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "pinning": (
            f"client on core {CLIENT_CPU}, emulator on core {SERVER_CPU}"
            if pinned
            else "none (fewer than 2 cores)"
        ),
        "python_speed_ms": speed_ms(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("aiodeploy", "aiohttp", "msgspec", "anyio", "datarobot", "requests")
        },
    }
