"""Every contender of a per-deployment scenario (P6, P7) on one emulator: aiodeploy, the raw
aiohttp floor, and the official client one by one and from a thread pool.

The official client's sequential run is measured on a few deployments and extrapolated
per item; its thread pool is measured on up to ``threads_measured`` deployments and, past
that, extrapolated by waves of ``threads`` (each wave lasts as long as one deployment's
work). Extrapolated rows say so in their note and keep their source's raw runs. A first,
unrecorded aiodeploy run warms the fresh emulator up (see :meth:`Suite.warm_up`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ._emulator import EmulatorProcess
from ._runner import Row, Suite, extrapolated, official_contenders, per_item


@dataclass(frozen=True)
class Contest:
    """One scenario's contenders on one emulator (``link``: the network condition)."""

    suite: Suite
    emu: EmulatorProcess
    scenario: str
    link: str
    ids: list[str]
    args: dict[str, Any]
    warm_args: dict[str, Any] | None = None  # the warm-up run's (default: 5 deployments)

    def measure(self, count: int, contender: str, client: str, **extra: Any) -> Row:
        """Measure one contender on the first ``count`` deployments."""
        args = {**self.args, "ids": self.ids[:count], **extra}
        case = self.case(count)
        row = self.suite.row(
            self.emu, self.scenario, case=case, contender=contender, client=client, n=count,
            args=args,
        )  # fmt: skip
        return per_item(row)

    def case(self, count: int) -> str:
        return f"{self.link}, N={count}"

    def rows(self, few: int, threads: int, threads_measured: int) -> list[Row]:
        """aiodeploy, the raw floor, then per official variant: one by one (measured on
        ``few``, extrapolated to all) and ``threads`` threads (measured, or by waves)."""
        n = len(self.ids)
        warm = self.warm_args or {**self.args, "ids": self.ids[:5]}
        self.suite.warm_up(self.emu, self.scenario, warm)
        rows = [
            self.measure(n, "aiodeploy", "aiodeploy"),
            self.measure(n, "raw aiohttp + msgspec", "raw-aiohttp"),
        ]
        variants = official_contenders()
        if not self.suite.sizes.both_tracking:
            variants = [variant for variant in variants if not variant[1]]
        for label, tracking in variants:
            one_by_one = self.measure(
                few, f"{label}, sequential", "official", threads=1, tracking=tracking
            )
            one_by_one["note"] = "measured; scaled per item below"
            scaled = extrapolated(
                one_by_one, n, wall_scale=n / few, case=self.case(n),
                note=f"extrapolated per item from N={few}",
            )  # fmt: skip
            rows += [one_by_one, per_item(scaled)]
            pooled = f"{label}, {threads} threads"
            measured = min(n, threads_measured)
            row = self.measure(measured, pooled, "official", threads=threads, tracking=tracking)
            rows.append(row)
            if measured < n:
                waves = math.ceil(n / threads) / math.ceil(measured / threads)
                row["note"] = "measured; scaled by waves below"
                note = f"extrapolated from N={measured} by waves of {threads}"
                scaled = extrapolated(row, n, wall_scale=waves, note=note, case=self.case(n))
                rows.append(per_item(scaled))
        return rows
