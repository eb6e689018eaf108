"""Request and fault counters, readable from Python and from ``GET /_emulator/stats``."""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["Stats"]


class Stats:
    """Counts ``/api/v2`` requests by method, route template and status, and injected faults.

    Admin requests (``/_emulator/...``) are not counted, so they never disturb assertions.

    Attributes:
        requests: ``(method, route template, status) -> count``, e.g.
            ``("GET", "/api/v2/deployments/{deployment_id}/", 200)``. Requests whose
            connection was dropped are counted under status 0.
        faults: Injected faults by kind (``"503"``, ``"reset"``, ``"reset_after"``, ...).
        unexpected_errors: Handler exceptions answered with a 500 that no fault asked for
            (a bug in the emulator; tests expect 0).

    Example:
        >>> stats = Stats()
        >>> stats.record("GET", "/api/v2/version/", 200)
        >>> stats.request_count(route="/api/v2/version/")
        1
    """

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.faults: Counter[str] = Counter()
        self.unexpected_errors = 0

    def record(self, method: str, route: str, status: int) -> None:
        """Count one request."""
        self.requests[method, route, status] += 1

    def request_count(
        self, method: str | None = None, route: str | None = None, status: int | None = None
    ) -> int:
        """Return how many requests matched every given criterion.

        Args:
            method: e.g. ``"PATCH"``.
            route: A route template, e.g. ``"/api/v2/deployments/{deployment_id}/model/"``.
            status: A status code (0 for dropped connections).
        """
        return sum(
            count
            for (m, r, s), count in self.requests.items()
            if (method is None or m == method)
            and (route is None or r == route)
            and (status is None or s == status)
        )

    def clear(self) -> None:
        """Zero every counter."""
        self.requests.clear()
        self.faults.clear()
        self.unexpected_errors = 0

    def to_json(self, jobs_started: dict[str, int], jobs_finished: dict[str, int]) -> Any:
        """Return the JSON form served by ``GET /_emulator/stats``."""
        return {
            "requestsTotal": sum(self.requests.values()),
            "requests": [
                {"method": m, "route": r, "status": s, "count": c}
                for (m, r, s), c in sorted(self.requests.items())
            ],
            "faults": dict(sorted(self.faults.items())),
            "unexpectedErrors": self.unexpected_errors,
            "jobs": {
                "started": sum(jobs_started.values()),
                "finished": sum(jobs_finished.values()),
                "startedByKind": dict(sorted(jobs_started.items())),
                "finishedByKindAndStatus": dict(sorted(jobs_finished.items())),
            },
        }
