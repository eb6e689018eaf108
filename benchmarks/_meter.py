"""What one contender run measures, inside its own subprocess.

Only the standard library is imported here, so the meter adds nothing to the RSS of the
client it measures. Requests are counted by the emulator (``GET /_emulator/stats``), read
just outside the timed window.
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


def peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


class Meter:
    """Wall time, CPU time (all threads of this process) and requests of one timed window.

    Args:
        root: the emulator's root URL, e.g. ``http://127.0.0.1:8080``.
    """

    def __init__(self, root: str) -> None:
        url = urllib.parse.urlsplit(root)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._before: Counter[str] = Counter()
        self._wall0 = self._cpu0 = 0.0
        self.wall_s = self.cpu_s = 0.0
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
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()

    def end(self) -> None:
        """Close the window: clocks first, then the emulator's counters."""
        self.wall_s = time.perf_counter() - self._wall0
        self.cpu_s = time.process_time() - self._cpu0
        self.routes = self._requests() - self._before

    def result(self) -> dict[str, Any]:
        return {
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "requests": sum(self.routes.values()),
            "peak_rss_mib": peak_rss_bytes() / 2**20,
            "routes": dict(sorted(self.routes.items())),
        }
