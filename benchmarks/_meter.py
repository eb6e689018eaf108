"""What one contender run measures, inside its own subprocess.

Only the standard library is imported here, so the meter adds nothing to the RSS of the
client it measures. Requests are counted by the emulator (``GET /_emulator/stats``), read
just outside the timed window. The emulator's own CPU time over the same window is read
from ``/proc/<its pid>/stat`` (Linux), so every wall time comes with what the server spent:
a wall time the emulator's core was busy for is the server's figure, not the client's.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import sys
import time
import urllib.parse
from collections import Counter
from typing import Any


def current_rss_bytes() -> int:
    """Resident set size now (``/proc/self/statm``), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far, or None (no pid, not Linux,
    or the process is gone). Clock-tick resolution (usually 10 ms)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: count the fields after its closing ")"
    fields = text.rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


class Meter:
    """Wall time, CPU time (all threads of this process) and requests of one timed window.

    Args:
        root: the emulator's root URL, e.g. ``http://127.0.0.1:8080``.
        emulator_pid: the emulator's process id, to read its CPU time (None: not read).
    """

    def __init__(self, root: str, emulator_pid: int | None = None) -> None:
        url = urllib.parse.urlsplit(root)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._emulator_pid = emulator_pid
        self._before: Counter[str] = Counter()
        self._wall0 = self._cpu0 = 0.0
        self._emulator0: float | None = None
        self.wall_s = self.cpu_s = 0.0
        self.emulator_cpu_s: float | None = None
        self.routes: Counter[str] = Counter()

    def _requests(self) -> Counter[str]:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            connection.request("GET", "/_emulator/stats")
            stats = json.loads(connection.getresponse().read())
        finally:
            connection.close()
        counts: Counter[str] = Counter()
        for item in stats["requests"]:
            counts[f"{item['method']} {item['route']}"] += item["count"]
        return counts

    def begin(self) -> None:
        """Start the window (blocking for a millisecond; call it when nothing else runs)."""
        self._before = self._requests()
        self._emulator0 = process_cpu_seconds(self._emulator_pid)
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()

    def end(self) -> None:
        """Close the window: clocks first, then the emulator's counters."""
        self.wall_s = time.perf_counter() - self._wall0
        self.cpu_s = time.process_time() - self._cpu0
        emulator = process_cpu_seconds(self._emulator_pid)
        if emulator is not None and self._emulator0 is not None:
            self.emulator_cpu_s = emulator - self._emulator0
        self.routes = self._requests() - self._before

    def result(self) -> dict[str, Any]:
        return {
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "emulator_cpu_s": self.emulator_cpu_s,
            "requests": sum(self.routes.values()),
            "peak_rss_mib": peak_rss_bytes() / 2**20,
            "routes": dict(sorted(self.routes.items())),
        }
